export { renderReport, type ReportInput, type RenderOptions } from './render';
export { loadReportInput, RESULTS_FILE, LAB_FILE, NMAP_DIR, capturePath, nmapXmlPath } from './load';
export { collectNmap } from './nmap-run';
export { parseNmapXml } from './nmap';
export { REPORT_LANGS, isReportLang, type ReportLang } from './i18n';
export { mergeScanDocuments } from './merge';
