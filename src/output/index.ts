export { toNmapXml, writeNmapXml } from './nmap-xml';
export { notShownLine, toNmapNormal, writeNmapNormal } from './nmap-normal';
export { byNmapOrder, nmapHost, streamedNmapHost } from './nmap-model';
export { writeScanOutputs, type OutputFiles } from './write';
export { documentResults, resultTexts, type ResultSource } from './result-source';
export { addNmapOutputOptions, expandNmapOutputFlags, type NmapOutputOptions } from './nmap-flags';
