import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionVerdict, type SessionState } from '../../src/extension/helper-session';
import { privilegeOf, statusText, type HelperInfo, type StatusWords } from '../../src/extension/helper-status';
import { scanRoute } from '../../src/extension/scan-route';

const alive: SessionState = { key: 'k', alive: true, answers: true, rawSockets: true };

test('a helper session is reused while it is alive, answers, has the same settings and can do what is asked', () => {
  assert.equal(sessionVerdict(alive, { key: 'k', raw: true }), 'reuse');
  assert.equal(sessionVerdict(alive, { key: 'k', raw: false }), 'reuse', 'a raw-capable helper serves connect scans too');
  assert.equal(sessionVerdict({ ...alive, netns: 'portlab95-scanner' }, { key: 'k', raw: false, netns: 'portlab95-scanner' }), 'reuse');
});

test('a helper session is started when there is none or it died, and restarted when it is stale', () => {
  assert.equal(sessionVerdict(undefined, { key: 'k', raw: true }), 'start');
  assert.equal(sessionVerdict({ ...alive, alive: false }, { key: 'k', raw: true }), 'start');
  assert.equal(sessionVerdict({ ...alive, answers: false }, { key: 'k', raw: true }), 'restart', 'a hung helper');
  assert.equal(sessionVerdict(alive, { key: 'other settings', raw: true }), 'restart');
  assert.equal(sessionVerdict({ ...alive, rawSockets: false }, { key: 'k', raw: true }), 'restart', 'an unprivileged helper asked for a raw scan');
  // The lab was taken down and up again: the helper's namespace is no longer the one of that name.
  assert.equal(sessionVerdict({ ...alive, netns: 'net:[4026532]' }, { key: 'k', raw: true, netns: 'portlab95-scanner' }), 'restart');
  assert.equal(sessionVerdict(alive, { key: 'k', raw: true, netns: 'portlab95-scanner' }), 'restart', 'a host helper asked for a namespace');
});

const WORDS: StatusWords = {
  scanHelper: (p) => `helper (${p})`,
  labHelper: (p) => `lab helper (${p})`,
  privilege: (p, user) => (p === 'root' ? 'root' : p === 'cap-net-raw' ? `CAP_NET_RAW, as ${user}` : `no privileges, as ${user}`),
};
const helper = (role: HelperInfo['role'], privilege: HelperInfo['privilege'], user: string): HelperInfo => ({
  role,
  privilege,
  user,
  method: 'sudo',
  pid: 42,
  captureDir: '/tmp/c',
});

test('the status bar says which helper runs with which privilege, and nothing when none runs', () => {
  assert.equal(statusText([], WORDS), undefined);
  assert.equal(statusText([helper('scan', 'cap-net-raw', 'alice')], WORDS), 'PortLab: helper (CAP_NET_RAW, as alice)');
  assert.equal(statusText([helper('lab', 'root', 'root')], WORDS), 'PortLab: lab helper (root)');
  assert.equal(
    statusText([helper('lab', 'root', 'root'), helper('scan', 'cap-net-raw', 'alice')], WORDS),
    'PortLab: helper (CAP_NET_RAW, as alice) · lab helper (root)',
  );
});

test("a helper's privilege comes from its /proc status: root's capabilities, CAP_NET_RAW alone, or none", () => {
  const status = (uid: number, capEff: bigint) => ({ uid, capEff, capPrm: capEff, capBnd: capEff, noNewPrivs: false });
  assert.equal(privilegeOf(status(0, 0x1ffffffffffn)), 'root');
  assert.equal(privilegeOf(status(0, 1n << 13n)), 'cap-net-raw', 'root confined by setpriv');
  assert.equal(privilegeOf(status(1000, 1n << 13n)), 'cap-net-raw');
  assert.equal(privilegeOf(status(1000, 0n)), 'none');
});

test('a lab target is scanned over the host link by a student, from the scanner namespace by root or when the lab has no host link', () => {
  const lab = { scannerNetns: 'portlab95-scanner', hostLink: true };
  const student = { entersNamespaces: false, rawHere: false };
  assert.deepEqual(scanRoute({ raw: false, lab, ...student }), { kind: 'in-process' }, 'a connect scan needs nothing');
  assert.deepEqual(scanRoute({ raw: true, lab, ...student }), { kind: 'helper', raw: true }, 'raw scans: the scan helper, in the host namespace');
  assert.deepEqual(scanRoute({ raw: false, lab: { ...lab, hostLink: false }, ...student }), { kind: 'helper', raw: false, netns: 'portlab95-scanner' });
  assert.deepEqual(scanRoute({ raw: true, lab, entersNamespaces: true, rawHere: true }), { kind: 'helper', raw: true, netns: 'portlab95-scanner' });
  assert.deepEqual(scanRoute({ raw: false, ...student }), { kind: 'in-process' }, 'any connect scan without privilege');
  assert.deepEqual(scanRoute({ raw: false, entersNamespaces: false, rawHere: true }), { kind: 'helper', raw: false }, 'a helper captures it');
});
