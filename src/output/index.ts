export { toNmapXml } from './nmap-xml';
export { toNmapNormal } from './nmap-normal';
export { writeScanOutputs, type OutputFiles } from './write';
export { addNmapOutputOptions, expandNmapOutputFlags, type NmapOutputOptions } from './nmap-flags';
