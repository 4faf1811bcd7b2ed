import { TCP_ACK } from '../../wire';
import { endpointText, type AnalyzedTechnique, type Technique } from '../../protocol';
import { readsResetWindow } from '../../analysis/textbook';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../../technique';
import { connectErrnoForIcmpAnswer } from '../connect-errno';
import { icmpRateLimitSysctl, ipVersionOfAddress } from '../icmp-notation';
import type { Deviation } from '../../analysis/deviations';
import type { CrossFinding, CrossSide } from '../../analysis/cross-technique';
import { ICMP_BURST } from '../../analysis/icmp-rate-limit';
import { probeFlagsList, type CaptureAnalysisMessages, type CiteFrames } from './capture-analysis-en';

/** PortLab 的探测报文对这些 UDP 端口发送相应协议的请求（扫描方式表中的载荷）。 */
const UDP_SERVICE: Readonly<Record<number, string>> = { 53: 'DNS', 123: 'NTP', 137: 'NetBIOS', 161: 'SNMP', 1900: 'SSDP', 5353: 'mDNS' };

function technique(t: AnalyzedTechnique): string {
  return t === 'unknown' ? '未知' : `${TECHNIQUE_TABLE[t].displayName} 扫描（-s${NMAP_FLAG[t]}）`;
}

function frameList(frames: readonly (number | string)[]): string {
  return `第 ${frames.join('、')} 帧`;
}

function side(s: CrossSide, cite: CiteFrames): string {
  return `${TECHNIQUE_TABLE[s.technique].displayName} 扫描判定为 ${s.state}（${s.reason}，${cite(s.frames)}）`;
}

function probeName(t: Technique): string {
  return `${TECHNIQUE_TABLE[t].displayName} 探测报文`;
}

function probeHasAck(t: Technique): boolean {
  const entry = TECHNIQUE_TABLE[t];
  return entry.protocol === 'tcp' && (entry.probe.flags & TCP_ACK) !== 0;
}

/** 开放端口为什么对不带 SYN 的探测报文回复了 RST：取决于回复 RST 的那种扫描方式的探测报文和判读方法。 */
function resetOnOpen(reset: CrossSide): string {
  if (readsResetWindow(reset.technique))
    return `${probeName(reset.technique)}无论端口开放还是关闭都会引出 RST，而这个 RST 的窗口为 ${reset.window ?? 0}：目标机的 TCP 实现（Linux 等）在每个 RST 中都填窗口 0，所以窗口扫描把每个端口都判定为 closed。`;
  if (probeHasAck(reset.technique))
    return `${probeName(reset.technique)}带有 ACK 标志位，按照 RFC 793，无论有没有监听，每个端口都要对这样的报文段回复 RST：只有源自 BSD 的协议栈会在开放端口上丢弃它。目标机遵守 RFC 793（Linux 就是如此），所以这种扫描把每个端口都判定为 closed。`;
  return `目标机的 TCP 实现即使在开放端口上也对 FIN、NULL 和 Xmas 探测报文回复 RST（Windows 等协议栈在这一点上不遵守 RFC 793），所以这些扫描会把每个端口都判定为 closed。`;
}

/** `portlab analyze` 和报告中跨扫描方式分析部分的简体中文措辞。 */
export const captureAnalysisZhCN: CaptureAnalysisMessages = {
  summary: (file: string, format: string, packets: number, exchanges: number) => `${file}：${format}，共 ${packets} 个数据包，${exchanges} 个扫描交互`,
  exchangeTitle: (n: number, frames: string, scanner: string, target: string) => `#${n}  ${frames}  ${scanner} → ${target}`,
  framesLabel: frameList,
  technique,
  labels: { technique: '扫描方式', state: '状态', observed: '观察到的报文交互', textbook: '教材预期' },
  stateReason: (state: string, reason: string) => `${state}（${reason}）`,
  noState: '无状态（没有哪种扫描方式发送这种探测报文）',
  matches: '✔ 与教材一致',
  differs: '✘ 与教材不一致',
  noExchanges: '该抓包文件中没有扫描交互。',
  crossHeading: '跨扫描方式的比较',
  crossIntro: '两种扫描方式对同一端口的结论不一致之处及其原因：',
  crossPort: (target: string, port: number) => `${endpointText(target, port)}/tcp`,
  unattributed: (n: number) => `${n} 个数据包不属于任何扫描`,
  duplicates: (n: number) => `${n} 个数据包在两个网络接口上各抓到一次：第二份副本未计入`,
  stopped: (offset: number, packet: number, error: string) =>
    `抓包文件在第 ${offset} 字节处中断（下一个应为第 ${packet} 个数据包）：${error}。此前的每个数据包都已分析。`,

  deviation: (d: Deviation, exchangeTechnique: AnalyzedTechnique): string => {
    switch (d.kind) {
      case 'handshake-not-completed': {
        const [synAck, reply] = d.frames;
        const answer =
          reply === undefined
            ? `始终没有用 ACK 回复 SYN/ACK（第 ${synAck} 帧）`
            : `用 ${d.facts.reply}（第 ${reply} 帧）而不是 ACK 回复了 SYN/ACK（第 ${synAck} 帧）`;
        return `握手未完成：扫描程序${answer}，没有完成三次握手，所以连接从未建立，在报文上看这其实是 SYN 扫描。connect 扫描必须完成握手：应让操作系统通过 connect() 完成。`;
      }
      case 'icmp-answer': {
        const { icmpType, icmpCode, ipVersion = 4, state, reason } = d.facts;
        const errno = exchangeTechnique === 'connect' ? connectErrnoForIcmpAnswer(ipVersion, icmpType, icmpCode) : undefined;
        const icmp = `${ipVersion === 6 ? 'ICMPv6' : 'ICMP'} ${icmpType}/${icmpCode}`;
        return errno
          ? `ICMP 应答：应答是 ${icmp}（${reason}，${frameList(d.frames)}），connect() 看不到它：内核把它转换为错误 ${errno}，程序必须把这个错误判定为 ${state}。`
          : `ICMP 应答：应答是 ${icmp}（${reason}，${frameList(d.frames)}），而不是 ${exchangeTechnique === 'udp' ? 'UDP 数据报' : 'TCP 报文段'}：扫描程序也必须处理它——它表示 ${state}。`;
      }
      case 'retransmission':
        return d.facts.answeredAfterRetry
          ? `重传：第一个探测报文没有得到应答，于是共发送了 ${d.facts.tries} 次（重发见${frameList(d.frames)}）；重传之后才收到应答，而教材中只有一个探测报文和它的应答。`
          : `重传：探测报文共发送了 ${d.facts.tries} 次（重发见${frameList(d.frames)}），始终没有应答：扫描程序在重传之后才相信无应答，正如教材中的重传所示。`;
      case 'kernel-reset':
        return `内核 RST：${frameList(d.frames)}由扫描机内核发出，而不是扫描程序：一个窗口为 0 的单独 RST，在 SYN/ACK（第 ${d.facts.synAckFrame} 帧）之后 ${d.facts.delayMicros} 微秒发出。探测报文是通过原始套接字发出的，扫描机的这个端口上没有套接字，所以 Linux 对意料之外的 SYN/ACK 回复 RST。`;
      case 'late-answer': {
        const { delayMs, lastProbeFrame, movedOnFrame, decidedByFrame, state, reason } = d.facts;
        const movedOn = movedOnFrame === undefined ? '' : `，此时扫描程序已转向其他端口（第 ${movedOnFrame} 帧探测另一个端口）`;
        const head = `迟到的应答：${frameList(d.frames)}在最后一个探测报文（第 ${lastProbeFrame} 帧）之后 ${delayMs} 毫秒才到达${movedOn}。`;
        if (decidedByFrame !== undefined) return `${head}第 ${decidedByFrame} 帧的应答已经判定了端口状态，所以这个应答不改变任何结果。`;
        const would = state ? `；如果它继续等待，会判定为 ${state}（${reason}）` : '';
        return `${head}扫描程序已经放弃，这个应答不可能影响它报告的结果${would}。`;
      }
      case 'odd-probe-flags':
        return d.facts.closest === 'unknown'
          ? `异常的探测标志位：${d.facts.flags}（${frameList(d.frames)}）不是任何扫描方式的探测报文；带 RST 的探测报文不会得到任何端口的应答，因此说明不了端口的状态。`
          : `异常的探测标志位：${d.facts.flags}（${frameList(d.frames)}）不是任何扫描方式的探测报文（${probeFlagsList('不置标志位').join('、')}）；这里按最接近的 ${technique(d.facts.closest)}来判读，但教材中没有这一行。`;
      case 'empty-udp-probe': {
        const service = UDP_SERVICE[d.facts.port];
        return `空的 UDP 探测报文：发往端口 ${d.facts.port} 的数据报（${frameList(d.frames)}）不带任何数据，也没有得到应答。该端口上的服务${service ? `（${service}）` : ''}只应答本协议的请求，所以空探测报文会让开放的端口看起来是 open|filtered：应发送真正的请求（PortLab 的请求为 ${d.facts.requestBytes} 字节）。`;
      }
      case 'kernel-port-unreachable':
        return `内核端口不可达：${frameList(d.frames)}由扫描机内核发出：目标机作出了应答（第 ${d.facts.answerFrame} 帧），但探测报文是通过原始套接字发出的，扫描机的源端口上没有 UDP 套接字，所以 Linux 回复“端口不可达”。这无害：应答已经被抓到了。`;
      case 'reset-to-ack': {
        const { probe, answer, window } = d.facts;
        const head = `对 ACK 的 RST：${probe} 探测报文带有 ACK 标志位，按照 RFC 793，无论端口上有没有监听，收到带 ACK 的报文段都回复 RST（RST 的序号取自那个 ACK，自身不带 ACK：${answer}，${frameList(d.frames)}）。`;
        return d.facts.readsWindow
          ? `${head}窗口扫描改为读取 RST 的窗口字段：这里是 ${window}，因此判定为 ${d.facts.state}。Linux 和大多数现代协议栈在每个 RST 中都填窗口 0，在这些系统上每个端口都显示为 closed；只有给监听端口的 RST 填非零窗口的协议栈才能区分出开放端口。`
          : `${head}只有源自 BSD 的协议栈会在监听端口上丢弃它，RST 才因此表示 ${d.facts.state}；遵守 RFC 793 的协议栈（如 Linux）对开放端口也回复 RST，于是每个端口都显示为 ${d.facts.state}。`;
      }
      case 'same-probe': {
        const { state, reason, window } = d.facts;
        const by = window === undefined ? '' : `，依据是 RST 的窗口字段（${window}${d.frames.length ? `，${frameList(d.frames)}` : ''}）`;
        return `相同的探测报文：${technique(d.facts.technique)}发送的正是这种探测报文，它把这些报文判读为 ${state}（${reason}）${by}。抓包文件分不出是哪一种扫描：用 \`portlab analyze --technique\` 指明。`;
      }
    }
  },

  cross: (f: CrossFinding, cite: CiteFrames): string => {
    const [a, b] = f.sides;
    const both = `${side(a, cite)}，而 ${side(b, cite)}`;
    // 哪一方无应答，哪一方收到了另一方没有收到的 ICMP 差错报文或 RST。
    const quiet = f.sides.find((s) => s.answer === 'none') ?? a;
    const loud = f.sides.find((s) => s.answer === 'icmp') ?? (quiet === a ? b : a);
    switch (f.kind) {
      case 'stateful-firewall':
        return `${both}。原因是状态防火墙：它丢弃不属于任何连接的报文段（nftables \`ct state invalid drop\`），${probeName(quiet.technique)}从不建立连接，而 SYN 会建立连接并到达关闭的端口，由它回复 RST。FIN、NULL 和 Xmas 扫描只对无状态过滤有效。`;
      case 'syn-only-filter':
        return `${both}。原因是一条只丢弃连接请求的防火墙规则（带 SYN 的报文段，如 nftables \`tcp flags syn drop\` 或 iptables \`--syn\`）：${probeName(loud.technique)}可以通过，${probeHasAck(loud.technique) ? '无论有没有监听，端口都对它回复 RST' : '关闭的端口对它回复 RST'}。`;
      case 'reject-rule':
        return `${both}。原因是一条只匹配某种扫描报文段的拒绝规则（例如只针对 SYN 的 \`reject with icmp type admin-prohibited\`）：${probeName(loud === a ? b.technique : a.technique)}没有被拒绝，而是被丢弃或到达了端口。`;
      case 'rate-limit':
        return `${both}。原因是 ICMP 限速：在此前一秒内目标机已向扫描机发出了 ${f.recentIcmpErrors?.length ?? 0} 个 ICMP 差错报文（${cite(f.recentIcmpErrors ?? [])}）。Linux 向同一主机一次最多连续发送约 ${ICMP_BURST} 个 ICMP 差错报文，之后每秒一个（${icmpRateLimitSysctl(ipVersionOfAddress(f.target))}，默认 1000 ms），所以 ${probeName(quiet.technique)}应得的差错报文根本没有发出。降低扫描速率或再重传一次即可得到它。`;
      case 'rst-on-open':
        return `${both}。${resetOnOpen(f.sides.find((s) => s.answer === 'tcp' && s.state !== 'open') ?? loud)}`;
      case 'answers-changed':
        return `${both}。两次扫描之间该端口的应答发生了变化：服务被启动或停止、防火墙规则被修改，或者探测报文或其应答丢失了。`;
    }
  },
};
