export { captureClockMicros, LiveCapture } from './capture';
export { captureConnectTraffic } from './connect-capture';
export { captureTargetTraffic } from './target-capture';
export { connectOnce } from './connect';
export { sweepOnLink, sweepViaGateway, type HostAnswer, type HostProbes, type SweepPacing } from './host-probe';
export { hasCapNetRaw, missingCapNetRaw } from './privilege';
export { openRawChannel, type ChannelListener, type ExtraSources, type PortSpan, type RawChannel } from './raw-channel';
export { assertInterfaceUp, findRoute, type Route } from './route';
export { claimSourceAddresses } from './source-addresses';
