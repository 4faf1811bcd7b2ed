import { closeSync, constants, fchmodSync, ftruncateSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { LINKTYPE_ETHERNET } from '../constants';
import { PCAP_GLOBAL_HEADER_LENGTH, PCAP_MAGIC_MICROS, PCAP_RECORD_HEADER_LENGTH, PCAP_SNAPLEN, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR } from './format';

export interface PcapWriterOptions {
  /** file mode, set exactly whatever the umask (captures hold other people's traffic) */
  mode?: number;
  /** buffered records reach the file at least this often (default 100 ms), besides whenever 64 KiB of them are buffered */
  flushIntervalMs?: number;
  /** called once when a write fails (disk full, file system gone); later records are dropped */
  onError?: (err: Error) => void;
}

const BUFFER_BYTES = 64 * 1024;

/**
 * Classic pcap writer that survives being killed: records are buffered in memory and reach the
 * file only as whole records, one writeSync per 64 KiB (about 850 probes or answers of a port scan) or
 * per 100 ms, whichever comes first, so a SIGKILL leaves a file that is valid up to the last flush, at
 * most ~100 ms old. A failed write is cut back to the last whole record.
 * One cut this cannot prevent: Linux may stop a write() at a page boundary when SIGKILL arrives, leaving
 * the flush in progress cut mid-record; readPcap then says `truncated`, Wireshark warns and shows the rest.
 */
export class PcapWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  private bufferedRecords = 0;
  private firstBufferedAt = 0;
  /** bytes known to be in the file, every one part of a whole record */
  private fileBytes = 0;
  private written = 0;
  private closed = false;
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly flushIntervalMs: number;
  private readonly onError: ((err: Error) => void) | undefined;
  private readonly epochMicros = Date.now() * 1000;
  private readonly hrStart = process.hrtime.bigint();

  /**
   * Creates the capture at `path`, replacing a file already there. Never writes through a link: the
   * directory is opened without following a symlink and the file is made new (O_EXCL|O_NOFOLLOW)
   * inside that very directory, so a directory or file swapped for a link in between makes this throw
   * instead of overwriting whatever the link points to (the helper writes as root).
   */
  static open(path: string, linkType = LINKTYPE_ETHERNET, options: PcapWriterOptions = {}): PcapWriter {
    const mode = options.mode ?? 0o600;
    const dirFd = openDirectory(dirname(path));
    // open(2) relative to the directory opened (Node has no openat): /proc/self/fd/N/name resolves through
    // that very directory, whatever its path names by now.
    const inDir = `/proc/self/fd/${dirFd}/${basename(path)}`;
    try {
      const fd = createFile(inDir, path, mode);
      try {
        fchmodSync(fd, mode);
        const header = Buffer.alloc(PCAP_GLOBAL_HEADER_LENGTH);
        header.writeUInt32LE(PCAP_MAGIC_MICROS, 0);
        header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
        header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
        header.writeUInt32LE(PCAP_SNAPLEN, 16);
        header.writeUInt32LE(linkType, 20);
        writeFileSync(fd, header);
      } catch (err) {
        closeSync(fd);
        // Shorter than a header (ENOSPC) it is no capture, only a file tshark fails on: the one made here goes.
        unlinkQuietly(inDir);
        throw err;
      }
      return new PcapWriter(fd, options);
    } finally {
      closeSync(dirFd);
    }
  }

  private constructor(fd: number, options: PcapWriterOptions) {
    this.fd = fd;
    this.fileBytes = PCAP_GLOBAL_HEADER_LENGTH;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.onError = options.onError;
    this.timer = setInterval(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** records accepted so far (the frame number of the last one) */
  get packets(): number {
    return this.written;
  }

  /** the write error that stopped the capture, if any */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Current time in microseconds since the epoch, on the writer's monotonic clock. */
  now(): number {
    return this.epochMicros + Number((process.hrtime.bigint() - this.hrStart) / 1000n);
  }

  /**
   * Append one packet; returns its 1-based frame number in the file, or undefined when the capture
   * has failed (see `error`). Bytes beyond the snaplen are cut, as libpcap does.
   */
  write(bytes: Uint8Array, timestampMicros = this.now()): number | undefined {
    if (this.closed) throw new Error('PcapWriter: write after close');
    if (this.failure) return undefined;
    const capLen = Math.min(bytes.length, PCAP_SNAPLEN);
    const recordLength = PCAP_RECORD_HEADER_LENGTH + capLen;
    if (this.buffered + recordLength > BUFFER_BYTES) this.flush();
    if (this.failure) return undefined;
    if (this.bufferedRecords === 0) this.firstBufferedAt = Date.now();
    const record = recordLength <= BUFFER_BYTES ? this.buffer : Buffer.allocUnsafe(recordLength);
    const at = record === this.buffer ? this.buffered : 0;
    const seconds = Math.floor(timestampMicros / 1_000_000);
    record.writeUInt32LE(seconds >>> 0, at);
    record.writeUInt32LE(Math.floor(timestampMicros - seconds * 1_000_000), at + 4);
    record.writeUInt32LE(capLen, at + 8);
    record.writeUInt32LE(bytes.length, at + 12);
    record.set(bytes.subarray(0, capLen), at + PCAP_RECORD_HEADER_LENGTH);
    if (record !== this.buffer) {
      this.writeToFile(record, recordLength);
    } else {
      this.buffered += recordLength;
      this.bufferedRecords++;
    }
    if (this.failure) return undefined;
    this.written++;
    // The timer cannot fire while a long burst keeps the event loop busy: the oldest record's age is checked here too.
    if (Date.now() - this.firstBufferedAt >= this.flushIntervalMs) this.flush();
    return this.failure ? undefined : this.written;
  }

  /** Write every buffered record to the file now. */
  flush(): void {
    if (this.buffered === 0 || this.failure) return;
    const length = this.buffered;
    this.buffered = 0;
    this.bufferedRecords = 0;
    this.writeToFile(this.buffer, length);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    clearInterval(this.timer);
    this.closed = true;
    closeSync(this.fd);
  }

  private writeToFile(data: Buffer, length: number): void {
    let done = 0;
    try {
      while (done < length) done += writeSync(this.fd, data, done, length - done);
      this.fileBytes += length;
    } catch (err) {
      this.failure = err as Error;
      clearInterval(this.timer);
      // A partial write (ENOSPC mid-buffer) leaves half a record: cut back to the last whole one that got
      // in, so that the records the disk had room for stay in the capture (and the disk stays full).
      this.fileBytes += wholeRecordsIn(data, done);
      try {
        ftruncateSync(this.fd, this.fileBytes);
      } catch {
        // The file system is gone; nothing more can be done for this file.
      }
      this.onError?.(this.failure);
    }
  }
}

/** The bytes of the whole records at the start of `data` within its first `written` bytes. */
function wholeRecordsIn(data: Buffer, written: number): number {
  let at = 0;
  while (at + PCAP_RECORD_HEADER_LENGTH <= written) {
    const end = at + PCAP_RECORD_HEADER_LENGTH + data.readUInt32LE(at + 8);
    if (end > written) break;
    at = end;
  }
  return at;
}

function openDirectory(dir: string): number {
  try {
    return openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw new Error(`${dir} is not a directory (a symbolic link?); captures are never written through links`);
    throw err;
  }
}

/** A new file replacing whatever entry was there; an entry that reappears in between is not written. */
function createFile(inDir: string, shownAs: string, mode: number): number {
  try {
    unlinkSync(inDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    return openSync(inDir, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${shownAs} appeared while it was being created; not written`);
    throw err;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // its directory is gone: nothing left to remove
  }
}
