export { toNmapXml } from './nmap-xml';
export { toNmapNormal } from './nmap-normal';
export { writeScanOutputs, type OutputFiles } from './write';
