export * from './format';
export * from './reader';
export * from './file';
export * from './writer';
