// nmap's outputs of a real IPv6 scan of the lab (test/fixtures/captures/ipv6/report-out/results.json): -oX names the
// host with addrtype="ipv6" as nmap -6 does (and validates against nmap's DTD), -oN reports it by its IPv6
// address, and both agree port by port with nmap -6's own XML of the same ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toNmapNormal, toNmapXml } from '../../src/output';
import { ScanDocument, type Technique } from '../../src/protocol';
import { parseNmapXml } from '../../src/report/nmap';

const DIR = join(import.meta.dirname, '../fixtures/captures/ipv6');
const TARGET = '2001:2:0:240::2';
const scan = ScanDocument.parse(JSON.parse(readFileSync(join(DIR, 'report-out/results.json'), 'utf8')));
const only = (technique: Technique): ScanDocument => ({
  ...scan,
  results: scan.results.filter((r) => r.technique === technique),
  summary: { ...scan.summary!, techniques: scan.summary!.techniques.filter((t) => t.technique === technique) },
});

function validAgainstNmapDtd(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-xml6-'));
  try {
    writeFileSync(join(dir, 'scan.xml'), xml);
    execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', join(dir, 'scan.xml')], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The <address> lines of a host, as nmap -6 writes them: the IPv6 address, then the on-link target's MAC. */
const addressLines = (xml: string) => xml.split('\n').filter((l) => l.startsWith('<address '));

test('-oX of an IPv6 scan: addrtype="ipv6" and the MAC, the very lines nmap -6 writes, valid by nmap.dtd', () => {
  for (const [technique, flag] of [
    ['syn', 'S'],
    ['udp', 'U'],
  ] as const) {
    const xml = toNmapXml(only(technique));
    validAgainstNmapDtd(xml);
    const nmap = readFileSync(join(DIR, `nmap6-s${flag}.xml`), 'utf8');
    assert.deepEqual(addressLines(xml), [`<address addr="${TARGET}" addrtype="ipv6"/>`, '<address addr="02:70:6C:F0:00:02" addrtype="mac"/>']);
    assert.deepEqual(addressLines(xml), [...new Set(addressLines(nmap))]);
  }
});

test("-oX of an IPv6 scan reads back with nmap's states and reasons on every port", () => {
  for (const [technique, flag] of [
    ['syn', 'S'],
    ['udp', 'U'],
  ] as const) {
    const ours = parseNmapXml(toNmapXml(only(technique)))!;
    const nmap = parseNmapXml(readFileSync(join(DIR, `nmap6-s${flag}.xml`), 'utf8'))!;
    assert.deepEqual(ours.hosts, [TARGET]);
    assert.deepEqual(new Map([...ours.ports].sort()), new Map([...nmap.ports].sort()), `-s${flag}`);
  }
});

test('-oN reports the host by its IPv6 address, with its MAC, as nmap -6 -oN does', () => {
  const text = toNmapNormal(only('syn'));
  assert.ok(text.includes(`${scan.tool} scan report for ${TARGET}\nHost is up, received user-set.\n`), text);
  assert.match(text, /\n110\/tcp +filtered +pop3 +admin-prohibited ttl 64\n/);
  assert.ok(text.includes('MAC Address: 02:70:6C:F0:00:02 (Unknown)'), text);
  assert.match(text, /-- 1 IP address \(1 host up\) scanned in/);
});

test('--json of an IPv6 scan keeps the IPv6 fields: ipVersion on every packet, ICMPv6 types, lengths with the 40-byte header', () => {
  const udp69 = scan.results.find((r) => r.technique === 'udp' && r.port === 69)!;
  assert.equal(udp69.target, TARGET);
  assert.ok(udp69.exchange.every((p) => p.ipVersion === 6));
  const answer = udp69.exchange.find((p) => p.dir === 'in')!;
  assert.deepEqual([answer.kind, answer.icmpType, answer.icmpCode, answer.src], ['icmp', 1, 4, TARGET]);
  assert.ok(
    udp69.exchange.every((p) => p.len >= 48),
    'an IPv6 header and at least a UDP header',
  );
  assert.equal(scan.scanner?.prefixLength, 64);
  assert.equal(scan.scanner?.address, '2001:2:0:240::1');
});
