import * as vscode from 'vscode';
import type { Technique } from '../protocol/scan';
import { TECHNIQUE_TABLE } from '../technique';

/** "SYN (-sS)": the technique with nmap's flag, which is how the course names them. */
export function techniqueLabel(t: Technique): string {
  const { displayName, nmapFlag } = TECHNIQUE_TABLE[t];
  return `${displayName} (-s${nmapFlag})`;
}

export function techniqueDetail(t: Technique): string {
  switch (t) {
    case 'connect':
      return vscode.l10n.t('full TCP handshake with connect(); needs no privileges');
    case 'syn':
      return vscode.l10n.t('half-open: SYN, answer, the kernel resets; needs raw sockets');
    case 'xmas':
      return vscode.l10n.t('FIN, PSH and URG set; closed ports reset; needs raw sockets');
    case 'fin':
      return vscode.l10n.t('FIN alone; closed ports reset; needs raw sockets');
    case 'null':
      return vscode.l10n.t('no flags at all; closed ports reset; needs raw sockets');
    case 'udp':
      return vscode.l10n.t('UDP datagrams; closed ports answer ICMP port unreachable; needs raw sockets');
    case 'ack':
      return vscode.l10n.t('ACK alone; open and closed ports reset alike, so it maps the firewall: unfiltered or filtered; needs raw sockets');
    case 'window':
      return vscode.l10n.t('ACK alone; reads the window of the reset: non-zero open, zero closed (Linux: every port closed); needs raw sockets');
    case 'maimon':
      return vscode.l10n.t('FIN/ACK; closed ports reset, BSD stacks drop it on open ports (Linux resets every port); needs raw sockets');
    case 'idle':
      return vscode.l10n.t('SYNs sent in a zombie host’s name; the zombie’s IP ID tells open from closed|filtered; needs raw sockets and a zombie');
  }
}
