import { Option, type Command } from 'commander';

/** nmap's output flags and the long options they stand for: commander only knows one-letter short flags. */
const NMAP_OUTPUT_FLAGS: Record<string, string> = { '-oX': '--output-xml', '-oN': '--output-normal' };

/**
 * `portlab scan … -oX FILE -oN FILE` as nmap users type it → `--output-xml FILE --output-normal FILE`.
 * Nothing after `--` is touched: that is another program's command line (`portlab check -- prog -oX`).
 */
export function expandNmapOutputFlags(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  return options
    .flatMap((arg) => {
      const long = NMAP_OUTPUT_FLAGS[arg];
      if (long) return [long];
      const joined = Object.keys(NMAP_OUTPUT_FLAGS).find((flag) => arg.startsWith(flag) && arg.length > flag.length);
      return joined ? [NMAP_OUTPUT_FLAGS[joined]!, arg.slice(joined.length)] : [arg];
    })
    .concat(rest);
}

export interface NmapOutputOptions {
  outputXml?: string;
  outputNormal?: string;
}

/** Adds `-oX FILE` / `-oN FILE` (as --output-xml / --output-normal) to a scan command. */
export function addNmapOutputOptions(command: Command): Command {
  return command
    .addOption(new Option('--output-xml <file>', '-oX FILE: also write nmap XML (validates against nmap.dtd)'))
    .addOption(new Option('--output-normal <file>', '-oN FILE: also write nmap normal text output'));
}
