import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portlabCliPath } from './cli-path';

/**
 * One call of sudo's askpass program: sudo's prompt, and which try this is (2 and up after a wrong
 * password; counted over the channel's life, so start one channel per helper launch).
 */
export interface AskpassRequest {
  prompt: string;
  attempt: number;
}

/** A running askpass channel: `env` goes into sudo's environment (with `sudo -A`); dispose() when the helper started. */
export interface Askpass {
  env: Record<string, string>;
  dispose(): void;
}

/** sudo's prompt is one short line; anything longer is not sudo talking. */
const MAX_PROMPT = 1024;

/**
 * Lets `sudo -A` ask for the password through `ask` (a dialog of the caller's) instead of a terminal.
 * sudo runs the script named by SUDO_ASKPASS, which is `portlab askpass`; that connects to a Unix
 * socket of this process, sends sudo's prompt and prints the one line it gets back, which sudo reads.
 * The password therefore lives only in this process's memory and on that socket: never in argv, an
 * environment variable or a file. Node cannot read SO_PEERCRED, so who may connect is decided by the
 * directory: mkdtemp creates it mode 0700, owned by this user, and the socket and script live inside.
 */
export async function startAskpass(ask: (request: AskpassRequest) => Promise<string | undefined>): Promise<Askpass> {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-askpass-'));
  const socketPath = join(dir, 'socket');
  const script = join(dir, 'askpass');
  let attempt = 0;
  const server = createServer((socket) => {
    attempt += 1;
    answer(socket, attempt, ask);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    // ELECTRON_RUN_AS_NODE: in the extension host process.execPath is the editor's Electron, which
    // then runs the CLI as plain Node; Node ignores it.
    writeFileSync(script, `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${shellWord(process.execPath)} ${shellWord(portlabCliPath())} askpass "$@"\n`, {
      mode: 0o700,
    });
  } catch (err) {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    env: { SUDO_ASKPASS: script, PORTLAB_ASKPASS_SOCKET: socketPath },
    dispose() {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads the prompt line, asks, writes the answer line (empty: cancelled) and lets go of it. */
function answer(socket: Socket, attempt: number, ask: (request: AskpassRequest) => Promise<string | undefined>): void {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    received += chunk;
    const end = received.indexOf('\n');
    if (end < 0 && received.length <= MAX_PROMPT) return;
    socket.removeAllListeners('data');
    const prompt = (end < 0 ? received : received.slice(0, end)).slice(0, MAX_PROMPT);
    ask({ prompt, attempt }).then(
      (password) => {
        // sudo reads one line: a password with a line break in it could not be given, so it counts as no
        // answer. Nothing keeps the password once this callback returns.
        socket.end(`${password && !/[\r\n]/.test(password) ? password : ''}\n`);
      },
      () => socket.end('\n'),
    );
  });
}

/**
 * The askpass program's side (`portlab askpass PROMPT`): sends the prompt on the socket and resolves
 * with the answer line, or undefined when the user cancelled.
 */
export function askOverSocket(socketPath: string, prompt: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${prompt.replace(/[\r\n]+/g, ' ')}\n`));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const line = received.split('\n')[0] ?? '';
      resolve(line === '' ? undefined : line);
    });
  });
}

/** A word for /bin/sh: single-quoted, with each single quote closed, escaped and reopened. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
