import * as vscode from 'vscode';

export type ElevationMethod = 'auto' | 'pkexec' | 'sudo' | 'none';

/** The extension's settings (`portlab.*`), read fresh each time so that a change applies at once. */
export interface PortLabSettings {
  allowedTargets: string[];
  defaultPorts: string;
  defaultTechniques: string[];
  rate: number;
  maxRetries: number;
  captureDirectory: string;
  elevation: ElevationMethod;
  nodePath: string;
  labId: number;
  /** Check My Scanner's command line for the program, with {file}, {target} and {port} */
  checkCommand: string[];
  /** seconds each run of the program may take */
  checkTimeout: number;
}

const DEFAULT_CHECK_COMMAND = ['python3', '{file}', '{target}', '{port}'];

export function readSettings(): PortLabSettings {
  const c = vscode.workspace.getConfiguration('portlab');
  return {
    allowedTargets: c.get<string[]>('allowedTargets', []),
    defaultPorts: c.get<string>('defaultPorts', '22,23,25,53,80,110,443,3306,8080'),
    defaultTechniques: c.get<string[]>('defaultTechniques', ['connect']),
    rate: c.get<number>('rate', 1000),
    maxRetries: c.get<number>('maxRetries', 1),
    captureDirectory: c.get<string>('captureDirectory', ''),
    elevation: c.get<ElevationMethod>('elevation', 'auto'),
    nodePath: c.get<string>('nodePath', ''),
    labId: c.get<number>('lab.id', 0),
    checkCommand: c.get<string[]>('check.command', DEFAULT_CHECK_COMMAND),
    checkTimeout: c.get<number>('check.timeout', 15),
  };
}
