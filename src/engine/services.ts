import type { Protocol } from '../protocol';

/**
 * Service names for the ports a lab course meets, as nmap's nmap-services spells them (`domain`,
 * not `dns`), so `-oN`/`-oX` and the report read like nmap's. A table in the code rather than
 * nmap's file: results must not depend on whether nmap is installed.
 */
const SERVICES: Record<Protocol, Record<number, string>> = {
  tcp: {
    7: 'echo',
    21: 'ftp',
    22: 'ssh',
    23: 'telnet',
    25: 'smtp',
    53: 'domain',
    80: 'http',
    110: 'pop3',
    111: 'rpcbind',
    135: 'msrpc',
    139: 'netbios-ssn',
    143: 'imap',
    443: 'https',
    445: 'microsoft-ds',
    993: 'imaps',
    995: 'pop3s',
    1433: 'ms-sql-s',
    1723: 'pptp',
    3306: 'mysql',
    3389: 'ms-wbt-server',
    5432: 'postgresql',
    5900: 'vnc',
    6379: 'redis',
    8080: 'http-proxy',
    8443: 'https-alt',
  },
  udp: {
    7: 'echo',
    53: 'domain',
    67: 'dhcps',
    68: 'dhcpc',
    69: 'tftp',
    111: 'rpcbind',
    123: 'ntp',
    137: 'netbios-ns',
    138: 'netbios-dgm',
    161: 'snmp',
    162: 'snmptrap',
    500: 'isakmp',
    514: 'syslog',
    520: 'route',
    1900: 'upnp',
    4500: 'nat-t-ike',
    5353: 'zeroconf',
  },
};

export function serviceName(port: number, protocol: Protocol): string | undefined {
  return SERVICES[protocol][port];
}
