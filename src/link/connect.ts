import { Socket } from 'node:net';
import type { ConnectOutcome } from '../protocol';

/**
 * One OS connect() to ip:port, given up after timeoutMs. An accepted connection is reset at once
 * (as nmap -sT does), so the target sees S → SA → A → RA and no session is left open.
 */
export function connectOnce(ip: string, port: number, timeoutMs: number): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (outcome: ConnectOutcome) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      if (outcome === 'connected') socket.resetAndDestroy();
      else socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('connect', () => finish('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'timeout'));
    socket.connect({ host: ip, port });
  });
}
