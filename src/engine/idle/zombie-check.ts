import { UserError } from '../../base/errors';
import { ipIdDistance, ipIdSequenceClass, IPID_SEQUENCE_WORDS, TECHNIQUE_TABLE, type IpIdBits, type IpIdSequence } from '../../technique';
import type { Zombie } from '../scan-plan';
import type { IdleWire } from './idle-wire';
import type { IpIdReading, ZombieProber } from './zombie-prober';

/** nmap's qualification: six probes 30 ms apart, the last waited for long enough for a slow zombie. */
const QUALIFY_PROBES = 6;
const QUALIFY_GAP_MS = 30;
const QUALIFY_WAIT_MS = 2000;
/** nmap's spoofing test: four SYN/ACKs in the target's name, 50 ms apart, then 300 ms for them to land. */
const SPOOF_PROBES = 4;
const SPOOF_GAP_MS = 50;
const SPOOF_SETTLE_MS = 300;

/** The zombie's counter as the scan reads it: its class, and its width (16-bit IP ID, or IPv6's 32-bit fragment ID). */
export interface ZombieCounter {
  sequence: IpIdSequence;
  bits: IpIdBits;
}

/** A zombie the scan can read: its IP ID class and the last IP ID read from it. */
export interface QualifiedZombie {
  sequence: IpIdSequence;
  latest: IpIdReading;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function unusable(message: string): UserError {
  return new UserError(message, 'zombie-unusable');
}

/**
 * nmap's checks before an idle scan (idle_scan.cc initialize_idleproxy): the zombie must answer, its IP
 * IDs must come from one predictable counter (incremental, by two, or byte-swapped: a random, zero or
 * constant IP ID is refused naming its class in nmap's words), and SYN/ACKs sent to it in the target's
 * name must move that counter, or the scan would read nothing (a zombie with a counter per host, or a
 * network that drops packets whose source is spoofed). Every probe goes into the pcap.
 */
export async function qualifyZombie(
  prober: ZombieProber,
  wire: IdleWire,
  zombie: Zombie,
  target: string,
  magicPort: number,
  bits: IpIdBits,
): Promise<QualifiedZombie> {
  const named = `idle scan zombie ${zombie.address} port ${zombie.probePort}`;
  const readings = await prober.sample(QUALIFY_PROBES, QUALIFY_GAP_MS, QUALIFY_WAIT_MS);
  if (readings.length === 0) throw unusable(`${named} cannot be used because it has not returned any of our probes -- perhaps it is down or firewalled`);
  const sequence = ipIdSequenceClass(
    readings.map((r) => r.id),
    bits,
  );
  const words = IPID_SEQUENCE_WORDS[sequence];
  if (!TECHNIQUE_TABLE.idle.usableSequences.includes(sequence))
    throw unusable(`${named} cannot be used because IP ID sequence class is: ${words}. Try another zombie`);
  let latest = readings.at(-1)!;

  for (let k = 0; k < SPOOF_PROBES; k++) {
    if (k > 0) await sleep(SPOOF_GAP_MS);
    await wire.paced();
    wire.sendToZombie(
      TECHNIQUE_TABLE.idle.buildZombieProbe({
        srcIp: target,
        dstIp: zombie.address,
        srcPort: magicPort,
        dstPort: zombie.probePort,
        seq: (magicPort * 0x10001 + k) >>> 0,
        ack: (magicPort * 0x20003 + k) >>> 0,
      }),
    );
  }
  await sleep(SPOOF_SETTLE_MS);
  const after = (await prober.read()) ?? (await prober.read());
  if (!after) throw unusable(`${named} is behaving strangely -- suddenly it does not answer our probes`);
  const distance = ipIdDistance(sequence, latest.id, after.id, bits)!;
  // More than half the counter's range forward is a step back.
  if (distance === 0 || distance > 2 ** (bits - 1)) throw unusable(`${named} is behaving strangely -- its IP ID went from ${latest.id} to ${after.id}`);
  if (distance <= after.spent)
    throw unusable(
      `${named} looks usable (IP ID class: ${words}), but ${SPOOF_PROBES} SYN/ACKs sent to it in ${target}'s name did not move its IP ID: ` +
        'it keeps a separate IP ID per host, or packets with a spoofed source address do not reach it',
    );
  latest = after;
  return { sequence, latest };
}
