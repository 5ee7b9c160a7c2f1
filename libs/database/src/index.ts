export * from './entities';
export * from './data-source';
export * from './status/settle-tree';
export * from './network/ipam';
