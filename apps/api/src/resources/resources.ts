/** Controllers and services of the child resources, registered by the API module. */
import { Type } from '@nestjs/common';
import { HealthMonitorController } from './health-monitors/health-monitor.controller';
import { HealthMonitorService } from './health-monitors/health-monitor.service';
import { ListenerController } from './listeners/listener.controller';
import { ListenerService } from './listeners/listener.service';
import { MemberController } from './members/member.controller';
import { MemberService } from './members/member.service';
import { PoolController } from './pools/pool.controller';
import { PoolService } from './pools/pool.service';

export const RESOURCE_CONTROLLERS: Type[] = [ListenerController, PoolController, MemberController, HealthMonitorController];
export const RESOURCE_SERVICES: Type[] = [ListenerService, PoolService, MemberService, HealthMonitorService];
