/** Controllers and services of the child resources, registered by the API module. */
import { Type } from '@nestjs/common';

export const RESOURCE_CONTROLLERS: Type[] = [];
export const RESOURCE_SERVICES: Type[] = [];
