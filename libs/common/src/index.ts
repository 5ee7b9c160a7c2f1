export * from './config/ini-file';
export * from './config/octavia-config';
export * from './config/auth-options';
export * from './logging/json-logger';
export * from './constants';
export * from './metrics/metrics.registry';
export * from './metrics/status-server';
