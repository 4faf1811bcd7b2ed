import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cliBundleOf } from '../helper/cli-path';
import { readProcStatus } from '../base/proc-status';
import { keepYoungGenerationAsIs } from './young-generation';
import { mapLargeAllocationsInThisProcess } from '../link/process-memory';

/**
 * `out/cli.js`: starts the CLI's bundle (`out/portlab.js`, 1.2 MB) with V8's code cache, so that a run does not
 * compile again the functions the previous run of the same command compiled (60-80 ms of every scan's start
 * here). Node 22 does this itself (module.enableCompileCache); the helper and the checker also run on Node 18 and
 * 20 and on the editor's Electron. Produced at exit, not at compile time as npm's v8-compile-cache does: only then
 * does the cache hold the functions that ran, not just the top level (measured: 990 KB against 400 KB, and the
 * second start as much faster again).
 */
const BUNDLE = cliBundleOf(__filename);

/**
 * Whether this process may do more than its user: a capability without being root (the helper confined to the
 * student's uid with CAP_NET_RAW). A cache its user can write would then run the user's code with that privilege.
 */
function privilegedBeyondItsUser(): boolean {
  if (process.geteuid?.() === 0) return false;
  try {
    return readProcStatus().capEff !== 0n;
  } catch {
    return true;
  }
}

/**
 * The per-user cache folder, or undefined when it is not this user's alone: V8 runs the bytes of a code cache as
 * code, so one that someone else can write (a student's folder read by the root helper under `sudo -E`, a shared
 * XDG_CACHE_HOME) would run their code as this user. Nor is it made in someone else's folder (root's, in a
 * student's home).
 */
function cacheFolder(): string | undefined {
  if (privilegedBeyondItsUser()) return undefined;
  const base = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const folder = join(base, 'portlab');
  const ownedHere = (path: string) => statSync(path).uid === process.geteuid?.();
  try {
    if (!ownedHere(existsSync(base) ? base : dirname(base))) return undefined;
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return ownedHere(folder) && (statSync(folder).mode & 0o077) === 0 ? folder : undefined;
  } catch {
    return undefined;
  }
}

/**
 * V8 accepts a cache made by its own version and flags for any source of the same length, so the key names the
 * bundle's bytes too; one cache per command, since each compiles other functions. The bundle's path ends it: a
 * copy that is gone (an extension's earlier version, a removed checkout) leaves caches that removeStaleCaches finds.
 */
function cacheKey(source: string): string {
  const before = [createHash('sha1').update(source).digest('hex'), process.versions.v8, process.arch];
  return `${[...before, BUNDLE].join(KEY_SEPARATOR)}\n`;
}

const KEY_SEPARATOR = ':';
/** The fields of a key before its bundle's path, which may hold the separator itself. */
const KEY_FIELDS_BEFORE_BUNDLE = 3;

/** The bundle a cache's key line names (cacheKey's last field); undefined for a key of an earlier format. */
function bundleOfKey(keyLine: string): string | undefined {
  const fields = keyLine.split(KEY_SEPARATOR);
  return fields.length > KEY_FIELDS_BEFORE_BUNDLE ? fields.slice(KEY_FIELDS_BEFORE_BUNDLE).join(KEY_SEPARATOR) : undefined;
}

/** How much of a cache file holds its key: a bundle's path is at most PATH_MAX. */
const KEY_BYTES_MAX = 4200;

/**
 * Removes the caches of copies whose bundle is gone, and those without a bundle in their key (an earlier format):
 * each copy has its own files, and an extension updated into a new folder would leave its old ones forever.
 * Run when this copy writes its own cache, which is rare: a copy's first run of a command, or its bundle changed.
 */
function removeStaleCaches(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (!/^portlab-[a-z-]+-[0-9a-f]{12}\.v8cache$/.test(name)) continue;
    const file = join(folder, name);
    try {
      const head = Buffer.alloc(KEY_BYTES_MAX);
      const fd = openSync(file, 'r');
      let length: number;
      try {
        length = readSync(fd, head, 0, KEY_BYTES_MAX, 0);
      } finally {
        closeSync(fd);
      }
      const bundle = bundleOfKey(head.subarray(0, length).toString('latin1').split('\n', 1)[0]!);
      if (bundle === undefined || !existsSync(bundle)) unlinkSync(file);
    } catch {
      // read or removed by another run meanwhile: left to it
    }
  }
}

/**
 * V8 checks a cache's version and flags, but not its bytes (a damaged one stops the process in the deserializer):
 * the file carries their digest after the key.
 */
function digestOf(data: Uint8Array): string {
  return `${createHash('sha1').update(data).digest('hex')}\n`;
}

function readCache(file: string, key: string): Buffer | undefined {
  try {
    const bytes = readFileSync(file);
    if (bytes.subarray(0, key.length).toString('latin1') !== key) return undefined;
    const digestEnd = bytes.indexOf(10, key.length) + 1;
    const data = bytes.subarray(digestEnd);
    return digestEnd > 0 && bytes.subarray(key.length, digestEnd).toString('latin1') === digestOf(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a run that reads it meanwhile sees the old file or the new one. */
function writeCache(file: string, key: string, data: Buffer): void {
  const staged = `${file}.${process.pid}`;
  try {
    writeFileSync(staged, Buffer.concat([Buffer.from(key + digestOf(data), 'latin1'), data]), { mode: 0o600 });
    renameSync(staged, file);
  } catch {
    // A cache that cannot be written only costs the next run its compile time.
  }
}

function start(): void {
  // Before the bundle compiles: V8 keys its code cache by its flags, and the bundle's start-up objects are what grew it.
  keepYoungGenerationAsIs();
  mapLargeAllocationsInThisProcess();
  const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2]! : 'other';
  const folder = cacheFolder();
  // one file per installed copy too (a checkout, the extension, the helper setup-privileges installed): each has its own build
  const copy = createHash('sha1').update(BUNDLE).digest('hex').slice(0, 12);
  const file = folder && join(folder, `portlab-${command}-${copy}.v8cache`);
  const source = readFileSync(BUNDLE, 'utf8');
  const key = cacheKey(source);
  const cached = file ? readCache(file, key) : undefined;
  const script = new Script(Module.wrap(source), { filename: BUNDLE, ...(cached ? { cachedData: cached } : {}) });
  if (file && (!cached || script.cachedDataRejected))
    process.once('exit', () => {
      writeCache(file, key, script.createCachedData());
      removeStaleCaches(folder);
    });
  const bundle = new Module(BUNDLE, module);
  bundle.filename = BUNDLE;
  bundle.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(BUNDLE));
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(bundle.exports, bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, dirname(BUNDLE));
}

start();
