import type { ProgramState } from '../protocol';

export interface ProgramVerdict {
  state: ProgramState;
  /** the output line the state was read from, trimmed */
  line: string;
}

/**
 * The words that name a state, longest first at each position: "open|filtered" must win over "open"
 * and "filtered", "unfiltered" over "filtered". Students write "open | filtered", "Open/Filtered" or
 * "open or filtered" as often as nmap's spelling; Chinese courses print 开放, 关闭 and 过滤. The patterns write
 * those (and 或, 未过滤) as \u escapes: one non-ASCII character in the bundle doubles the memory V8 keeps its text in.
 */
const STATE_PATTERN =
  /(open\s*(?:\||\/|or)\s*filtered|unfiltered|filtered|closed|open|\u5f00\u653e\s*(?:\||\/|\u6216)\s*\u8fc7\u6ee4|\u672a\u8fc7\u6ee4|\u5f00\u653e|\u5173\u95ed|\u8fc7\u6ee4)/giu;

function stateOfWord(word: string): ProgramState {
  const w = word.toLowerCase().replace(/\s+/g, '');
  if (/^(open(\||\/|or)filtered|\u5f00\u653e(\||\/|\u6216)\u8fc7\u6ee4)$/u.test(w)) return 'open|filtered';
  if (w === 'unfiltered' || w === '未过滤') return 'unfiltered';
  if (w === 'filtered' || w === '过滤') return 'filtered';
  if (w === 'closed' || w === '关闭') return 'closed';
  return 'open';
}

/**
 * The program's verdict: the last line of its output that names a state, and the last state named on
 * that line ("port 80: filtered? no — open" says open). Words inside other words do not count
 * ("opened", "reopen", "closedown"), so a log line about an opened socket is not read as a verdict.
 */
export function readProgramVerdict(output: string): ProgramVerdict | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    let last: string | undefined;
    for (const m of line.matchAll(STATE_PATTERN)) {
      const before = line[m.index - 1];
      const after = line[m.index + m[0].length];
      if ((before && /[a-z]/i.test(before)) || (after && /[a-z]/i.test(after))) continue;
      last = m[0];
    }
    if (last !== undefined) return { state: stateOfWord(last), line: line.trim() };
  }
  return undefined;
}
