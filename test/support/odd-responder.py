"""Answers TCP SYNs to chosen ports of a lab target the way odd networks do (issue 7, item 4).

Runs inside the target namespace, whose own kernel is told by nft to drop those ports, and answers
from a packet socket. Usage: odd-responder.py IFACE OTHER_SRC SECONDS. Prints "ready" once sniffing.
Every behaviour is keyed by destination port; see PLAN in test/integration/odd-network.test.ts.
"""
import sys
import threading

from scapy.all import ICMP, IP, TCP, AsyncSniffer, Ether, conf, sendp

iface, other_src, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
conf.verb = 0


def reply(syn, flags, src=None, ack=True, copies=1):
    ip, tcp = syn[IP], syn[TCP]
    answer = (
        Ether(src=syn[Ether].dst, dst=syn[Ether].src)
        / IP(src=src or ip.dst, dst=ip.src)
        / TCP(sport=tcp.dport, dport=tcp.sport, flags=flags, seq=1000, ack=(tcp.seq + 1) if ack else 0)
    )
    sendp(answer, iface=iface, count=copies)


def icmp_for_probe_never_sent(syn):
    ip, tcp = syn[IP], syn[TCP]
    # admin-prohibited, quoting a SYN from another source port and sequence than any probe
    quoted = IP(src=ip.src, dst=ip.dst, ttl=64) / TCP(sport=(tcp.sport + 7919) % 65536, dport=tcp.dport, flags="S", seq=tcp.seq ^ 0x5A5A5A5A)
    sendp(Ether(src=syn[Ether].dst, dst=syn[Ether].src) / IP(src=ip.dst, dst=ip.src) / ICMP(type=3, code=13) / bytes(quoted)[:28], iface=iface)


def handle(p):
    if TCP not in p or p[TCP].flags != "S":
        return
    port = p[TCP].dport
    if port == 40001:  # the SYN/ACK arrives after the scanner's timeout
        threading.Timer(0.6, reply, (p, "SA")).start()
    elif port == 40002:
        reply(p, "SA", copies=3)
    elif port == 40003:
        reply(p, "RA", copies=3)
    elif port == 40004:  # answered by another address of the target's subnet
        reply(p, "SA", src=other_src)
    elif port == 40005:
        reply(p, "RA")
    elif port == 40006:  # RST without ACK
        reply(p, "R", ack=False)
    elif port == 40007:
        icmp_for_probe_never_sent(p)
    elif 40010 <= port <= 40019:  # a middlebox answering every port with SYN/ACK
        reply(p, "SA")


sniffer = AsyncSniffer(iface=iface, filter="tcp dst portrange 40001-40019", prn=handle, store=False, started_callback=lambda: print("ready", flush=True))
sniffer.start()
sniffer.join(timeout=seconds)
if sniffer.running:
    sniffer.stop()
