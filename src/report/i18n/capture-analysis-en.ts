import { TCP_ACK } from '../../wire';
import { endpointText, tcpFlagLetters, TECHNIQUES, type AnalyzedTechnique, type Technique } from '../../protocol';
import { readsResetWindow } from '../../analysis/textbook';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../../technique';
import { connectErrnoForIcmpAnswer } from '../connect-errno';
import { icmpRateLimitSysctl, ipVersionOfAddress } from '../icmp-notation';
import type { Deviation } from '../../analysis/deviations';
import type { CrossFinding, CrossSide } from '../../analysis/cross-technique';
import { ICMP_BURST } from '../../analysis/icmp-rate-limit';

/** How a sentence cites frames: the caller knows which capture file each came from. */
export type CiteFrames = (frames: CrossSide['frames']) => string;

/** The UDP services whose port gets a request in PortLab's probe (the technique table's payloads), by name. */
const UDP_SERVICE: Readonly<Record<number, string>> = { 53: 'DNS', 123: 'NTP', 137: 'NetBIOS', 161: 'SNMP', 1900: 'SSDP', 5353: 'mDNS' };

function technique(t: AnalyzedTechnique): string {
  return t === 'unknown' ? 'unknown' : `${TECHNIQUE_TABLE[t].displayName} (-s${NMAP_FLAG[t]})`;
}

/** "S, F or none" */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** "frame 4", "frames 4, 6"; a list of ranges ("3–6") is always "frames". */
function frameList(frames: readonly (number | string)[]): string {
  return `${frames.length === 1 && typeof frames[0] === 'number' ? 'frame' : 'frames'} ${frames.join(', ')}`;
}

function side(s: CrossSide, cite: CiteFrames): string {
  return `${TECHNIQUE_TABLE[s.technique].displayName} says ${s.state} (${s.reason}, ${cite(s.frames)})`;
}

function probeName(t: Technique): string {
  return `${TECHNIQUE_TABLE[t].displayName} probe`;
}

/** The flags of every TCP technique's probe, once each, in the table's order ("none" for the NULL probe). */
export function probeFlagsList(none: string): string[] {
  const labels = TECHNIQUES.map((t) => TECHNIQUE_TABLE[t]).flatMap((e) => (e.protocol === 'tcp' ? [tcpFlagLetters(e.probe.flags) || none] : []));
  return [...new Set(labels)];
}

function probeHasAck(t: Technique): boolean {
  const entry = TECHNIQUE_TABLE[t];
  return entry.protocol === 'tcp' && (entry.probe.flags & TCP_ACK) !== 0;
}

/** Why an open port answered a probe without SYN with RST, by what the resetting technique's probe and reading are. */
function resetOnOpen(reset: CrossSide): string {
  if (readsResetWindow(reset.technique))
    return `The ${probeName(reset.technique)} draws a RST from open and closed ports alike, and this one's window was ${reset.window ?? 0}: the target's TCP (Linux among others) gives every RST window 0, so the Window scan reads every port closed.`;
  if (probeHasAck(reset.technique))
    return `The ${probeName(reset.technique)} carries ACK, and RFC 793 has every port answer such a segment with RST, listening or not: only BSD-derived stacks drop it on an open port. The target follows RFC 793 (as Linux does), so this scan reads every port closed.`;
  return "The target's TCP answers RST to FIN, NULL and Xmas probes even on an open port (Windows and some other stacks ignore RFC 793 here), so these scans call every port closed.";
}

/** The words of `portlab analyze` and of the report's cross-technique part, in English. */
export const captureAnalysisEn = {
  summary: (file: string, format: string, packets: number, exchanges: number) =>
    `${file}: ${format}, ${packets} ${packets === 1 ? 'packet' : 'packets'}, ${exchanges} scan ${exchanges === 1 ? 'exchange' : 'exchanges'}`,
  exchangeTitle: (n: number, frames: string, scanner: string, target: string) => `#${n}  ${frames}  ${scanner} → ${target}`,
  framesLabel: frameList,
  technique,
  labels: { technique: 'technique', state: 'state', observed: 'observed', textbook: 'textbook' },
  stateReason: (state: string, reason: string) => `${state} (${reason})`,
  noState: 'no state (no technique sends this probe)',
  matches: '✔ matches the textbook',
  differs: '✘ differs from the textbook',
  noExchanges: 'No scan exchange in this capture.',
  crossHeading: 'Across techniques',
  crossIntro: 'Where two techniques disagree about one port, and what explains it:',
  crossPort: (target: string, port: number) => `${endpointText(target, port)}/tcp`,
  unattributed: (n: number) => `${n} ${n === 1 ? 'packet' : 'packets'} not attributed to any scan`,
  duplicates: (n: number) => `${n} ${n === 1 ? 'packet was' : 'packets were'} captured twice (on two interfaces): the second copy is left out`,
  stopped: (offset: number, packet: number, error: string) =>
    `The capture stops at byte ${offset} (packet ${packet} would be next): ${error}. Every packet before it is analysed.`,

  deviation: (d: Deviation, exchangeTechnique: AnalyzedTechnique): string => {
    switch (d.kind) {
      case 'handshake-not-completed': {
        const [synAck, reply] = d.frames;
        const answer =
          reply === undefined
            ? 'never answered the SYN/ACK (frame ' + synAck + ') with the ACK'
            : `answered the SYN/ACK (frame ${synAck}) with ${d.facts.reply} (frame ${reply}) instead of the ACK`;
        return `Handshake never completed: the scanner ${answer} that completes the three-way handshake, so no connection was made and on the wire this is a SYN scan. A connect scan must complete the handshake: let the operating system do it with connect().`;
      }
      case 'icmp-answer': {
        const { icmpType, icmpCode, ipVersion = 4, state, reason } = d.facts;
        const errno = exchangeTechnique === 'connect' ? connectErrnoForIcmpAnswer(ipVersion, icmpType, icmpCode) : undefined;
        const icmp = `${ipVersion === 6 ? 'ICMPv6' : 'ICMP'} ${icmpType}/${icmpCode}`;
        return errno
          ? `ICMP answer: ${icmp} (${reason}, ${frameList(d.frames)}), which connect() never shows: the kernel turns it into the error ${errno}, and the program must read that error as ${state}.`
          : `ICMP answer: ${icmp} (${reason}, ${frameList(d.frames)}) came back, not a ${exchangeTechnique === 'udp' ? 'UDP datagram' : 'TCP segment'}: a scanning program must handle it too — it means ${state}.`;
      }
      case 'retransmission':
        return d.facts.answeredAfterRetry
          ? `Retransmission: the first probe got no answer, so it went out ${d.facts.tries} times (repeated at ${frameList(d.frames)}); the answer came only after a retry, where the textbook shows one probe and its answer.`
          : `Retransmission: the probe went out ${d.facts.tries} times (repeated at ${frameList(d.frames)}) and nothing came back: a scanner trusts silence only after a retry, as the textbook's retries show.`;
      case 'kernel-reset':
        return `Kernel RST: ${frameList(d.frames)} comes from the scanner's kernel, not the program: a bare RST with window 0, ${d.facts.delayMicros} µs after the SYN/ACK (frame ${d.facts.synAckFrame}). The probe left through a raw socket, so no socket owns the scanner's port, and Linux resets the SYN/ACK it did not expect.`;
      case 'late-answer': {
        const { delayMs, lastProbeFrame, movedOnFrame, decidedByFrame, state, reason } = d.facts;
        const movedOn = movedOnFrame === undefined ? '' : `, after the scanner had moved on (frame ${movedOnFrame} probes another port)`;
        const head = `Late answer: ${frameList(d.frames)} came ${delayMs} ms after the last probe (frame ${lastProbeFrame})${movedOn}.`;
        if (decidedByFrame !== undefined) return `${head} The answer at frame ${decidedByFrame} had already decided the port, so this one changes nothing.`;
        const would = state ? `; had it waited, it would have read ${state} (${reason})` : '';
        return `${head} The scanner had given up, so the answer cannot have decided what it reported${would}.`;
      }
      case 'odd-probe-flags':
        return d.facts.closest === 'unknown'
          ? `Odd probe flags: ${d.facts.flags} (${frameList(d.frames)}) is no technique's probe; a probe with RST gets no answer from any port, so it says nothing about the port.`
          : `Odd probe flags: ${d.facts.flags} (${frameList(d.frames)}) is no technique's probe (${orList(probeFlagsList('none'))}); read here as the closest, the ${technique(d.facts.closest)} scan, but the textbook has no row for it.`;
      case 'empty-udp-probe': {
        const service = UDP_SERVICE[d.facts.port];
        return `Empty UDP probe: the datagram to port ${d.facts.port} (${frameList(d.frames)}) carried no data and got no answer. The service there${service ? ` (${service})` : ''} answers only a request of its own protocol, so if it is open, an empty probe leaves it looking open|filtered: send a real request (PortLab's is ${d.facts.requestBytes} bytes).`;
      }
      case 'kernel-port-unreachable':
        return `Kernel port-unreachable: ${frameList(d.frames)} comes from the scanner's kernel: the target answered (frame ${d.facts.answerFrame}), but the probe left through a raw socket, so no UDP socket owns the scanner's port and Linux answers "port unreachable". Harmless: the answer was already captured.`;
      case 'reset-to-ack': {
        const { probe, answer, window } = d.facts;
        const head = `RST to an ACK: the ${probe} probe carries ACK, and by RFC 793 a port answers a segment with ACK with RST whether a listener is there or not (the RST takes its sequence number from that ACK and has none of its own: ${answer}, ${frameList(d.frames)}).`;
        return d.facts.readsWindow
          ? `${head} The Window scan reads the RST's window instead: ${window} here, which it reads as ${d.facts.state}. Linux and most current stacks put window 0 in every RST, so on them every port reads closed; only stacks that give a listening port's RST a window tell open ports apart.`
          : `${head} Only BSD-derived stacks drop it on a listening port, which is what makes the RST mean ${d.facts.state}; a stack that follows RFC 793, as Linux does, resets open ports too, and then every port reads ${d.facts.state}.`;
      }
      case 'same-probe': {
        const { state, reason, window } = d.facts;
        const by = window === undefined ? '' : ` from the RST's window (${window}${d.frames.length ? `, ${frameList(d.frames)}` : ''})`;
        return `Same probe: the ${technique(d.facts.technique)} scan sends this very probe and reads these packets as ${state} (${reason})${by}. The capture cannot tell the two scans apart: \`portlab analyze --technique\` says which one it was.`;
      }
    }
  },

  cross: (f: CrossFinding, cite: CiteFrames): string => {
    const [a, b] = f.sides;
    const both = `${side(a, cite)}, ${side(b, cite)}`;
    // Which side is silent, and which got the ICMP error or the RST that the other did not.
    const quiet = f.sides.find((s) => s.answer === 'none') ?? a;
    const loud = f.sides.find((s) => s.answer === 'icmp') ?? (quiet === a ? b : a);
    switch (f.kind) {
      case 'stateful-firewall':
        return `${both}. A stateful firewall explains it: it drops segments that belong to no connection (nftables \`ct state invalid drop\`), and a ${probeName(quiet.technique)} never opens one, while a SYN does and reaches the closed port, which answers RST. FIN, NULL and Xmas scans only work through stateless filtering.`;
      case 'syn-only-filter':
        return `${both}. A firewall rule that drops only connection attempts explains it (segments with SYN, like nftables \`tcp flags syn drop\` or iptables \`--syn\`): the ${probeName(loud.technique)} passes and ${probeHasAck(loud.technique) ? 'the port answers it with RST, listening or not' : 'the closed port answers it with RST'}.`;
      case 'reject-rule':
        return `${both}. A reject rule that matches only one technique's segments explains it (e.g. a rule for SYN with \`reject with icmp type admin-prohibited\`): the ${probeName(loud === a ? b.technique : a.technique)} is not rejected, it is dropped or reaches the port.`;
      case 'rate-limit':
        return `${both}. The ICMP rate limit explains it: the target had sent ${f.recentIcmpErrors?.length ?? 0} ICMP errors to the scanner in the second before (${cite(f.recentIcmpErrors ?? [])}). Linux sends about ${ICMP_BURST} ICMP errors at once to one host and then one per second (${icmpRateLimitSysctl(ipVersionOfAddress(f.target))}, 1000 ms by default), so the error the ${probeName(quiet.technique)} deserved was never sent. A slower scan or another retry gets it.`;
      case 'rst-on-open':
        return `${both}. ${resetOnOpen(f.sides.find((s) => s.answer === 'tcp' && s.state !== 'open') ?? loud)}`;
      case 'answers-changed':
        return `${both}. The port answered differently between the scans: a service was started or stopped, a firewall rule changed, or a probe or its answer was lost.`;
    }
  },
};

export type CaptureAnalysisMessages = typeof captureAnalysisEn;
