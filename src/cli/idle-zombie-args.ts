/** A `-s` group that names the idle scan: its zombie is the next argument, as nmap reads `-sI ZOMBIE`. */
const IDLE_GROUP = /^-s[a-z]*i[a-z]*$/i;

/**
 * `portlab scan -sI ZOMBIE[:PROBEPORT] …` as nmap users type it → `-sI --zombie ZOMBIE …`: commander's
 * options take one value, and `-sI`'s is its letters. Also `-s I ZOMBIE` and `--scan I ZOMBIE`. Only the
 * scan command's arguments, and nothing after `--`.
 */
export function expandIdleZombie(argv: readonly string[]): string[] {
  if (argv[2] !== 'scan') return [...argv];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    out.push(arg);
    if (arg === '--') return out.concat(argv.slice(i + 1));
    const separate = (arg === '-s' || arg === '--scan') && /^[a-z]*i[a-z]*$/i.test(argv[i + 1] ?? '');
    if (separate) out.push(argv[++i]!);
    const zombie = argv[i + 1];
    if ((separate || IDLE_GROUP.test(arg)) && zombie !== undefined && !zombie.startsWith('-')) out.push('--zombie', argv[++i]!);
  }
  return out;
}
