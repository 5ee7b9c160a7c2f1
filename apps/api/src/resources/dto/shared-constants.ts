export * from '../../../../../libs/common/src/constants';
export { CONTROL_CHARS } from '../../validation/fields';
