export * from './scan';
export * from './lab';
