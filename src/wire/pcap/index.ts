export * from './format';
export * from './reader';
export * from './file';
export * from './writer';
export * from './records';
export * from './pcapng';
export * from './capture';
export * from './capture-file';
