import type { CheckResult, ExpectedSource, LabTruth, Technique } from '../../protocol';
import { connectUnreachableVerdicts, NMAP_FLAG, TECHNIQUE_TABLE, type TextbookColumn } from '../../technique';
import type { NmapProblemKind, NmapStaleKind } from '../nmap-record';
import type { VerdictKind } from '../../analysis/verdict';
import { icmpName, icmpRateLimitSysctl, portUnreachableLabel, textbookInIpVersion } from '../icmp-notation';
import type { ExplainFacts, HowFacts, IpIdInferenceFacts, Messages } from './en';
import { captureAnalysisZhCN } from './capture-analysis-zh-CN';

/** Simplified Chinese. Flags, state names and reasons stay as nmap writes them. */
export const zhCN: Messages = {
  title: '端口扫描实验报告',
  studentHeading: '学生信息',
  studentFields: ['姓名'],
  fillIn: '*（请填写）*',
  scanDate: '扫描日期',
  writtenDate: (d) => `${d.year}年${d.month}月${d.day}日 ${d.time}（${d.offset}）`,
  generatedBy: (tool: string) => `本报告由 ${tool} 根据本目录中的扫描结果和抓包文件生成。`,

  environment: '实验环境',
  role: '角色',
  scannerRole: '扫描机',
  targetRole: '目标机',
  hostname: '主机名',
  kernel: '内核',
  iface: '网络接口',
  address: '地址',
  mac: 'MAC',
  netns: '网络命名空间',
  answerTime: '应答时间（中位数）',
  tool: '工具',
  date: '日期',
  command: '命令',
  commands: '命令（合并到本目录的各次扫描，按时间先后）',
  colon: '：',
  unknown: '—',
  noAnswerTime: '无应答',

  topology: '网络拓扑',
  topologyLab: (id: number, subnet: string) => `PortLab 实验沙箱（实验编号 ${id}）：两个网络命名空间，通过一对 veth 连接在 ${subnet} 网段上。`,
  topologyHost: '扫描时记录的扫描机与目标机。',
  linkLabel: (subnet: string) => `veth 对，${subnet}`,
  routerRole: '路由器（下一跳）',
  loopback: '回环接口',
  directLink: 'IPv4',
  firewallDrop: 'drop（丢弃）',
  firewallReject: 'reject（拒绝）',
  firewallSynOnly: '丢弃置 SYN 未置 ACK 的报文',
  switchRole: '交换机（Linux 网桥）',
  statelessRole: '无状态防火墙后的主机',
  zombieRole: '僵尸主机（空闲扫描）',
  zombieIpId: (address: string, random: string) => `IP ID：同一个计数器，${address} 每个报文加 1，${random} 随机`,
  switchPortLabel: (port: string) => `veth，网桥端口 ${port}`,
  topologySwitched: (id: number, subnet: string, subnet6: string | undefined, hosts: number) =>
    `PortLab 实验沙箱（实验编号 ${id}）：${hosts} 个网络命名空间，各通过一对 veth 连接到同一台交换机（位于独立命名空间中的 Linux 网桥），网段 ${subnet}${subnet6 ? ` 和 ${subnet6}` : ''}。`,

  simulation: '各端口状态的模拟方法',
  simulationLab:
    '实验沙箱自行设定每个端口的状态：开放端口上运行真实服务，关闭端口没有监听程序，过滤端口由目标命名空间中的一条 nftables 规则实现。未列出的端口均为关闭状态。',
  simulationPort: '端口',
  simulationProtocol: '协议',
  simulationTruth: '实验设定的状态',
  simulationHow: '实现方式',
  simulationIntended: '应处的状态',
  simulationRule: 'nftables 规则',
  listeners: '目标命名空间中的监听服务',
  listenerProgram: '程序',
  listenerPid: 'PID',
  ruleset: '目标机防火墙（`nft list ruleset`）原文',
  sysctls: '目标机内核参数',
  statelessHeading: (address: string) => `无状态防火墙后的主机（${address}）`,
  statelessIntro:
    '它的 nftables 规则不记录连接状态，只能根据每个报文自身的标志位作判断。80 端口只丢弃发起连接的报文（置 SYN 而未置 ACK），其他报文都能到达监听程序：SYN 扫描看到它是 filtered，ACK 扫描看到它是 unfiltered。未列出的端口都是关闭的。',
  zombieHeading: (address: string) => `僵尸主机（${address}）`,
  zombieIntro: (address: string, random: string, address6?: string) =>
    `\`portlab lab zombie\` 通过原始套接字应答发往 ${address} 和 ${random} 的每个 TCP 报文，行为与老式 TCP/IP 协议栈相同（SYN → RST/ACK；SYN/ACK 或 ACK → RST），所有目的地址共用一个 IP ID 计数器：${address} 每发一个报文加 1，可以用作空闲扫描的僵尸主机；${random} 的 IP ID 是随机的，空闲扫描必须拒绝使用它。Linux 自身的 IP ID 按目的地址分别计数，会掩盖这个旁路信道，所以下面的 nftables 规则让僵尸主机的内核对 TCP 保持沉默。` +
    (address6 === undefined
      ? ''
      : `在 ${address6} 上，它像老式 IPv6 协议栈一样应答：IPv6 没有 IP ID，但只要某个对端向它发送过 MTU 小于 1280 的 Packet Too Big，它发往该对端的每个应答都带一个分片头（原子分片），其 Identification 字段来自所有对端共用的一个 32 位计数器——这正是 IPv6 空闲扫描读取的计数器。`),
  hostListeners: '监听服务',
  hostRuleset: '它的防火墙（`nft list ruleset`）原文',
  simulationFillIn:
    '> ✎ **此节由学生填写。** 本次扫描没有使用 PortLab 实验沙箱，报告无法得知目标机如何使各端口处于 open、closed 或 filtered 状态。请在下表中说明目标机的服务和防火墙规则。',
  simulationFillInPrompt: '*（请说明服务或防火墙规则）*',
  how: ({ port: p, address, rateLimitMs, host, ipv6 }: HowFacts): string => {
    const where = host === 'stateless' ? '无状态主机' : '目标机';
    const at = `${address}:${p.port}`;
    switch (p.truth) {
      case 'open':
        switch (p.service) {
          case 'dns':
            return `dnsmasq 监听 ${at}，通过 ${p.protocol.toUpperCase()} 应答 DNS 查询（lab.portlab → ${address}）`;
          case 'udp-echo':
            return `portlab lab listen（Node 程序）把发往 ${at} 的每个数据报原样发回`;
          case 'ssh-banner':
            return `portlab lab listen（Node 程序）监听 ${at}，连接后发送 SSH 欢迎信息`;
          case 'http':
            return `portlab lab listen（Node 程序）监听 ${at}，应答 HTTP 请求`;
          case 'tcp-accept':
            return `portlab lab listen（Node 程序）监听 ${at}，接受连接`;
          case undefined:
            return '由实验中运行的服务打开';
        }
        break;
      case 'closed':
        return p.protocol === 'tcp'
          ? `没有监听程序，也没有防火墙规则：${where}内核对 SYN 回复 RST/ACK`
          : `没有监听程序，也没有防火墙规则：${where}内核回复 ICMP 端口不可达（3/3${ipv6 ? '，IPv6 为 ICMPv6 1/4' : ''}），频率受 \`net.ipv4.icmp_ratelimit\`${rateLimitMs ? `（${rateLimitMs} ms）` : ''}限制`;
      case 'filtered-drop':
        return `${where}中的 nftables 丢弃探测报文，不作任何应答（规则见下一列）`;
      case 'filtered-reject':
        return `${where}中的 nftables 回复 ICMP admin-prohibited（${ipv6 ? 'IPv4 为 3/13，IPv6 为 ICMPv6 1/1' : '3/13'}）（规则见下一列）`;
      case 'filtered-syn':
        return '监听程序前有一条无状态的 nftables 规则（不做连接跟踪），只丢弃发起连接的报文，即置 SYN 而未置 ACK 的报文；其他报文都能到达监听程序（规则见下一列）';
    }
  },
  truth: (t: LabTruth) =>
    ({
      open: 'open',
      closed: 'closed',
      'filtered-drop': 'filtered（drop 丢弃）',
      'filtered-reject': 'filtered（reject 拒绝）',
      'filtered-syn': 'filtered（仅丢弃 SYN）',
    })[t],

  techniqueTitle: (t: Technique) =>
    `${
      {
        connect: 'TCP connect 扫描',
        syn: 'TCP SYN 扫描',
        xmas: 'TCP Xmas 扫描',
        fin: 'TCP FIN 扫描',
        null: 'TCP NULL 扫描',
        udp: 'UDP 扫描',
        ack: 'TCP ACK 扫描',
        window: 'TCP 窗口（Window）扫描',
        maimon: 'TCP Maimon 扫描',
        idle: 'TCP 空闲（Idle）扫描',
      }[t]
    }（\`-s${NMAP_FLAG[t]}\`）`,
  principle: (t: Technique) =>
    ({
      connect:
        '扫描程序请操作系统对每个端口调用 connect()，由内核完成完整的三次握手，因此不需要特权。握手完成表示 open，收到 RST 表示 closed，无应答或收到 ICMP 差错表示 filtered。',
      syn: '扫描程序通过原始套接字只发送一个 SYN，从不完成握手（“半开放”扫描）。收到 SYN/ACK 表示 open，收到 RST 表示 closed，重传后仍无应答或收到 ICMP 不可达表示 filtered。',
      xmas: '扫描程序发送同时置位 FIN、PSH、URG 的报文段，它不属于任何连接。按照 RFC 793，关闭的端口回复 RST，开放的端口保持沉默，所以无应答表示 open|filtered。',
      fin: '扫描程序发送只置位 FIN 的报文段，它不属于任何连接。按照 RFC 793，关闭的端口回复 RST，开放的端口保持沉默，所以无应答表示 open|filtered。',
      null: '扫描程序发送不置任何标志位的报文段，它不属于任何连接。按照 RFC 793，关闭的端口回复 RST，开放的端口保持沉默，所以无应答表示 open|filtered。',
      udp: '扫描程序向每个端口发送 UDP 数据报（对 DNS 等知名端口附带相应协议的载荷）。收到任何 UDP 应答表示 open，收到 ICMP 端口不可达（3/3；IPv6 为 ICMPv6 1/4）表示 closed，收到其他 ICMP 不可达表示 filtered，无应答表示 open|filtered。',
      ack: '扫描程序发送只置位 ACK 的报文段，它不属于任何连接。按照 RFC 793，探测报文能到达的每个端口，无论有没有监听，都回复 RST，所以这种扫描分不出 open 和 closed：它探测的是防火墙。收到 RST 表示 unfiltered（探测报文通过了），重传后仍无应答或收到 ICMP 不可达表示 filtered。',
      window:
        '扫描程序发送与 ACK 扫描相同的探测报文（只置位 ACK），并读取回复的 RST 的窗口字段。有些协议栈给监听端口的 RST 填非零窗口、给关闭端口的 RST 填窗口 0：非零表示 open，零表示 closed。另一些协议栈（包括 Linux）在每个 RST 里都填窗口 0，于是每个有应答的端口都显示为 closed，开放的端口也不例外；无应答或收到 ICMP 不可达表示 filtered。',
      maimon:
        '扫描程序发送 FIN/ACK 报文段（Uriel Maimon，Phrack 第 49 期）。按照 RFC 793，每个端口收到带 ACK 的报文段都应回复 RST，但源自 BSD 的协议栈在监听端口上会丢弃它：在这种协议栈上，RST 表示 closed，无应答表示 open|filtered，与 FIN 扫描相同。遵守 RFC 793 的协议栈（包括 Linux）对开放端口也回复 RST，因此每个有应答的端口都显示为 closed；收到 ICMP 不可达表示 filtered。',
      idle: '扫描程序从不以自己的地址向目标发送报文。它读取第三台主机——僵尸主机（zombie）——的 IP ID，这台主机的 IP ID 来自同一个全局计数器（向它发送 SYN/ACK，它回复的 RST 就带出当前的 IP ID），然后以僵尸主机的地址为源地址向目标发送 SYN。开放的端口向僵尸主机回复 SYN/ACK，僵尸主机再回复 RST，用掉一个 IP ID；关闭端口的 RST/ACK 以及防火墙的沉默都不会让僵尸主机发送任何报文。再次读取时，开放端口使僵尸主机的 IP ID 增加 2（我们的探测一次、僵尸主机的 RST 一次），否则只增加 1（仅我们的探测）：即 open，或 closed|filtered——这种扫描无法区分 closed 与 filtered。端口按组扫描，IP ID 有增加的组被一分为二，直到每个开放端口被单独确认。',
    })[t],
  colPort: '端口',
  colTruth: '实验真值',
  colState: '状态',
  colReason: '原因',
  colExchange: '观察到的报文交互',
  colTextbook: '教材预期',
  colVerdict: '结论',
  colNmap: 'nmap',
  captureLink: (file: string, frames: number) => `抓包文件：[${file}](${file})（共 ${frames} 帧，可用 Wireshark 打开）。`,
  captureTruncated: '抓包文件在某个数据包中间截断。',
  noCapture: '没有找到该扫描方式的抓包文件，因此无法核对其报文交互。',
  captureUnreadable: (path: string) => `无法读取抓包文件 \`${path}\`（请检查其所有者和权限），因此它不在本目录中，也无法核对其报文交互。`,
  resetWindowsNote: (windows: string, allZero: boolean) =>
    allZero
      ? `本次扫描抓到的每个 RST 窗口都是 0——窗口（端口）：${windows}。窗口扫描把窗口 0 判定为 closed，所以在它看来每个有应答的端口都是关闭的，不论上面有没有程序监听：这台目标机的 TCP 实现不会用窗口字段区分监听端口的 RST（Linux 从不这样做）。`
      : `本次扫描抓到的 RST 带有这些窗口——窗口（端口）：${windows}。窗口扫描把非零窗口判定为 open，把窗口 0 判定为 closed。`,
  exchangesHeading: '观察到的报文交互',
  /** nmap's "Not shown" line for the states folded out of a technique's table (more than 25 ports each) */
  notShown: (target: string | undefined, folds: string[]) => `${target === undefined ? '' : `${target}：`}未列出：${folds.join('，')}`,
  foldedPorts: (count: number, state: string, why: string) => `${count} 个 ${state} 端口（${why}）`,
  exchangePorts: (exchange: string, ports: string) => `${exchange} —— 端口 ${ports}`,
  why: '解释：',
  diagramOf: (port: number) => `下图为端口 ${port} 的报文及其时间；所列其他端口交互的报文与之相同。`,

  noAnswer: '（无应答）',
  scanner: '扫描机',
  target: (address: string, port: number) => `目标机 ${address}（端口 ${port}）`,
  from: (address: string) => `来自 ${address}`,
  retryNote: (n: number, seconds: string) => `第 ${n} 次重传，+${seconds} 秒`,
  silenceNote: '无应答',
  kernelNote: '由扫描机内核发送',
  zombieParticipant: (address: string) => `僵尸主机 ${address}`,
  spoofedNote: (address: string) => `源地址伪造为 ${address}（僵尸主机）`,
  inferredNote: '（由 IP ID 推断，抓包中没有）',
  ipIdInference: (f: IpIdInferenceFacts): string => {
    const rise = (f.after - f.before) & 0xffff;
    const own = f.probes === 1 ? '扫描机自己的一次探测' : `扫描机自己的 ${f.probes} 次探测`;
    const syns = f.ports === 1 ? '以它的名义发送的 SYN' : `同一轮中以它的名义发送的 ${f.ports} 个 SYN`;
    const counter =
      f.ipVersion === 6
        ? '分片 ID（IPv6 没有 IP ID：这是扫描发出 Packet Too Big 之后，僵尸主机在每个应答里加上的原子分片头的 Identification 字段）'
        : ' IP ID ';
    const head = `僵尸主机的${counter}之前是 ${f.before}，之后是 ${f.after}：增加 ${rise}，其中包括${own}`;
    if (f.state === 'open')
      return `${head}，另外还多了一个报文 → 目标机对${syns} 回复了 SYN/ACK，僵尸主机又回复了 RST（虚线箭头，扫描机的网络上看不到）→ open。`;
    if (f.rise === 0)
      return `${head}，此外没有别的报文 → 目标机没有向僵尸主机发送任何需要它回复的报文：关闭端口的 RST/ACK 不需要回复，防火墙的沉默也一样 → closed|filtered（空闲扫描无法区分两者）。`;
    return `${head}，另外还多了 ${f.rise} 个报文，超出这些端口所能解释的数量 → 僵尸主机在此期间自己发送了流量，扫描对这一组重新计数。`;
  },

  textbook: (t: Technique, c: TextbookColumn, ipVersion: 4 | 6 = 4) =>
    textbookInIpVersion(
      TECHNIQUE_TABLE[t].textbook[c].expected({
        noAnswer: '无应答',
        retries: '重传',
        orNone: '或无应答',
        answer: 'UDP 应答',
        datagram: '数据报',
        teardown: '随后拆除连接（R 或 F）',
        other: '其他代码',
        spoofed: '源地址伪造为僵尸主机',
      }),
      ipVersion,
    ),

  verdictShort: (k: VerdictKind, ipVersion: 4 | 6 = 4) =>
    ({
      textbook: '✔ 与教材一致',
      'kernel-reset': '✔ 一致（R 由扫描机内核发出）',
      'kernel-port-unreachable': `✔ 一致（随后扫描机内核回复 ${portUnreachableLabel(ipVersion)}）`,
      'connect-teardown': '✔ 一致（握手完成后拆除连接）',
      'retries-then-silence': '✔ 一致（重传后仍无应答）',
      'icmp-reject': '✔ 一致（被 ICMP 拒绝）',
      'silence-open-filtered': '✔ 一致（无应答：open|filtered）',
      'answered-after-retries': '⚠ 不一致：重传后才有应答',
      'silent-rate-limited': '⚠ 不一致：未收到 ICMP（ICMP 限速）',
      'silent-closed-port': '⚠ 不一致：关闭端口无应答',
      'reset-on-open': '⚠ 不一致：开放端口回复了 RST',
      unexpected: '✘ 与教材不一致',
      'not-captured': '? 未核对：没有抓到数据包',
    })[k],
  explain: (k: VerdictKind, f: ExplainFacts): string => {
    switch (k) {
      case 'textbook':
        return `该交互正是教材中 ${f.column} 一行所描述的：\`${f.expected}\`。`;
      case 'kernel-reset':
        return '扫描程序通过原始套接字发送 SYN，扫描机自己的内核并不知道这个端口上有连接：它对目标机的 SYN/ACK 回复一个单独的 R（不带 ACK 标志，序号取自 SYN/ACK 的确认号），半开放连接就此结束。connect 扫描则用 A 完成握手，再用 RA 中止连接——这就是教材中 SYN 行与 connect 行的区别。';
      case 'kernel-port-unreachable':
        return `服务作出了应答，所以端口是开放的。应答之后的 ${portUnreachableLabel(f.ipVersion)} 来自扫描机自己的内核：探测报文是通过原始套接字发出的，扫描机的源端口上没有绑定 UDP 套接字，于是内核告诉目标机“端口不可达”——扫描程序已经读到了应答，这不影响结果。`;
      case 'connect-teardown':
        return `connect() 完成了三次握手（S、SA、A），服务端看到的是一个真实的连接——所以 connect 扫描会留在目标机的日志里。随后扫描程序立即关闭套接字，内核因此发送 \`${f.teardown}\`；SYN 扫描从不发送最后的 A，由其内核发出的单独 R 结束半开放连接。`;
      case 'retries-then-silence':
        return `没有任何应答，于是扫描程序重发探测报文（共 ${f.probes} 个）后才放弃：丢弃报文的防火墙（nftables \`drop\`）看起来正是这样。仅凭无应答也可能是丢包，所以扫描程序在判定 ${f.state} 之前会重传。`;
      case 'icmp-reject':
        return `目标机防火墙用 ${f.icmp} 拒绝了探测报文，而不是静默丢弃（nftables \`reject\`），所以扫描程序立即知道该端口被过滤，无需等待重传。${f.technique === 'connect' && f.icmpCode !== undefined ? `connect 扫描看不到 ICMP 报文本身：内核把代码 ${f.icmpCode} 转换为 connect() 的错误 ${f.errno ?? '?'}，因此原因为 ${f.reason}（${connectErrnoList(f.ipVersion)}）。` : ''}`;
      case 'silence-open-filtered':
        return f.technique === 'udp'
          ? '开放的 UDP 端口只有在服务能理解数据报时才会应答；空的或无法识别的数据报得不到应答，这与防火墙丢弃报文看起来完全一样——因此为 open|filtered。'
          : '按照 RFC 793，有监听程序的端口会静默丢弃不含 SYN、RST 或 ACK 的报文段，而关闭的端口回复 RST。因此无应答意味着 open——或者防火墙丢弃了探测报文：这种扫描无法区分两者，因此为 open|filtered。';
      case 'answered-after-retries':
        return f.technique === 'udp'
          ? `应答 \`${f.observed}\` 在发出 ${f.probes} 个探测报文后才到达。Linux 限制自己发送 ${icmpName(f.ipVersion)} 差错报文的数量（${rateLimit(f)}）；${icmpCount(f)}，所以前几个探测的应答根本没有发出，等限速允许再发时，重传的探测才得到应答。`
          : `在发出 ${f.probes} 个探测报文后才收到应答：第一个探测报文或它的应答在途中丢失，重传后得到了教材所描述的应答。`;
      case 'silent-rate-limited':
        return `${f.truth === 'filtered-reject' ? '实验用 ICMP 差错报文拒绝该端口（nftables `reject`）' : `该端口是关闭的，教材预期 \`${f.expected}\``}，但在 ${f.probes} 个探测报文内没有收到任何 ICMP。本次运行中目标机对其他探测共发出了 ${f.icmpAnswered} 个 ${icmpName(f.ipVersion)} 差错报文，说明它并没有屏蔽 ${icmpName(f.ipVersion)}，而是限制发送的数量（${rateLimit(f)}）；${icmpCount(f)}，其他探测已经用完了额度。降低扫描速率或增加重传次数即可得到应答。`;
      case 'silent-closed-port': {
        const head = `该端口是关闭的，教材预期 \`${f.expected}\`，但发出 ${f.probes} 个探测报文后仍没有任何应答。`;
        if (f.statefulRules === undefined)
          return `${head}可能的原因之一是目标机或途中有状态防火墙：它会丢弃 FIN、NULL 和 Xmas 报文段，因为它们不属于任何连接（这时在这些扫描看来每个端口都是 open|filtered）；另一个可能是探测报文或 RST 丢失。`;
        if (f.statefulRules.length === 0)
          return `${head}目标机的规则集（见上文）中没有 \`ct state\` 规则，所以它的防火墙并没有因为报文不属于任何连接而丢弃探测：是探测报文或 RST 丢失了，或者两台主机之间有别的设备过滤了它们。再扫描一次该端口即可分辨。`;
        return `${head}目标机的规则集跟踪连接状态：${f.statefulRules.map((r) => `\`${r}\``).join('、')}。状态防火墙会丢弃 FIN、NULL 和 Xmas 报文段，因为它们不属于任何连接，所以在这些扫描看来每个端口都是 open|filtered：它们只对无状态过滤有效。`;
      }
      case 'reset-on-open': {
        const head = `实验中该端口是开放的（有程序在监听），教材预期 \`${f.expected}\`，但它对 ${f.probe ?? '?'} 探测报文回复了 ${f.answer ?? 'R'}${f.answerFrame === undefined ? '' : `（第 ${f.answerFrame} 帧）`}`;
        if (f.readsWindow)
          return `${head}，窗口为 ${f.window ?? 0}。窗口扫描只凭这个窗口字段区分开放和关闭，而本次抓包中各个 RST 的窗口是 ${f.resetWindows}：目标机的 TCP 实现给每个 RST 填同样的窗口，不论端口开放还是关闭（Linux 自行生成的每个 RST 都填窗口 0）。因此每个有应答的端口都显示为 closed，开放的端口也不例外；只有给监听端口的 RST 填非零窗口的协议栈，窗口扫描才能把它们区分开。`;
        if ((f.probe ?? '').includes('A'))
          return `${head}。探测报文带有 ACK 标志位，按照 RFC 793，无论有没有监听，每个端口都要对带 ACK 的报文段回复 RST（序号取自探测报文的确认号，自身不带 ACK），Linux 正是这样做的。只有源自 BSD 的协议栈会在监听端口上丢弃 FIN/ACK，Maimon 扫描依靠的正是这一点；对这台目标机，每个有应答的端口都显示为 closed。`;
        return `${head}。按照 RFC 793，监听端口应丢弃不带 SYN、RST 或 ACK 的报文段；这台目标机却回复了 RST（Windows 等协议栈如此），所以在 FIN、NULL 和 Xmas 扫描看来每个端口都是 closed。`;
      }
      case 'unexpected':
        return `对于 ${f.column} 端口，教材预期 \`${f.expected}\`；抓包显示的是 \`${f.observed}\`，按 nmap 的规则判定为 ${f.state}（${f.reason}）。`;
      case 'not-captured':
        return '抓包文件中没有该端口的探测报文（没有 pcap 文件，或文件被截断），因此无法重建并比较报文交互。';
    }
  },
  disagreement: (ours: string, wire: string) => `results.json 记录为 ${ours}，但抓到的数据包得出 ${wire}。`,

  summary: '总结',
  summaryIntro: '每种扫描方式对每类端口观察到的报文交互，与课程的总结表格式相同。',
  summaryTechnique: '扫描方式',
  summaryNone: '—',

  analysis: '分析',
  analysisIntro: '除“与教材一致”以外的所有结论及其原因：先列出抓包与教材不一致或无法核对之处，再列出一致但有附加说明之处。',
  analysisDiffers: '与教材不一致或未核对',
  analysisQualified: '一致，但有附加说明',
  analysisAllMatch: '所有抓到的报文交互都与教材一致，且每个端口的抓包结果都与 results.json 相符。',
  analysisItem: (technique: string, ports: string, verdict: string) => `**${technique}，端口 ${ports}** —— ${verdict}`,
  analysisCrossTechnique: '各扫描方式对同一端口结论不一致之处',
  analysisCrossTechniqueIntro:
    '逐个端口比较不同扫描方式的抓包：若两者不可能同时是教材对同一端口状态的描述，或一方收到 ICMP 差错报文而另一方无应答，说明其原因。',
  analysisDisagreements: '抓包与 results.json 不一致之处',
  analysisNmap: '与 nmap 不一致之处',

  nmapRan: (version: string, at: string, command: string) =>
    `于 ${at} 用 nmap ${version} 以相同的扫描方式扫描了相同的端口（\`${command}\`）；其状态和原因列在表格最后一列。`,
  nmapNotRun: (kind: NmapProblemKind, detail: string, at: string): string =>
    `没有为该扫描方式运行 nmap（${at}）：${
      {
        'not-installed': '没有安装 nmap（PATH 中找不到）',
        'outside-scope': `${detail} 不在 PortLab 无需 --allow-target 即可扫描的地址范围内`,
        'netns-gone': `扫描是在网络命名空间 ${detail} 中进行的，它已不存在（实验沙箱是否已关闭？）；nmap 不会在别处运行，否则它的探测会走另一条路由`,
        'netns-unnamed': `扫描是在一个没有名称的网络命名空间（${detail}）中进行的，无法再次进入；nmap 不会在别处运行`,
        'other-netns': `扫描是在主机的网络命名空间中进行的，而报告是在 ${detail} 中生成的`,
        'route-differs': `从这里访问 ${detail} 的源地址与扫描时不同，nmap 的探测将与扫描不一致`,
        failed: `nmap 运行失败：${detail}`,
      }[kind]
    }。`,
  nmapStale: (why: NmapStaleKind, file: string) =>
    `未使用 \`${file}\`：它不是与本次扫描一同运行的 nmap 结果（${
      { unreadable: '不是 nmap 的 XML 文件', 'other-technique': '扫描方式不同', 'other-ports': '端口不同', 'other-targets': '目标不同', older: '早于本次扫描' }[
        why
      ]
    }）。运行 \`portlab report --with-nmap\` 即可与 nmap 对照。`,
  nmapDiffers: (nmap: string, ours: string) => `nmap 的结果为 ${nmap}，PortLab 为 ${ours}。`,
  nmapNoPort: 'nmap 没有报告该端口。',

  captureAnalysis: captureAnalysisZhCN,

  scannerHeading: '你的扫描程序',
  scannerIntro: (seconds: number, lab: number | undefined) =>
    `\`portlab check\` 对每个端口运行一次你的程序${lab === undefined ? '' : `（在实验 ${lab} 的扫描机网络命名空间中）`}，程序只拥有 CAP_NET_RAW 权限，每次运行限时 ${seconds} 秒，并抓取了它与目标机之间的全部报文。程序的结论取自其输出中最后一行含有端口状态的文字。`,
  scannerProgram: (command: string) => `程序：${command}`,
  scannerTally: (correct: number, total: number) => `${total} 个结论中 ${correct} 个正确。`,
  scannerResult: (r: CheckResult) => ({ correct: '✔ 正确', wrong: '✘ 错误', 'no-verdict': '? 没有结论', crashed: '✘ 崩溃', 'timed-out': '✘ 超时' })[r],
  scannerSource: (s: ExpectedSource) => ({ lab: '实验', portlab: 'PortLab 扫描', nmap: 'nmap' })[s],
  scannerColTruth: '真实状态 → 预期结果',
  scannerColSaid: '你的程序的结论',
  scannerColPackets: '程序的报文',
  scannerColDeviations: '偏差与说明',
  scannerColFiles: '文件',
  scannerCapture: '抓包',
  scannerOutput: '输出',
  scannerNoVerdict: '无',
  scannerNoPackets: '没有报文',
  scannerNoDeviation: '无',
  scannerYours: '你的扫描程序',
  scannerCaseHeading: (port: string, result: string) => `端口 ${port}：${result}`,
  scannerSentNothing: '程序没有向该端口发送任何报文。',
  scannerTextbookMatch: '程序的报文与教材中的交互过程一致。',
  scannerTextbookDiffers: '程序的报文与教材中的交互过程不一致：',
  scannerTimedOut: (seconds: string) => `程序运行 ${seconds} 秒后仍未结束，已连同它启动的所有进程一起被终止。`,
  scannerCrashed: (signal: string | null, exitCode: number | null, wrote: boolean) =>
    `程序异常结束（${signal ? `被信号 ${signal} 终止` : `退出码 ${exitCode}`}），没有给出结论${wrote ? '；它最后输出的内容：' : '，也没有任何输出。'}`,
  scannerNoVerdictLine: '程序输出中没有任何一行给出端口状态（open、closed、filtered、open|filtered）；它最后输出的内容：',
  scannerNoOutput: '程序没有任何输出，因此没有给出端口状态（open、closed、filtered、open|filtered）。',
};

function rateLimit({ rateLimitMs: ms, ipVersion }: ExplainFacts): string {
  const sysctl = icmpRateLimitSysctl(ipVersion);
  return ms ? `目标机 ${sysctl} = ${ms} ms` : `${sysctl}，默认 1000 ms`;
}

function icmpCount(f: ExplainFacts): string {
  return `本抓包显示，在 ${f.technique} 扫描的第一秒内目标机发出了 ${f.icmpFirstSecond} 个 ${icmpName(f.ipVersion)} 差错报文，在整个 ${f.captureSeconds} 秒内共 ${f.icmpInCapture} 个`;
}

/** 各不可达代码对应的 connect() 错误和原因，取自扫描方式表。 */
function connectErrnoList(ipVersion: 4 | 6): string {
  const groups = connectUnreachableVerdicts(ipVersion);
  const filtered = groups.filter((g) => g.verdict.state === 'filtered').map((g) => `代码 ${g.codes.join('、')} 对应 ${g.errno}，即 ${g.verdict.reason}`);
  const other = groups.filter((g) => g.verdict.state !== 'filtered').map((g) => `代码 ${g.codes.join('、')} 对应 ${g.errno}，即端口状态为 ${g.verdict.state}`);
  return [...filtered, ...other, '其他代码对应的错误不能判定端口状态'].join('；');
}
