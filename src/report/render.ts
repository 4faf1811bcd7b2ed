import ipaddr from 'ipaddr.js';
import {
  formatExchange,
  packetLabel,
  packetLabelWithWindow,
  TECHNIQUES,
  type ExchangePacket,
  type LabDescription,
  labHostOf,
  labTruthAt,
  type LabHost,
  type LabPort,
  type LabTruth,
  type BarePortResult,
  type BareScanDocument,
  type Technique,
} from '../protocol';
import { portKey, rebuildExchanges, type CaptureIndex } from '../analysis/capture';
import { rebuildIdleExchanges } from '../analysis/idle-capture';
import { messagesFor, type ExplainFacts, type Messages, type ReportLang } from './i18n';
import { flowchart, idleSequenceDiagram, sequenceDiagram, type FlowNode } from './mermaid';
import { readIdleExchange } from '../analysis/idle-answer';
import { labTopologySection, otherLabHostsParts, targetListenerTable } from './lab-section';
import { parseNmapXml, sameAnswer, type NmapPort, type NmapRun } from './nmap';
import type { NmapNote } from './nmap-record';
import { columnOfTruth, readsResetWindow } from '../analysis/textbook';
import { agreesWithTextbook, judgeExchange, type TextbookVerdict, type VerdictKind } from '../analysis/verdict';
import { ipIdAfter, TECHNIQUE_TABLE, type TextbookColumn } from '../technique';
import { ICMP_DEST_UNREACH, ICMPV6_DEST_UNREACH } from '../wire';
import { connectErrnoForIcmpAnswer } from './connect-errno';
import { icmpRateLimitSysctl, ipVersionOfAddress } from './icmp-notation';
import { scannerSection, type ScannerCheck } from './scanner-section';
import { fence, table } from './markdown';
import { crossTechniqueItems, type ReadCaptures } from './cross-technique-section';
import { readCapture } from '../wire/pcap';
import { foldedReasons, foldedStates, MAX_SHOWN_PER_STATE, nmapHost, portRanges, type NmapHostReport } from '../output/nmap-model';
import { formatReportDate } from './report-date';
import { groupBy } from '../base/group-by';

/** Everything a report is made of; the loader reads it from a scan's `--out` directory. */
export interface ReportInput {
  /** without the results' exchanges: the report rebuilds each from the captures (src/analysis/capture.ts) */
  doc: BareScanDocument;
  lab?: LabDescription;
  /** each technique's pcap: its link as the report writes it (relative to the report) and its bytes */
  captures: Partial<Record<Technique, { href: string; bytes: Uint8Array }>>;
  /** captures that exist but could not be read (e.g. root's, mode 0600), by path: the report names them */
  unreadableCaptures?: Partial<Record<Technique, string>>;
  /** `nmap -oX` output per technique, when nmap was run beside this scan */
  nmapXml: Partial<Record<Technique, string>>;
  /** when and how nmap ran per technique, why it did not, or why the XML found is not this scan's */
  nmapNotes?: Partial<Record<Technique, NmapNote>>;
  /** the student's own scanner, when `portlab check --out` wrote into the folder */
  scanner?: ScannerCheck;
}

export interface RenderOptions {
  lang: ReportLang;
  /** the IANA zone the report's dates are written in; the host's own when not given */
  timeZone?: string;
}

/** Writes a date of the report: an ISO string in, a date a person reads out. */
type DateWriter = (iso: string) => string;

interface Row {
  result: BarePortResult;
  truth?: LabTruth;
  column: TextbookColumn;
  exchange?: ExchangePacket[];
  verdict: TextbookVerdict;
  observed: string;
  nmap?: NmapPort;
}

interface TechniqueSection {
  technique: Technique;
  rows: Row[];
  capture?: CaptureIndex;
  href?: string;
  nmap?: NmapRun;
  /** ICMP errors the target sent in the whole run: proof that it answers ICMP, only not always */
  runIcmpAnswers: number;
  /** the technique's ICMP errors over time, from its capture */
  icmp: IcmpTimeline;
  /** the ports decided by a RST, by its window ("0 (22, 23); 4096 (8080)"); empty when none were */
  resetWindows: string;
}

/** The lab report as Markdown: a pure function of its input and options (no clock, no file reads; the host's time zone only when the options name none). */
export function renderReport(input: ReportInput, options: RenderOptions): string {
  const m = messagesFor(options.lang);
  const when: DateWriter = (iso) => formatReportDate(iso, options.lang, options.timeZone);
  const captures = readCaptures(input.captures);
  // Before the sections: the analysis of every capture is the report's largest transient, and the sections'
  // exchanges need not be held beside it.
  const acrossTechniques = crossTechniqueItems(captures, m);
  const sections = techniqueSections(input, captures, m);
  const blocks = [
    header(input, m, when),
    environment(input, sections, m, when),
    topology(input, sections, m),
    simulation(input, m),
    ...sections.map((s) => techniqueBlock(s, input, m, when)),
    summary(sections, input, m),
    analysis(sections, input, acrossTechniques, m),
    ...(input.scanner ? [scannerSection(input.scanner, m)] : []),
  ];
  return `${blocks.join('\n\n')}\n`;
}

/** Each technique's capture read once, for its exchanges and for the cross-technique analysis. */
function readCaptures(captures: ReportInput['captures']): ReadCaptures {
  const read: ReadCaptures = {};
  for (const technique of TECHNIQUES) {
    const capture = captures[technique];
    if (capture) read[technique] = { href: capture.href, contents: readCapture(capture.bytes) };
  }
  return read;
}

function techniqueSections(input: ReportInput, captures: ReadCaptures, m: Messages): TechniqueSection[] {
  const sections: TechniqueSection[] = [];
  for (const technique of TECHNIQUES) {
    const results = input.doc.results.filter((r) => r.technique === technique).sort((a, b) => a.target.localeCompare(b.target) || a.port - b.port);
    if (results.length === 0) continue;
    const pcap = captures[technique];
    const targets = results.map((r) => r.target);
    const ports = results.map((r) => r.port);
    // The idle scan's exchanges are rounds between readings of a third host's IP ID, not probe and answer.
    const capture = pcap
      ? TECHNIQUE_TABLE[technique].name === 'idle'
        ? rebuildIdleExchanges(pcap.contents, targets, ports)
        : rebuildExchanges(pcap.contents, technique, targets, ports)
      : undefined;
    const xml = input.nmapXml[technique];
    const nmap = xml === undefined ? undefined : parseNmapXml(xml);
    const rows = results.map((result): Row => {
      const truth = labTruth(input.lab, result);
      const column: TextbookColumn = truth ? columnOfTruth(truth, technique) : result.state;
      const exchange = capture ? (capture.exchanges.get(portKey(result.target, result.port)) ?? []) : undefined;
      const verdict = judgeExchange(result, exchange, column, truth);
      const observed = describeExchange(exchange, m, readsResetWindow(technique));
      return { result, truth, column, exchange, verdict, observed, nmap: nmap?.ports.get(portKey(result.target, result.port)) };
    });
    sections.push({
      technique,
      rows,
      capture,
      href: pcap?.href,
      nmap,
      runIcmpAnswers: 0,
      icmp: icmpTimeline(capture),
      resetWindows: formatResetWindows(resetWindows(rows)),
    });
  }
  const icmpAnswers = sections.flatMap((s) => s.rows).filter((r) => r.verdict.wire?.answer?.kind === 'icmp').length;
  for (const section of sections) section.runIcmpAnswers = icmpAnswers;
  return sections;
}

/** The lab's truth for a port of its target or its stateless host, over IPv4 or IPv6; ports the lab does not list are closed there. */
function labTruth(lab: LabDescription | undefined, result: BarePortResult): LabTruth | undefined {
  return lab && labTruthAt(lab, result.target, result.port, result.protocol);
}

/** The exchange in arrow notation, repeated probes folded ("S ×2") and silence said in words. */
function describeExchange(exchange: readonly ExchangePacket[] | undefined, m: Messages, showWindow: boolean): string {
  if (!exchange || exchange.length === 0) return m.unknown;
  const parts: string[] = [];
  let previous = '';
  let count = 0;
  const flush = () => {
    if (count) parts.push(count > 1 ? `${previous.slice(previous.indexOf(' ') + 1)} ×${count}` : previous.slice(previous.indexOf(' ') + 1));
  };
  // An idle exchange's IP IDs counted from its first reading, as the textbook writes them (R#n, R#n+2): ports alike look alike.
  const base = exchange.find((p) => p.ipId !== undefined)?.ipId;
  for (const p of exchange) {
    const label = showWindow ? packetLabelWithWindow(p) : base === undefined || p.ipId === undefined ? packetLabel(p) : relativeIpIdLabel(p, base);
    const token = `${p.dir} ${label}`;
    if (token === previous && p.dir === 'out') count++;
    else {
      flush();
      previous = token;
      count = 1;
    }
  }
  flush();
  if (!exchange.some((p) => p.dir === 'in')) parts.push(m.noAnswer);
  return parts.join(' → ');
}

/** "R#n+2": a zombie answer's label with its IP ID counted from `base`, the exchange's first reading. */
function relativeIpIdLabel(p: ExchangePacket, base: number): string {
  const step = (p.ipId! - base) & 0xffff;
  return packetLabel({ ...p, ipId: undefined }).replace(/^[A-Z]+/, (flags) => `${flags}#n${step ? `+${step}` : ''}`);
}

function code(text: string): string {
  return `\`${text}\``;
}

function header(input: ReportInput, m: Messages, when: DateWriter): string {
  return [
    `# ${m.title}`,
    `## ${m.studentHeading}`,
    // The latest scan's date: the merged folder holds its results over the earlier scans' ones.
    table(['', ''], [...m.studentFields.map((f) => [f, m.fillIn]), [m.scanDate, when(input.doc.startedAt)]]),
    m.generatedBy(input.doc.tool),
  ].join('\n\n');
}

/** The lab's host in `role`; with `address`, only if that is one of its addresses (IPv4 or IPv6). */
function labHost(lab: LabDescription | undefined, role: LabHost['role'], address?: string): LabHost | undefined {
  if (!lab || address === undefined) return lab?.hosts.find((h) => h.role === role);
  const host = labHostOf(lab, address);
  return host?.role === role ? host : undefined;
}

function targetsOf(input: ReportInput): string[] {
  return [...new Set(input.doc.results.map((r) => r.target))].sort();
}

function scannerAddress(input: ReportInput, sections: TechniqueSection[]): string {
  return input.doc.scanner?.address ?? labHost(input.lab, 'scanner')?.address ?? firstProbeSource(sections) ?? '?';
}

/** The source of the first outgoing packet of any exchange: the scanner's address as the capture shows it. */
function firstProbeSource(sections: TechniqueSection[]): string | undefined {
  for (const section of sections) for (const row of section.rows) for (const p of row.exchange ?? []) if (p.dir === 'out') return p.src;
  return undefined;
}

function medianAnswerMs(rows: Row[]): number | undefined {
  const times: number[] = [];
  for (const row of rows) {
    const answer = row.verdict.wire?.answer;
    if (!answer || !row.exchange) continue;
    const before = row.exchange.slice(0, row.exchange.indexOf(answer)).filter((p) => p.dir === 'out' && p.retry !== undefined);
    const probe = before[before.length - 1];
    if (probe) times.push(answer.t - probe.t);
  }
  if (times.length === 0) return undefined;
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

function environment(input: ReportInput, sections: TechniqueSection[], m: Messages, when: DateWriter): string {
  const scanner = input.doc.scanner;
  const labScanner = labHost(input.lab, 'scanner');
  const v = (s: string | undefined) => s ?? m.unknown;
  const rows: string[][] = [
    [
      m.scannerRole,
      v(scanner?.hostname),
      v(scanner?.kernel),
      v(scanner?.iface ?? labScanner?.iface),
      scannerAddress(input, sections),
      v(scanner?.mac ?? labScanner?.mac),
      v(scanner?.netns ?? labScanner?.namespace),
      m.unknown,
    ],
  ];
  for (const target of targetsOf(input)) {
    const host = input.lab && labHostOf(input.lab, target);
    const mac = host?.mac ?? capturedTargetMac(input, sections, target);
    const ms = medianAnswerMs(sections.flatMap((s) => s.rows).filter((r) => r.result.target === target));
    rows.push([
      m.targetRole,
      m.unknown,
      m.unknown,
      v(host?.iface),
      target,
      v(mac),
      v(host?.namespace),
      ms === undefined ? m.noAnswerTime : `${ms.toFixed(3)} ms`,
    ]);
  }
  const doc = input.doc;
  const facts = [`- ${m.tool}${m.colon}${doc.tool}`, `- ${m.date}${m.colon}${when(doc.startedAt)}`];
  if (doc.earlier?.length) {
    facts.push(`- ${m.commands}${m.colon}`);
    for (const scan of [...doc.earlier, doc]) facts.push(`  - ${when(scan.startedAt)}${m.colon}${scan.command ? code(scan.command.join(' ')) : m.unknown}`);
  } else if (doc.command) facts.push(`- ${m.command}${m.colon}${code(doc.command.join(' '))}`);
  return [`## ${m.environment}`, table([m.role, m.hostname, m.kernel, m.iface, m.address, m.mac, m.netns, m.answerTime], rows), facts.join('\n')].join('\n\n');
}

/** The MAC the target's answers came from: the target's own only when it is on-link (else it is the router's). */
function capturedMac(sections: TechniqueSection[], target: string): string | undefined {
  return sections.map((s) => s.capture?.targetMacs.get(target)).find((x) => x !== undefined);
}

function capturedTargetMac(input: ReportInput, sections: TechniqueSection[], target: string): string | undefined {
  return input.doc.scanner?.gateway ? undefined : capturedMac(sections, target);
}

function topology(input: ReportInput, sections: TechniqueSection[], m: Messages): string {
  const lab = input.lab;
  if (lab && labHost(lab, 'scanner')) return labTopologySection(lab, m);
  const scanner = input.doc.scanner;
  const address = scannerAddress(input, sections);
  const prefix = scanner?.prefixLength;
  const scannerLines = [
    m.scannerRole,
    scanner?.hostname,
    [scanner?.iface, prefix === undefined ? address : `${address}/${prefix}`].filter(Boolean).join(' '),
    scanner?.mac && `MAC ${scanner.mac}`,
  ].filter((x): x is string => !!x);
  const nodes: FlowNode[] = [{ id: 'scanner', group: scanner?.netns, lines: scannerLines }];
  const links: { from: string; to: string; label: string }[] = [];
  const network = prefix === undefined ? m.directLink : (networkOf(address, prefix) ?? m.directLink);
  const gateway = scanner?.gateway;
  if (gateway) {
    const mac = targetsOf(input)
      .map((t) => capturedMac(sections, t))
      .find((x) => x !== undefined);
    nodes.push({ id: 'router', lines: [m.routerRole, gateway, ...(mac ? [`MAC ${mac}`] : [])] });
    links.push({ from: 'scanner', to: 'router', label: network });
  }
  for (const [i, target] of targetsOf(input).entries()) {
    const mac = capturedTargetMac(input, sections, target);
    nodes.push({ id: `target${i}`, lines: [m.targetRole, target, ...(mac ? [`MAC ${mac}`] : [])] });
    const loopback = target.startsWith('127.') || target === '::1';
    links.push({ from: gateway ? 'router' : 'scanner', to: `target${i}`, label: loopback ? m.loopback : gateway ? m.directLink : network });
  }
  return [`## ${m.topology}`, m.topologyHost, fence('mermaid', flowchart(nodes, links))].join('\n\n');
}

/**
 * The rows the student describes when the report knows no lab: a port each, except that ports answered alike by every
 * technique (closed to all, say) and none open are one row when there are more than nmap shows of a state: a
 * full-range scan asks for one description of its 65,000 closed ports, not 65,000.
 */
function portsToDescribe(results: readonly BarePortResult[]): { protocol: string; ports: number[] }[] {
  const byPort = groupBy(results, (r) => `${r.protocol}/${r.port}`).values();
  const alike = groupBy(
    byPort,
    (answers) =>
      `${answers[0]!.protocol} ${answers
        .map((r) => `${r.technique} ${r.state}`)
        .sort()
        .join(',')}`,
  );
  const rows: { protocol: string; ports: number[] }[] = [];
  for (const group of alike.values()) {
    const { protocol } = group[0]![0]!;
    const ports = group.map((answers) => answers[0]!.port).sort((a, b) => a - b);
    if (ports.length > MAX_SHOWN_PER_STATE && !group[0]!.some((r) => r.state === 'open')) rows.push({ protocol, ports });
    else for (const port of ports) rows.push({ protocol, ports: [port] });
  }
  return rows.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.ports[0]! - b.ports[0]!);
}

function simulation(input: ReportInput, m: Messages): string {
  const lab = input.lab;
  if (!lab)
    return [
      `## ${m.simulation}`,
      m.simulationFillIn,
      table(
        [m.simulationPort, m.simulationProtocol, m.simulationIntended, m.simulationHow],
        portsToDescribe(input.doc.results).map(({ protocol, ports }) => [portRanges(ports), protocol, m.fillIn, m.simulationFillInPrompt]),
      ),
    ].join('\n\n');
  const portTable = (hostPorts: readonly LabPort[], address: string, host: 'target' | 'stateless') =>
    table(
      [m.simulationPort, m.simulationProtocol, m.simulationTruth, m.simulationHow, m.simulationRule],
      [...hostPorts]
        .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port)
        .map((p) => [
          String(p.port),
          p.protocol,
          m.truth(p.truth),
          m.how({ port: p, address, rateLimitMs: lab.sysctls['net.ipv4.icmp_ratelimit'], host, ipv6: lab.subnet6 !== undefined }),
          p.rule ? code(p.rule) : m.unknown,
        ]),
    );
  const parts = [`## ${m.simulation}`, m.simulationLab, portTable(lab.ports, labHost(lab, 'target')?.address ?? m.unknown, 'target')];
  const listeners = targetListenerTable(lab, m);
  if (listeners) parts.push(`### ${m.listeners}`, listeners);
  const sysctls = Object.entries(lab.sysctls).sort(([a], [b]) => a.localeCompare(b));
  if (sysctls.length) parts.push(`### ${m.sysctls}`, sysctls.map(([k, v]) => `- ${code(`${k} = ${v}`)}`).join('\n'));
  parts.push(`### ${m.ruleset}`, fence('nft', lab.ruleset.trimEnd()), ...otherLabHostsParts(lab, m, portTable));
  return parts.join('\n\n');
}

function stateAndReason(state: string, reason: string): string {
  return `${state} (${reason})`;
}

function techniqueBlock(section: TechniqueSection, input: ReportInput, m: Messages, when: DateWriter): string {
  const { technique, rows } = section;
  const withTruth = rows.some((r) => r.truth);
  const head = [
    m.colPort,
    ...(withTruth ? [m.colTruth] : []),
    m.colState,
    m.colReason,
    m.colExchange,
    m.colTextbook,
    m.colVerdict,
    ...(section.nmap ? [m.colNmap] : []),
  ];
  // A state with more than 25 ports of a target is one line under the table, as nmap's -oN folds it.
  const folded = foldedRows(rows);
  const body = rows
    .filter((row) => !folded.hidden.has(row))
    .map((row) => {
      const r = row.result;
      const ipVersion = ipVersionOfAddress(r.target);
      let verdict = m.verdictShort(row.verdict.kind, ipVersion);
      if (row.verdict.disagreesWithResult && row.verdict.wire)
        verdict += ` · ${m.disagreement(stateAndReason(r.state, r.reason), stateAndReason(row.verdict.wire.state, row.verdict.wire.reason))}`;
      const nmapCell = row.nmap ? `${sameAnswer(row.nmap, r.state, r.reason) ? '' : '≠ '}${stateAndReason(row.nmap.state, row.nmap.reason)}` : m.unknown;
      return [
        `${r.port}/${r.protocol}`,
        ...(withTruth ? [row.truth ? m.truth(row.truth) : m.unknown] : []),
        r.state,
        r.reason,
        row.exchange?.length ? code(row.observed) : row.observed,
        code(m.textbook(technique, row.column, ipVersion)),
        verdict,
        ...(section.nmap ? [nmapCell] : []),
      ];
    });
  const parts = [`## ${m.techniqueTitle(technique)}`, m.principle(technique), table(head, body)];
  const windows = resetWindows(rows);
  if (readsResetWindow(technique) && windows.size)
    parts.push(
      m.resetWindowsNote(
        formatResetWindows(windows),
        [...windows.keys()].every((w) => w === 0),
      ),
    );
  const multipleTargets = folded.hosts.length > 1;
  for (const host of folded.hosts)
    if (host.extra.length)
      parts.push(
        m.notShown(
          multipleTargets ? host.address : undefined,
          host.extra.map((e) => m.foldedPorts(e.count, e.state, foldedReasons(e.reasons))),
        ),
      );
  const note = input.nmapNotes?.[technique];
  if (section.nmap && note?.kind === 'ran') parts.push(m.nmapRan(section.nmap.version, when(note.at), note.command));
  else if (note?.kind === 'not-run') parts.push(m.nmapNotRun(note.problem.kind, note.problem.detail, when(note.at)));
  else if (note?.kind === 'stale') parts.push(m.nmapStale(note.why, `nmap/${technique}.xml`));
  if (section.capture && section.href) parts.push(m.captureLink(section.href, section.capture.frames) + (section.capture.truncated ? m.captureTruncated : ''));
  else {
    const unreadable = input.unreadableCaptures?.[technique];
    parts.push(unreadable ? m.captureUnreadable(unreadable) : m.noCapture);
  }

  const scanner = scannerAddress(input, [section]);
  // Ports whose exchanges look alike but were judged differently (an open and a dropped port that both
  // stayed silent) get a diagram each, so that every explanation stands under its own ports.
  const distinct = groupBy(
    rows.filter((r) => r.exchange?.length),
    (r) => `${r.observed}\u0000${r.verdict.kind}`,
  );
  if (distinct.size) parts.push(`### ${m.exchangesHeading}`);
  for (const group of distinct.values()) {
    const first = group[0]!;
    const observed = first.observed;
    parts.push(`#### ${m.exchangePorts(code(observed), portList(group))}`);
    if (group.length > 1) parts.push(m.diagramOf(first.result.port));
    const idle = TECHNIQUE_TABLE[technique].name === 'idle' ? readIdleExchange(first.exchange!, first.result.target) : undefined;
    const why = `**${m.why}** ${m.explain(first.verdict.kind, explainFacts(first, group, section, input, m))}`;
    if (idle) {
      const { before, after, probes, answer } = idle;
      const ipVersion = ipVersionOfAddress(first.result.target);
      parts.push(
        fence(
          'mermaid',
          idleSequenceDiagram(
            withInferred(first.exchange!, first.verdict, first.result.target, ipIdAfter(idle.sequence, before, 1, ipVersion === 6 ? 32 : 16)),
            scanner,
            first.result.target,
            first.result.port,
            {
              scanner: m.scanner,
              target: m.target,
              zombie: m.zombieParticipant,
              spoofed: m.spoofedNote,
              inferred: m.inferredNote,
            },
          ),
        ),
        `${why} ${m.ipIdInference({ before, after, probes, rise: answer.rise, ports: answer.ports, state: first.verdict.wire?.state ?? first.result.state, ipVersion })}`,
      );
      continue;
    }
    parts.push(
      fence(
        'mermaid',
        sequenceDiagram(first.exchange!, scanner, first.result.target, first.result.port, {
          scanner: m.scanner,
          target: m.target,
          from: m.from,
          silence: m.silenceNote,
          kernel: m.kernelNote,
          retry: m.retryNote,
        }),
      ),
      why,
    );
  }
  return parts.join('\n\n');
}

/**
 * A captured idle exchange with what its IP IDs prove but no capture holds: for a port the capture reads
 * open, the target's SYN/ACK to the zombie and the zombie's RST to it (with IP ID `resetId`, when known), after the SYN.
 */
function withInferred(exchange: readonly ExchangePacket[], verdict: TextbookVerdict, target: string, resetId: number | undefined): ExchangePacket[] {
  const syn = exchange.findIndex((p) => p.dir === 'out' && p.dst === target);
  if (verdict.wire?.state !== 'open' || syn < 0) return [...exchange];
  const { src: zombie, t } = exchange[syn]!;
  const v6 = exchange[syn]!.ipVersion === 6;
  const ipVersion = v6 ? { ipVersion: 6 as const } : {};
  const inferred: ExchangePacket[] = [
    { dir: 'in', t, kind: 'tcp', flags: 'SA', src: target, dst: zombie, len: 0, inferred: true, ...ipVersion },
    {
      dir: 'in',
      t,
      kind: 'tcp',
      flags: 'R',
      src: zombie,
      dst: target,
      // a bare RST: 20 bytes of TCP behind IPv4's 20, or IPv6's 40 and its atomic fragment header's 8
      len: v6 ? 68 : 40,
      inferred: true,
      ...ipVersion,
      ...(resetId === undefined ? {} : { ipId: resetId }),
    },
  ];
  return [...exchange.slice(0, syn + 1), ...inferred, ...exchange.slice(syn + 1)];
}

/** The network an IPv4 or IPv6 address and its prefix length lie in ("2001:2:0:240::/64"); undefined for anything else. */
function networkOf(address: string, prefix: number): string | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}`;
  if (ipaddr.IPv6.isValid(address) && prefix <= 128) return `${ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}`;
  return undefined;
}

/** The destination-unreachable type of ICMP (3) or ICMPv6 (1). */
function destUnreachOf(ipVersion: 4 | 6): number {
  return ipVersion === 6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH;
}

/** Each target's results as nmap reports the host, and the rows its folded states leave out of the table. */
function foldedRows(rows: Row[]): { hosts: NmapHostReport[]; hidden: Set<Row> } {
  const hosts: NmapHostReport[] = [];
  const hidden = new Set<Row>();
  for (const [target, group] of groupBy(rows, (r) => r.result.target)) {
    const results = group.map((r) => r.result);
    hosts.push(nmapHost(target, results));
    const folded = foldedStates(results);
    for (const row of group) if (folded.has(row.result.state)) hidden.add(row);
  }
  return { hosts, hidden };
}

/** The ports of `rows` in nmap's compact form ("1-21, 24-79"), per target when there are several. */
function portList(rows: Row[]): string {
  const byTarget = groupBy(rows, (r) => r.result.target);
  const ranges = (group: Row[]) =>
    portRanges(group.map((r) => r.result.port))
      .split(',')
      .join(', ');
  if (byTarget.size === 1) return ranges(rows);
  return [...byTarget].map(([target, group]) => `${target}: ${ranges(group)}`).join('; ');
}

function explainFacts(row: Row, group: Row[], section: TechniqueSection, input: ReportInput, m: Messages): ExplainFacts {
  const wire = row.verdict.wire;
  const answer = wire?.answer;
  const exchange = row.exchange ?? [];
  const teardown = [...exchange].reverse().find((p) => p.dir === 'out' && p.kind === 'tcp' && /[RF]/.test(p.flags ?? ''));
  const ipVersion = ipVersionOfAddress(row.result.target);
  // The error connect() got for the unreachable code that decided the port: a connect scan's reason comes from it.
  const unreachable =
    answer?.kind === 'icmp' && answer.icmpType === destUnreachOf(ipVersion) && answer.icmpCode !== undefined
      ? { icmpCode: answer.icmpCode, errno: connectErrnoForIcmpAnswer(ipVersion, answer.icmpType, answer.icmpCode) }
      : {};
  const probe = exchange.find((p) => p.dir === 'out' && p.retry !== undefined && p.kind === 'tcp');
  return {
    technique: section.technique,
    ports: portList(group),
    column: row.column,
    ipVersion,
    expected: m.textbook(section.technique, row.column, ipVersion),
    observed: row.observed,
    state: wire?.state ?? m.unknown,
    reason: wire?.reason ?? m.unknown,
    probes: wire?.probes ?? 0,
    teardown: teardown ? formatExchange([teardown]) : m.unknown,
    icmp: answer?.kind === 'icmp' ? code(packetLabel(answer)) : m.unknown,
    ...unreachable,
    ...section.icmp,
    truth: row.truth,
    icmpAnswered: section.runIcmpAnswers,
    rateLimitMs: input.lab?.sysctls[icmpRateLimitSysctl(ipVersion)],
    statefulRules: input.lab?.ruleset
      ? input.lab.ruleset
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /\bct state\b/.test(l))
      : undefined,
    ...(probe?.flags === undefined ? {} : { probe: probe.flags || 'NULL' }),
    ...(answer?.kind === 'tcp' ? { answer: answer.flags ?? '', ...(answer.window === undefined ? {} : { window: answer.window }) } : {}),
    ...(answer?.frame === undefined ? {} : { answerFrame: answer.frame }),
    readsWindow: readsResetWindow(section.technique),
    resetWindows: section.resetWindows || m.unknown,
  };
}

/** The ports whose deciding answer was a RST, by that RST's window. */
function resetWindows(rows: Row[]): Map<number, Row[]> {
  const windowOf = (row: Row) => {
    const answer = row.verdict.wire?.answer;
    return answer?.kind === 'tcp' && (answer.flags ?? '').includes('R') ? answer.window : undefined;
  };
  return groupBy(
    rows.filter((row) => windowOf(row) !== undefined),
    (row) => windowOf(row)!,
  );
}

/** "0 (22, 23, 80); 4096 (8080)" */
function formatResetWindows(byWindow: ReadonlyMap<number, Row[]>): string {
  return [...byWindow]
    .sort(([a], [b]) => a - b)
    .map(([window, rows]) => `${window} (${portList(rows)})`)
    .join('; ');
}

/**
 * The ICMP errors the target sent during one technique, as its capture shows them: how many in the
 * first second after the first probe (what the rate limit let through at once), and in all.
 */
interface IcmpTimeline {
  icmpFirstSecond: number;
  icmpInCapture: number;
  /** from the first probe to the capture's last packet */
  captureSeconds: string;
}

function icmpTimeline(capture: CaptureIndex | undefined): IcmpTimeline {
  // Loops, not Math.min(...packets): a full-range scan's capture holds more packets than a call takes arguments.
  let start = Infinity;
  let end = -Infinity;
  const errorTimes: number[] = [];
  for (const exchange of capture?.exchanges.values() ?? [])
    for (const p of exchange) {
      if (p.dir === 'out') start = Math.min(start, p.t);
      end = Math.max(end, p.t);
      if (p.dir === 'in' && p.kind === 'icmp' && p.icmpType === destUnreachOf(p.ipVersion ?? 4)) errorTimes.push(p.t);
    }
  return {
    icmpFirstSecond: errorTimes.filter((t) => t - start < 1000).length,
    icmpInCapture: errorTimes.length,
    captureSeconds: Number.isFinite(end - start) ? ((end - start) / 1000).toFixed(1) : '0',
  };
}

function summary(sections: TechniqueSection[], input: ReportInput, m: Messages): string {
  const base: TextbookColumn[] = input.lab ? ['open', 'closed', 'filtered'] : ['open', 'closed', 'filtered', 'open|filtered'];
  // A state only some techniques report (the ACK scan's unfiltered) gets its column where a port is in it.
  const extra = [...new Set(sections.flatMap((s) => s.rows.map((r) => r.column)))].filter((c) => !base.includes(c));
  const columns = [...base, ...extra];
  const body = sections.map((s) => [
    `${m.techniqueTitle(s.technique)}`,
    ...columns.map((c) => {
      const groups = groupBy(
        s.rows.filter((r) => r.column === c),
        (r) => r.observed,
      );
      if (groups.size === 0) return m.summaryNone;
      return [...groups].map(([observed, rows]) => `${rows[0]!.exchange?.length ? code(observed) : observed} (${portList(rows)})`).join('<br>');
    }),
  ]);
  return [`## ${m.summary}`, m.summaryIntro, table([m.summaryTechnique, ...columns], body)].join('\n\n');
}

function analysis(sections: TechniqueSection[], input: ReportInput, acrossTechniques: string[], m: Messages): string {
  const explained = (keep: (kind: VerdictKind) => boolean): string[] =>
    sections.flatMap((section) =>
      [
        ...groupBy(
          section.rows.filter((r) => keep(r.verdict.kind)),
          (r) => `${r.verdict.kind}\u0000${r.observed}`,
        ).values(),
      ].map((rows) => {
        const kind = rows[0]!.verdict.kind;
        const why = m.explain(kind, explainFacts(rows[0]!, rows, section, input, m));
        return `- ${m.analysisItem(m.techniqueTitle(section.technique), portList(rows), m.verdictShort(kind, ipVersionOfAddress(rows[0]!.result.target)))}. ${why}`;
      }),
    );
  const differing = explained((kind) => !agreesWithTextbook(kind));
  const qualified = explained((kind) => kind !== 'textbook' && agreesWithTextbook(kind));
  const disagreements = sections.flatMap((s) =>
    s.rows
      .filter((r) => r.verdict.disagreesWithResult && r.verdict.wire)
      .map(
        (r) =>
          `- ${m.analysisItem(m.techniqueTitle(s.technique), String(r.result.port), m.disagreement(stateAndReason(r.result.state, r.result.reason), stateAndReason(r.verdict.wire!.state, r.verdict.wire!.reason)))}`,
      ),
  );
  const nmapDiffs = sections.flatMap((s) =>
    s.nmap
      ? s.rows
          .filter((r) => !r.nmap || !sameAnswer(r.nmap, r.result.state, r.result.reason))
          .map(
            (r) =>
              `- ${m.analysisItem(m.techniqueTitle(s.technique), String(r.result.port), r.nmap ? m.nmapDiffers(stateAndReason(r.nmap.state, r.nmap.reason), stateAndReason(r.result.state, r.result.reason)) : m.nmapNoPort)}`,
          )
      : [],
  );
  const parts = [`## ${m.analysis}`];
  if (differing.length === 0 && qualified.length === 0 && acrossTechniques.length === 0 && disagreements.length === 0 && nmapDiffs.length === 0)
    parts.push(m.analysisAllMatch);
  else {
    parts.push(m.analysisIntro);
    if (differing.length) parts.push(`### ${m.analysisDiffers}`, differing.join('\n'));
    if (acrossTechniques.length) parts.push(`### ${m.analysisCrossTechnique}`, m.analysisCrossTechniqueIntro, acrossTechniques.join('\n'));
    if (qualified.length) parts.push(`### ${m.analysisQualified}`, qualified.join('\n'));
    if (disagreements.length) parts.push(`### ${m.analysisDisagreements}`, disagreements.join('\n'));
    if (nmapDiffs.length) parts.push(`### ${m.analysisNmap}`, nmapDiffs.join('\n'));
  }
  return parts.join('\n\n');
}
