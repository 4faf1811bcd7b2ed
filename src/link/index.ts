export { LiveCapture } from './capture';
export { captureConnectTraffic } from './connect-capture';
export { connectOnce } from './connect';
export { hasCapNetRaw, missingCapNetRaw } from './privilege';
export { openRawChannel, type ExtraSources, type RawChannel } from './raw-channel';
export { assertInterfaceUp, findRoute, type Route } from './route';
export { claimSourceAddresses } from './source-addresses';
