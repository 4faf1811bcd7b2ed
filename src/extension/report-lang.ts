import type { ReportLang } from '../report';

/**
 * The report's language for VS Code's display language (`vscode.env.language`, e.g. "zh-cn"):
 * Simplified Chinese only where Simplified is written (mainland China, Singapore, or the script
 * named); a Traditional Chinese reader (zh-tw, zh-hk, zh-hant) gets English, not the other script.
 */
export function reportLangFor(displayLanguage: string): ReportLang {
  const tag = displayLanguage.toLowerCase().replaceAll('_', '-');
  return ['zh', 'zh-cn', 'zh-sg', 'zh-hans'].includes(tag) || tag.startsWith('zh-hans-') ? 'zh-CN' : 'en';
}
