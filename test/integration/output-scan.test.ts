import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { labDown, labTopology, labUp } from '../../src/lab';
import type { ScanDocument } from '../../src/protocol';

const run = promisify(execFile);
const ID = 32;
const topo = labTopology(ID);
const NETNS = topo.scanner.namespace;
const TARGET = topo.target.address;
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
const PORTS = '7,22,23,25,53,69,80,110,123,443,514,3306,8080';

type XmlPort = { protocol: string; portid: string; state: { state: string; reason: string } };

/** protocol/port → state, from an nmap XML file (ours or nmap's), listed ports and extraports alike. */
function xmlStates(xml: string): Map<string, string> {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['host', 'port', 'extraports', 'extrareasons'].includes(name),
  }).parse(xml);
  const states = new Map<string, string>();
  for (const host of doc.nmaprun.host ?? []) {
    for (const p of (host.ports?.port ?? []) as XmlPort[]) states.set(`${p.protocol}/${p.portid}`, p.state.state);
    for (const e of host.ports?.extraports ?? [])
      for (const r of e.extrareasons ?? [])
        for (const range of String(r.ports).split(',')) {
          const [lo, hi] = range.split('-').map(Number);
          for (let p = lo!; p <= (hi ?? lo!); p++) states.set(`${r.proto}/${p}`, e.state);
        }
  }
  return states;
}

describe('-oX and -oN from a lab scan', { skip, timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-output-'));
  before(async () => {
    await labUp(ID);
  });
  after(async () => {
    await labDown(ID);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the XML validates against nmap.dtd and lists the same states as --json and as nmap itself', async () => {
    const xml = join(dir, 'scan.xml');
    const normal = join(dir, 'scan.nmap');
    const { stdout } = await run(
      'ip',
      ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-sS', '-sU', '-p', PORTS, '--json', '-oX', xml, '-oN', normal],
      { maxBuffer: 64 << 20 },
    );
    await run('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml]);
    const json = JSON.parse(stdout) as ScanDocument;
    const fromJson = new Map(json.results.map((r) => [`${r.protocol}/${r.port}`, r.state]));
    const ours = xmlStates(readFileSync(xml, 'utf8'));
    assert.deepEqual(ours, fromJson);
    assert.equal(ours.get('tcp/22'), 'open');
    assert.equal(ours.get('udp/69'), 'closed');

    const nmapXml = join(dir, 'nmap.xml');
    // TCP only: nmap -sU gives up on closed UDP ports behind the target's ICMP rate limit (open|filtered)
    await run('ip', ['netns', 'exec', NETNS, 'nmap', '-n', '-Pn', '-sS', '-p', PORTS, '--reason', '-oX', nmapXml, TARGET], { timeout: 120_000 });
    const tcpOnly = new Map([...ours].filter(([key]) => key.startsWith('tcp/')));
    assert.deepEqual(tcpOnly, xmlStates(readFileSync(nmapXml, 'utf8')), 'same TCP states as nmap -oX');
    // the on-link target's MAC, from the scan's ARP answer, written as nmap writes it
    const macLine = `<address addr="${topo.target.mac.toUpperCase()}" addrtype="mac"/>`;
    assert.ok(readFileSync(nmapXml, 'utf8').includes(macLine), `nmap writes ${macLine}`);
    assert.ok(readFileSync(xml, 'utf8').includes(`<address addr="${TARGET}" addrtype="ipv4"/>\n${macLine}\n`), 'the MAC follows the IPv4 address in -oX');

    const text = readFileSync(normal, 'utf8');
    assert.match(text, /^# portlab .* scan initiated .* as: portlab scan /);
    assert.match(text, /\n22\/tcp +open +\S+ +syn-ack ttl 64\n/);
    assert.ok(text.includes(`\nMAC Address: ${topo.target.mac.toUpperCase()} (Unknown)\n\n`), 'the MAC line closes the host report in -oN');
    for (const r of json.results)
      assert.match(text, new RegExp(`\\n${r.port}/${r.protocol} +${r.state.replace('|', '\\|')} `), `${r.port}/${r.protocol} in -oN`);
  });
});
