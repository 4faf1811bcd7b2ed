export { toNmapXml } from './nmap-xml';
export { notShownLine, toNmapNormal } from './nmap-normal';
export { nmapHost } from './nmap-model';
export { writeScanOutputs, type OutputFiles } from './write';
export { addNmapOutputOptions, expandNmapOutputFlags, type NmapOutputOptions } from './nmap-flags';
