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
  }
}
