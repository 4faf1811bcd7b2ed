import type { ProgramState } from '../protocol';

export interface ProgramVerdict {
  state: ProgramState;
  /** the output line the state was read from, trimmed */
  line: string;
}

/**
 * The words that name a state, longest first at each position: "open|filtered" must win over "open"
 * and "filtered", "unfiltered" over "filtered". Students write "open | filtered", "Open/Filtered" or
 * "open or filtered" as often as nmap's spelling; Chinese courses print 开放, 关闭 and 过滤.
 */
const STATE_PATTERN = /(open\s*(?:\||\/|or)\s*filtered|unfiltered|filtered|closed|open|开放\s*(?:\||\/|或)\s*过滤|未过滤|开放|关闭|过滤)/giu;

function stateOfWord(word: string): ProgramState {
  const w = word.toLowerCase().replace(/\s+/g, '');
  if (/^(open(\||\/|or)filtered|开放(\||\/|或)过滤)$/u.test(w)) return 'open|filtered';
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
