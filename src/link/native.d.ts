// Minimal typings for the two native addons, covering only what src/link uses.
declare module 'cap' {
  import { EventEmitter } from 'node:events';
  export class Cap extends EventEmitter {
    /** opens a live capture; returns the link type name ('ETHERNET', 'NULL', …) */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    /** with patches/cap+0.2.1.patch, returns when the frame was handed to the kernel (µs since the epoch, the clock of `now`) */
    send(buffer: Buffer, nbytes?: number): number;
    setMinBytes?(bytes: number): void;
    close(): void;
    /** `capturedAt` (patches/cap+0.2.1.patch): libpcap's timestamp of the frame, µs since the epoch */
    on(event: 'packet', listener: (nbytes: number, truncated: boolean, capturedAt: number) => void): this;
    /** only with patches/cap+0.2.1.patch: the interface went down or vanished; capturing has stopped */
    on(event: 'error', listener: (err: Error) => void): this;
    static deviceList(): { name: string; addresses: { addr: string }[]; flags?: string }[];
  }
  /** only with patches/cap+0.2.1.patch: the clock of captured packets' timestamps (gettimeofday), µs since the epoch */
  export function now(): number;
}

declare module 'raw-socket' {
  import { type EventEmitter } from 'node:events';
  interface RawSocket extends EventEmitter {
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      before: (() => void) | null,
      after: (error: Error | null, bytes: number) => void,
    ): void;
    /** the addon's socket: send() calls sendto() at once (throwing its error) and then `sent` */
    wrap: { send(buffer: Buffer, offset: number, length: number, address: string, sent: (bytes: number) => void): void };
    close(): void;
    pauseRecv(): RawSocket;
  }
  export function createSocket(options: { addressFamily?: number; protocol?: number; bufferSize?: number }): RawSocket;
  export const AddressFamily: { IPv4: number; IPv6: number };
}
