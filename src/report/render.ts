import ipaddr from 'ipaddr.js';
import {
  formatExchange,
  packetLabel,
  TECHNIQUES,
  type ExchangePacket,
  type LabDescription,
  type LabHost,
  type LabTruth,
  type PortResult,
  type ScanDocument,
  type Technique,
} from '../protocol';
import { portKey, rebuildExchanges, type CaptureIndex } from '../analysis/capture';
import { messagesFor, type ExplainFacts, type Messages, type ReportLang } from './i18n';
import { flowchart, sequenceDiagram, type FlowNode } from './mermaid';
import { parseNmapXml, sameAnswer, type NmapPort, type NmapRun } from './nmap';
import type { NmapNote } from './nmap-record';
import { columnOfTruth } from '../analysis/textbook';
import { agreesWithTextbook, judgeExchange, type TextbookVerdict, type VerdictKind } from '../analysis/verdict';
import { connectErrnoForIcmp, type TextbookColumn } from '../technique';
import { ICMP_DEST_UNREACH } from '../wire';
import { scannerSection, type ScannerCheck } from './scanner-section';
import { fence, table } from './markdown';
import { crossTechniqueItems, type ReadCaptures } from './cross-technique-section';
import { readCapture } from '../wire/pcap';
import { foldedReasons, foldedStates, nmapHost, portRanges, type NmapHostReport } from '../output/nmap-model';
import { formatReportDate } from './report-date';

/** Everything a report is made of; the loader reads it from a scan's `--out` directory. */
export interface ReportInput {
  doc: ScanDocument;
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
  result: PortResult;
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
}

/** The lab report as Markdown: a pure function of its input and options (no clock, no file reads; the host's time zone only when the options name none). */
export function renderReport(input: ReportInput, options: RenderOptions): string {
  const m = messagesFor(options.lang);
  const when: DateWriter = (iso) => formatReportDate(iso, options.lang, options.timeZone);
  const captures = readCaptures(input.captures);
  const sections = techniqueSections(input, captures, m);
  const blocks = [
    header(input, m, when),
    environment(input, sections, m, when),
    topology(input, sections, m),
    simulation(input, m),
    ...sections.map((s) => techniqueBlock(s, input, m, when)),
    summary(sections, input, m),
    analysis(sections, input, captures, m),
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
    const capture = pcap
      ? rebuildExchanges(
          pcap.contents,
          technique,
          results.map((r) => r.target),
          results.map((r) => r.port),
        )
      : undefined;
    const xml = input.nmapXml[technique];
    const nmap = xml === undefined ? undefined : parseNmapXml(xml);
    const rows = results.map((result): Row => {
      const truth = labTruth(input.lab, result);
      const column: TextbookColumn = truth ? columnOfTruth(truth) : result.state;
      const exchange = capture ? (capture.exchanges.get(portKey(result.target, result.port)) ?? []) : undefined;
      const verdict = judgeExchange(result, exchange, column, truth);
      return { result, truth, column, exchange, verdict, observed: describeExchange(exchange, m), nmap: nmap?.ports.get(portKey(result.target, result.port)) };
    });
    sections.push({ technique, rows, capture, href: pcap?.href, nmap, runIcmpAnswers: 0 });
  }
  const icmpAnswers = sections.flatMap((s) => s.rows).filter((r) => r.verdict.wire?.answer?.kind === 'icmp').length;
  for (const section of sections) section.runIcmpAnswers = icmpAnswers;
  return sections;
}

/** The lab's truth for a port of its target; ports the lab does not list are closed there. */
function labTruth(lab: LabDescription | undefined, result: PortResult): LabTruth | undefined {
  if (!lab || !lab.hosts.some((h) => h.role === 'target' && h.address === result.target)) return undefined;
  return lab.ports.find((p) => p.port === result.port && p.protocol === result.protocol)?.truth ?? 'closed';
}

/** The exchange in arrow notation, repeated probes folded ("S ×2") and silence said in words. */
function describeExchange(exchange: readonly ExchangePacket[] | undefined, m: Messages): string {
  if (!exchange || exchange.length === 0) return m.unknown;
  const parts: string[] = [];
  let previous = '';
  let count = 0;
  const flush = () => {
    if (count) parts.push(count > 1 ? `${previous.slice(previous.indexOf(' ') + 1)} ×${count}` : previous.slice(previous.indexOf(' ') + 1));
  };
  for (const p of exchange) {
    const token = `${p.dir} ${packetLabel(p)}`;
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

function labHost(lab: LabDescription | undefined, role: LabHost['role'], address?: string): LabHost | undefined {
  return lab?.hosts.find((h) => h.role === role && (address === undefined || h.address === address));
}

function targetsOf(input: ReportInput): string[] {
  return [...new Set(input.doc.results.map((r) => r.target))].sort();
}

function scannerAddress(input: ReportInput, sections: TechniqueSection[]): string {
  const fromCapture = sections
    .flatMap((s) => s.rows)
    .flatMap((r) => r.exchange ?? [])
    .find((p) => p.dir === 'out')?.src;
  return input.doc.scanner?.address ?? labHost(input.lab, 'scanner')?.address ?? fromCapture ?? '?';
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
    const host = labHost(input.lab, 'target', target);
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

function filteredSummary(lab: LabDescription, truth: LabTruth): string {
  return lab.ports
    .filter((p) => p.truth === truth)
    .map((p) => `${p.protocol}/${p.port}`)
    .join(', ');
}

function topology(input: ReportInput, sections: TechniqueSection[], m: Messages): string {
  const lab = input.lab;
  const scannerHost = labHost(lab, 'scanner');
  if (lab && scannerHost) {
    const nodes: FlowNode[] = [
      {
        id: 'scanner',
        group: scannerHost.namespace,
        lines: [m.scannerRole, `${scannerHost.iface} ${scannerHost.address}/${scannerHost.prefixLength}`, `MAC ${scannerHost.mac}`],
      },
    ];
    const links = [];
    for (const [i, host] of lab.hosts.filter((h) => h.role === 'target').entries()) {
      const lines = [m.targetRole, `${host.iface} ${host.address}/${host.prefixLength}`, `MAC ${host.mac}`];
      const drop = filteredSummary(lab, 'filtered-drop');
      const reject = filteredSummary(lab, 'filtered-reject');
      if (drop) lines.push(`nftables ${m.firewallDrop}${m.colon}${drop}`);
      if (reject) lines.push(`nftables ${m.firewallReject}${m.colon}${reject}`);
      nodes.push({ id: `target${i}`, group: host.namespace, lines });
      links.push({ from: 'scanner', to: `target${i}`, label: m.linkLabel(lab.subnet) });
    }
    return [`## ${m.topology}`, m.topologyLab(lab.id, lab.subnet), fence('mermaid', flowchart(nodes, links))].join('\n\n');
  }
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
  const network =
    prefix === undefined || !ipaddr.IPv4.isValidFourPartDecimal(address)
      ? m.directLink
      : `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}`;
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
    links.push({ from: gateway ? 'router' : 'scanner', to: `target${i}`, label: target.startsWith('127.') ? m.loopback : gateway ? m.directLink : network });
  }
  return [`## ${m.topology}`, m.topologyHost, fence('mermaid', flowchart(nodes, links))].join('\n\n');
}

function simulation(input: ReportInput, m: Messages): string {
  const lab = input.lab;
  if (!lab) {
    const ports = [...new Map(input.doc.results.map((r) => [`${r.protocol}/${r.port}`, r])).values()].sort(
      (a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port,
    );
    return [
      `## ${m.simulation}`,
      m.simulationFillIn,
      table(
        [m.simulationPort, m.simulationProtocol, m.simulationIntended, m.simulationHow],
        ports.map((r) => [String(r.port), r.protocol, m.fillIn, m.simulationFillInPrompt]),
      ),
    ].join('\n\n');
  }
  const ports = [...lab.ports].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
  const targetAddress = labHost(lab, 'target')?.address ?? m.unknown;
  const parts = [
    `## ${m.simulation}`,
    m.simulationLab,
    table(
      [m.simulationPort, m.simulationProtocol, m.simulationTruth, m.simulationHow, m.simulationRule],
      ports.map((p) => [
        String(p.port),
        p.protocol,
        m.truth(p.truth),
        m.how({ port: p, address: targetAddress, rateLimitMs: lab.sysctls['net.ipv4.icmp_ratelimit'] }),
        p.rule ? code(p.rule) : m.unknown,
      ]),
    ),
  ];
  if (lab.listeners.length)
    parts.push(
      `### ${m.listeners}`,
      table(
        [m.simulationPort, m.simulationProtocol, m.listenerProgram, m.listenerPid],
        [...lab.listeners]
          .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port)
          .map((l) => [String(l.port), l.protocol, l.program, String(l.pid)]),
      ),
    );
  const sysctls = Object.entries(lab.sysctls).sort(([a], [b]) => a.localeCompare(b));
  if (sysctls.length) parts.push(`### ${m.sysctls}`, sysctls.map(([k, v]) => `- ${code(`${k} = ${v}`)}`).join('\n'));
  parts.push(`### ${m.ruleset}`, fence('nft', lab.ruleset.trimEnd()));
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
      let verdict = m.verdictShort(row.verdict.kind);
      if (row.verdict.disagreesWithResult && row.verdict.wire)
        verdict += ` · ${m.disagreement(stateAndReason(r.state, r.reason), stateAndReason(row.verdict.wire.state, row.verdict.wire.reason))}`;
      const nmapCell = row.nmap ? `${sameAnswer(row.nmap, r.state, r.reason) ? '' : '≠ '}${stateAndReason(row.nmap.state, row.nmap.reason)}` : m.unknown;
      return [
        `${r.port}/${r.protocol}`,
        ...(withTruth ? [row.truth ? m.truth(row.truth) : m.unknown] : []),
        r.state,
        r.reason,
        row.exchange?.length ? code(row.observed) : row.observed,
        code(m.textbook(technique, row.column)),
        verdict,
        ...(section.nmap ? [nmapCell] : []),
      ];
    });
  const parts = [`## ${m.techniqueTitle(technique)}`, m.principle(technique), table(head, body)];
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
      `**${m.why}** ${m.explain(first.verdict.kind, explainFacts(first, group, section, input, m))}`,
    );
  }
  return parts.join('\n\n');
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
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
  // The error connect() got for the unreachable code that decided the port: a connect scan's reason comes from it.
  const unreachable =
    answer?.kind === 'icmp' && answer.icmpType === ICMP_DEST_UNREACH && answer.icmpCode !== undefined
      ? { icmpCode: answer.icmpCode, errno: connectErrnoForIcmp(ICMP_DEST_UNREACH, answer.icmpCode) }
      : {};
  const icmp = icmpTimeline(section);
  return {
    technique: section.technique,
    ports: portList(group),
    column: row.column,
    expected: m.textbook(section.technique, row.column),
    observed: row.observed,
    state: wire?.state ?? m.unknown,
    reason: wire?.reason ?? m.unknown,
    probes: wire?.probes ?? 0,
    teardown: teardown ? formatExchange([teardown]) : m.unknown,
    icmp: answer?.kind === 'icmp' ? code(packetLabel(answer)) : m.unknown,
    ...unreachable,
    ...icmp,
    truth: row.truth,
    icmpAnswered: section.runIcmpAnswers,
    rateLimitMs: input.lab?.sysctls['net.ipv4.icmp_ratelimit'],
    statefulRules: input.lab?.ruleset
      ? input.lab.ruleset
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /\bct state\b/.test(l))
      : undefined,
  };
}

/**
 * The ICMP errors the target sent during one technique, as its capture shows them: how many in the
 * first second after the first probe (what the rate limit let through at once), and in all.
 */
function icmpTimeline(section: TechniqueSection): { icmpFirstSecond: number; icmpInCapture: number; captureSeconds: string } {
  const packets = [...(section.capture?.exchanges.values() ?? [])].flat();
  const start = Math.min(...packets.filter((p) => p.dir === 'out').map((p) => p.t));
  const end = Math.max(...packets.map((p) => p.t));
  const errors = packets.filter((p) => p.dir === 'in' && p.kind === 'icmp' && p.icmpType === ICMP_DEST_UNREACH);
  return {
    icmpFirstSecond: errors.filter((p) => p.t - start < 1000).length,
    icmpInCapture: errors.length,
    captureSeconds: Number.isFinite(end - start) ? ((end - start) / 1000).toFixed(1) : '0',
  };
}

function summary(sections: TechniqueSection[], input: ReportInput, m: Messages): string {
  const columns: TextbookColumn[] = input.lab ? ['open', 'closed', 'filtered'] : ['open', 'closed', 'filtered', 'open|filtered'];
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

function analysis(sections: TechniqueSection[], input: ReportInput, captures: ReadCaptures, m: Messages): string {
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
        return `- ${m.analysisItem(m.techniqueTitle(section.technique), portList(rows), m.verdictShort(kind))}. ${why}`;
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
  const acrossTechniques = crossTechniqueItems(captures, m);
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
