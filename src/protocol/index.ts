export * from './scan';
export * from './lab';
export * from './rpc';
export * from './check';
export * from './analysis';
export * from './endpoint';
