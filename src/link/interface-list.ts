import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { InterfaceInfo } from '../protocol';

const SYS_NET = '/sys/class/net';

/** ARPHRD_* numbers from include/uapi/linux/if_arp.h that a scanner meets, by the names libpcap uses. */
const LINK_TYPES: Record<string, string> = { '1': 'ETHERNET', '772': 'LOOPBACK', '65534': 'NONE', '776': 'SIT', '768': 'IPIP' };
const IFF_UP = 0x1;

/**
 * The interfaces of the current network namespace, down ones included: /sys/class/net lists them all
 * (os.networkInterfaces() omits interfaces without an address) and says up/down and the link type.
 */
export function listInterfaces(): InterfaceInfo[] {
  const addresses = networkInterfaces();
  return readdirSync(SYS_NET)
    .sort()
    .map((name) => {
      const sys = (file: string) => readFileSync(`${SYS_NET}/${name}/${file}`, 'utf8').trim();
      const mac = sys('address');
      return {
        name,
        addresses: (addresses[name] ?? [])
          .filter((a) => a.family === 'IPv4')
          .map((a) => ({ address: a.address, prefixLength: Number(a.cidr?.split('/')[1] ?? 32) })),
        ...(mac && mac !== '00:00:00:00:00:00' ? { mac } : {}),
        up: (Number.parseInt(sys('flags'), 16) & IFF_UP) !== 0,
        linkType: LINK_TYPES[sys('type')] ?? `ARPHRD_${sys('type')}`,
      };
    });
}
