import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandNmapOutputFlags, toNmapNormal, toNmapXml } from '../../src/output';
import { foldedReasons, foldedStates, numberRanges, PortRuns, portRanges } from '../../src/output/nmap-model';
import type { PortResult, PortState, Reason, ScanDocument, Technique } from '../../src/protocol';

const NMAP_DTD = '/usr/share/nmap/nmap.dtd';

function port(technique: Technique, port: number, state: PortState, reason: Reason, extra: Partial<PortResult> = {}): PortResult {
  return { technique, target: '198.18.30.2', port, protocol: technique === 'udp' ? 'udp' : 'tcp', state, reason, exchange: [], ...extra };
}

/** The lab's port truth as a SYN + Xmas + UDP scan would see it, plus 40 more closed TCP ports. */
const doc: ScanDocument = {
  tool: 'portlab',
  startedAt: '2026-11-25T20:00:00.000Z',
  command: ['portlab', 'scan', '198.18.30.2', '-sS', '-sX', '-sU', '--', 'x'],
  summary: {
    scanId: 's1',
    partial: false,
    techniques: [
      {
        technique: 'syn',
        target: '198.18.30.2',
        startedAt: '2026-11-25T20:00:00.000Z',
        durationMs: 1500,
        packetsSent: 60,
        packetsReceived: 50,
        counts: { open: 2, closed: 42, filtered: 2, 'open|filtered': 1, unfiltered: 0 },
      },
    ],
  },
  results: [
    port('syn', 22, 'open', 'syn-ack', { reasonTtl: 64, service: 'ssh' }),
    port('syn', 23, 'closed', 'reset', { reasonTtl: 64, service: 'telnet' }),
    port('syn', 25, 'filtered', 'no-response', { service: 'smtp' }),
    port('syn', 110, 'filtered', 'admin-prohibited', { reasonTtl: 64, service: 'pop3' }),
    ...Array.from({ length: 40 }, (_, i) => port('syn', 1000 + i, 'closed', 'reset', { reasonTtl: 64 })),
    port('xmas', 22, 'open|filtered', 'no-response', { service: 'ssh' }),
    port('xmas', 23, 'closed', 'reset', { reasonTtl: 64, service: 'telnet' }),
    port('udp', 53, 'open', 'udp-response', { reasonTtl: 64, service: 'domain' }),
    port('udp', 69, 'closed', 'port-unreach', { reasonTtl: 64, service: 'tftp' }),
    port('udp', 123, 'open|filtered', 'no-response', { service: 'ntp' }),
  ],
};

function xmllintValid(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-xml-'));
  try {
    const file = join(dir, 'scan.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--dtdvalid', NMAP_DTD, file], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every (technique pass, protocol, port) → state the XML states, listed or collapsed into extraports. */
function statesInXml(xml: string): Map<string, string> {
  const states = new Map<string, string>();
  const hosts = xml.split('<!-- techniques: ').slice(1);
  for (const host of hosts) {
    const techniques = host.slice(0, host.indexOf(' -->')).split(', ');
    const techniqueOf = (proto: string) => techniques.find((t) => (proto === 'udp') === (t === 'udp'))!;
    for (const m of host.matchAll(/<port protocol="(\w+)" portid="(\d+)"><state state="([^"]+)"/g))
      states.set(`${techniqueOf(m[1]!)}/${m[2]}`, m[3]!.replace('&#124;', '|'));
    for (const block of host.matchAll(/<extraports state="([^"]+)" count="\d+">([\s\S]*?)<\/extraports>/g))
      for (const r of block[2]!.matchAll(/proto="(\w+)" ports="([^"]+)"/g))
        for (const range of r[2]!.split(',')) {
          const [lo, hi] = range.split('-').map(Number);
          for (let p = lo!; p <= (hi ?? lo!); p++) states.set(`${techniqueOf(r[1]!)}/${p}`, block[1]!);
        }
  }
  return states;
}

test('-oX validates against nmap.dtd and states every port as the document does', () => {
  const xml = toNmapXml(doc);
  xmllintValid(xml);
  const expected = new Map(doc.results.map((r) => [`${r.technique}/${r.port}`, r.state as string]));
  assert.deepEqual(statesInXml(xml), expected);
});

test('-oX and -oN of results out of nmap order are those of the same results in order (folded ports as runs of the sorted ports)', () => {
  const techniques = [...new Set(doc.results.map((r) => r.technique))];
  const reversed = { ...doc, results: techniques.flatMap((t) => doc.results.filter((r) => r.technique === t).reverse()) };
  assert.equal(toNmapXml(reversed), toNmapXml(doc));
  assert.equal(toNmapNormal(reversed), toNmapNormal(doc));
});

test("-oX has one scaninfo per technique and nmap's reason attributes", () => {
  const xml = toNmapXml(doc);
  assert.match(xml, /<scaninfo type="syn" protocol="tcp" numservices="44" services="22-23,25,110,1000-1039"\/>/);
  assert.match(xml, /<scaninfo type="xmas" protocol="tcp" numservices="2" services="22-23"\/>/);
  assert.match(xml, /<scaninfo type="udp" protocol="udp" numservices="3" services="53,69,123"\/>/);
  assert.match(
    xml,
    /<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"\/><service name="ssh" method="table" conf="3"\/><\/port>/,
  );
  assert.match(
    xml,
    /<extraports state="closed" count="42">\n<extrareasons reason="reset" count="41" proto="tcp" ports="23,1000-1039"\/>\n<extrareasons reason="port-unreach" count="1" proto="udp" ports="69"\/>\n<\/extraports>/,
  );
  assert.match(
    xml,
    /<runstats><finished time="\d+" timestr="[^"]+" summary="[^"]+scanned in 1.50 seconds" elapsed="1.50" exit="success"\/><hosts up="1" down="0" total="1"\/>/,
  );
  assert.doesNotMatch(xml.split('\n').slice(4).join('\n'), /<!--[^>]*--[^>]/, 'no "--" inside a comment');
});

test('-oX escapes what a document may carry and still validates', () => {
  const odd: ScanDocument = {
    ...doc,
    tool: 'port<lab> & "co"',
    command: ['portlab', '--a', '-->', '<x>'],
    summary: { scanId: 's', partial: true, error: 'cancelled <by> "user"', techniques: [] },
  };
  const xml = toNmapXml(odd);
  xmllintValid(xml);
  assert.match(xml, /exit="error" errormsg="cancelled &lt;by&gt; &quot;user&quot;"/);
});

test("-oN prints nmap's normal report with --reason columns", () => {
  const text = toNmapNormal(doc);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^# portlab scan initiated \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d 2026 as: portlab scan 198.18.30.2 -sS -sX -sU -- x$/);
  const syn = text.slice(text.indexOf('(syn, udp)'));
  // like nmap, a state with more than 25 ports is collapsed across both protocols
  assert.ok(syn.includes('Host is up, received user-set.\nNot shown: 41 closed tcp ports (reset), 1 closed udp port (port-unreach)\nPORT '), syn);
  assert.ok(
    syn.includes(
      [
        'PORT    STATE         SERVICE REASON',
        '22/tcp  open          ssh     syn-ack ttl 64',
        '25/tcp  filtered      smtp    no-response',
        '110/tcp filtered      pop3    admin-prohibited ttl 64',
        '53/udp  open          domain  udp-response ttl 64',
        '123/udp open|filtered ntp     no-response',
      ].join('\n'),
    ),
    syn,
  );
  const xmas = text.slice(text.indexOf('(xmas)'));
  assert.ok(
    xmas.includes(
      'Host is up, received user-set.\n\nPORT   STATE         SERVICE REASON\n22/tcp open|filtered ssh     no-response\n23/tcp closed        telnet  reset ttl 64\n',
    ),
    xmas,
  );
  assert.match(lines.at(-2)!, /^# portlab done at .* -- 1 IP address \(1 host up\) scanned in 1.50 seconds$/);
});

test('-oN says when every port of a host is in ignored states', () => {
  const closed: ScanDocument = {
    tool: 'portlab',
    startedAt: doc.startedAt,
    results: Array.from({ length: 30 }, (_, i) => port('syn', i + 1, 'closed', 'reset')),
  };
  const text = toNmapNormal(closed);
  assert.ok(text.includes('All 30 scanned ports on 198.18.30.2 are in ignored states.\nNot shown: 30 closed tcp ports (reset)\n'), text);
  xmllintValid(toNmapXml(closed));
});

test("an on-link target's MAC follows its address in -oX and its port table in -oN, as nmap writes them", () => {
  const techniques = doc.summary!.techniques.map((t) => ({ ...t, mac: '02:70:6c:45:00:02' }));
  const withMac: ScanDocument = { ...doc, summary: { ...doc.summary!, techniques } };
  const xml = toNmapXml(withMac);
  xmllintValid(xml);
  assert.ok(xml.includes('<address addr="198.18.30.2" addrtype="ipv4"/>\n<address addr="02:70:6C:45:00:02" addrtype="mac"/>\n<hostnames>'), xml);
  const text = toNmapNormal(withMac);
  const xmas = text.slice(text.indexOf('(xmas)'));
  assert.ok(xmas.includes('23/tcp closed        telnet  reset ttl 64\nMAC Address: 02:70:6C:45:00:02 (Unknown)\n\n'), xmas);
  assert.equal(text.split('MAC Address: ').length - 1, 2, 'once per host report (two passes)');
  assert.ok(!toNmapXml(doc).includes('addrtype="mac"'), 'no MAC line for a target whose MAC is unknown');
  assert.ok(!toNmapNormal(doc).includes('MAC Address'));
});

test("nmap's -oX FILE / -oN FILE reach the scan command as long options", () => {
  assert.deepEqual(expandNmapOutputFlags(['node', 'cli.js', 'scan', '198.18.30.2', '-oX', 'a.xml', '-oNb.nmap', '-sS']), [
    'node',
    'cli.js',
    'scan',
    '198.18.30.2',
    '--output-xml',
    'a.xml',
    '--output-normal',
    'b.nmap',
    '-sS',
  ]);
  assert.deepEqual(expandNmapOutputFlags(['scan', '-o', 'X', '-sSU']), ['scan', '-o', 'X', '-sSU']);
  // after --, the arguments belong to the program `portlab check` runs
  assert.deepEqual(expandNmapOutputFlags(['check', '-oX', 'a.xml', '--', 'prog', '-oX', 'b']), ['check', '--output-xml', 'a.xml', '--', 'prog', '-oX', 'b']);
});

test('nmap folds a state other than open with more than 25 ports, never open ones', () => {
  const many = (state: PortState, reason: Reason, n: number, from: number) => Array.from({ length: n }, (_, i) => port('syn', from + i, state, reason));
  const results = [...many('open', 'syn-ack', 30, 1), ...many('closed', 'reset', 26, 100), ...many('filtered', 'no-response', 25, 200)];
  assert.deepEqual([...foldedStates(results)], ['closed']);
  assert.deepEqual([...foldedStates(results.slice(0, 55))], []);
});

test('numberRanges folds runs in the order given, with the dash and separator asked; portRanges sorts and dedups first', () => {
  assert.equal(numberRanges([3, 4, 5, 9]), '3-5,9');
  assert.equal(numberRanges([3, 4, 5, 9], '–', ', '), '3–5, 9');
  assert.equal(numberRanges([5, 3, 4]), '5,3-4');
  assert.equal(numberRanges([]), '');
  assert.equal(portRanges([80, 1, 2, 3, 2, 53]), '1-3,53,80');
});

test('foldedReasons: one reason bare, several with their port counts', () => {
  assert.equal(foldedReasons([{ reason: 'reset', ports: { count: 3 } }]), 'reset');
  assert.equal(
    foldedReasons([
      { reason: 'reset', ports: { count: 3 } },
      { reason: 'no-response', ports: { count: 2 } },
    ]),
    '3 reset, 2 no-response',
  );
});

test('PortRuns keeps ascending ports as nmap writes them, and refuses to write ports given out of order', () => {
  const runs = new PortRuns();
  for (const p of [1, 2, 3, 5, 7, 8, 8, 65535]) runs.add(p);
  assert.equal(runs.count, 8);
  assert.equal(runs.text(), '1-3,5,7-8,65535');
  assert.equal(new PortRuns().text(), '');
  const unordered = new PortRuns();
  for (const p of [5, 6, 2]) unordered.add(p);
  assert.equal(unordered.count, 3);
  assert.throws(() => unordered.text(), /out of order/);
});
