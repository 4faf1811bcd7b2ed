import { dirname, relative, sep } from 'node:path';

/** A table cell's text: a pipe escaped, a line break made a space. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table: the head, its rule, a line per row. */
export function table(head: string[], rows: string[][]): string {
  return [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** A fenced code block in `lang`. */
export function fence(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body}\n\`\`\``;
}

/** `path` as a link from the report at `reportPath`: relative to its folder, with forward slashes ('' for that folder itself). */
export function hrefFrom(reportPath: string, path: string): string {
  return relative(dirname(reportPath), path).split(sep).join('/');
}
