export { renderReport, type ReportInput, type RenderOptions } from './render';
export { loadReportInput } from './load';
export { parseNmapXml } from './nmap';
export { REPORT_LANGS, isReportLang, type ReportLang } from './i18n';
export { mergeScanDocuments, mergeScanHeads, resultKey } from './merge';
