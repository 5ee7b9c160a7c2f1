export * from './heartbeat.codec';
export * from './heartbeat.types';
export * from './fast-inflate';
