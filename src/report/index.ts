export { renderReport, type ReportInput, type RenderOptions } from './render';
export { loadReportInput, RESULTS_FILE, LAB_FILE, capturePath, nmapXmlPath } from './load';
export { collectNmap } from './nmap-run';
export { REPORT_LANGS, isReportLang, type ReportLang } from './i18n';
