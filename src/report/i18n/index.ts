import { en, type Messages } from './en';
import { zhCN } from './zh-CN';

export const REPORT_LANGS = ['en', 'zh-CN'] as const;
export type ReportLang = (typeof REPORT_LANGS)[number];

const CATALOGUES: Record<ReportLang, Messages> = { en, 'zh-CN': zhCN };

export function messagesFor(lang: ReportLang): Messages {
  return CATALOGUES[lang];
}

export function isReportLang(value: string): value is ReportLang {
  return (REPORT_LANGS as readonly string[]).includes(value);
}

export type { Messages, ExplainFacts } from './en';
