export * from './heartbeat.codec';
export * from './heartbeat.types';
