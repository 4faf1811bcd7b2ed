import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { UserError } from '../../base/errors';
import { findRoute } from '../../link';
import { IPID_SEQUENCE_WORDS, TECHNIQUE_TABLE, type IpIdBits } from '../../technique';
import { ipVersionOf } from '../scope';
import { forceAtomicFragments } from './atomic-fragments';
import type { TechniqueContext } from '../technique-context';
import { bisect, type GroupCount } from './bisection';
import { IdleBook } from './idle-book';
import { RoundCounter } from './idle-round';
import { IdleWire, ZOMBIE_PORT_SPAN } from './idle-wire';
import { qualifyZombie } from './zombie-check';
import { ZombieProber } from './zombie-prober';

const PROGRESS_INTERVAL_MS = 200;

/**
 * The idle scan of one target (-sI): checks the zombie as nmap does, then counts the ports' open ones
 * group by group through the zombie's IP ID, bisecting every group that shows some (bisection.ts), and
 * reports each group's ports once its bisection ends. One target at a time, and never beside another
 * idle scan through the same zombie: two scans would read each other's rises.
 */
export async function scanTargetIdle(target: string, ctx: TechniqueContext): Promise<IdleBook> {
  const zombie = ctx.plan.zombie;
  if (!zombie) throw new UserError('the idle scan (-sI) needs a zombie: -sI ZOMBIE[:PROBEPORT]');
  if (ipVersionOf(target) !== ipVersionOf(zombie.address))
    throw new UserError(
      `the idle scan's zombie ${zombie.address} and target ${target} are of two address families: the zombie sends the target packets, so both must be IPv${ipVersionOf(target)}`,
    );
  // Over IPv6 the counter read is the fragment header's 32-bit Identification (atomic-fragments.ts).
  const bits: IpIdBits = isIPv6(zombie.address) ? 32 : 16;
  for (const host of [target, zombie.address])
    if (findRoute(host, ctx.plan.iface).loopback)
      throw new UserError(`an idle scan cannot run over loopback (${host}): the zombie, the target and this host must be three hosts`);
  if (target === zombie.address) throw new UserError(`the idle scan's zombie ${zombie.address} cannot be its own target`);

  const technique = TECHNIQUE_TABLE.idle;
  const portBase = randomInt(32768, 65536 - ZOMBIE_PORT_SPAN);
  let prober: ZombieProber | undefined;
  const wire = await IdleWire.open(target, zombie, { first: portBase, last: portBase + ZOMBIE_PORT_SPAN - 1 }, ctx, (d, packet) => {
    ctx.counters.received++;
    prober?.onFrame(d, packet);
  });
  try {
    if (wire.targetMac !== undefined) ctx.targetMac = wire.targetMac;
    prober = new ZombieProber(wire, zombie, portBase, randomInt(0x100000000));
    if (wire.zombieArpRttMs !== undefined) prober.rtt.sample(wire.zombieArpRttMs);
    if (bits === 32) await forceAtomicFragments(wire, zombie, target, prober.rtt.timeoutMs());
    const { sequence, latest } = await qualifyZombie(prober, wire, zombie, target, portBase - 1, bits);
    ctx.zombie = { ...zombie, ipIdClass: IPID_SEQUENCE_WORDS[sequence] };
    const counter = new RoundCounter(wire, prober, zombie, target, ctx.ports, { sequence, bits }, latest, randomInt(0x100000000));
    const book = new IdleBook(target, ctx.ports, counter.rounds, zombie.address, { sequence, bits });
    let lastProgress = 0;
    const progress = (force: boolean) => {
      const now = performance.now();
      if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      const elapsed = (now - ctx.startedAt) / 1000;
      ctx.events.progress?.({
        scanId: ctx.plan.scanId,
        technique: technique.name,
        target,
        sent: ctx.counters.sent,
        answered: ctx.counters.received,
        done: book.reported,
        total: ctx.ports.length,
        rate: elapsed > 0 ? Math.round(ctx.counters.sent / elapsed) : 0,
      });
    };

    const steps = bisect(ctx.ports.length, (rise, ports) => technique.classify({ kind: 'ipid', rise, ports }));
    let counted: GroupCount | undefined;
    for (;;) {
      if (ctx.signal?.aborted || ctx.stoppedBy !== undefined) break;
      const step = steps.next(counted);
      if (step.done) break;
      counted = undefined;
      if (step.value.kind === 'count') {
        try {
          counted = await counter.count(step.value.group);
        } catch (err) {
          // What the zombie told before it went wrong stands: the scan ends there, partial, saying why.
          if (!(err instanceof UserError)) throw err;
          ctx.stoppedBy = err.message;
          break;
        }
      } else {
        for (const result of book.decide(step.value.decisions)) ctx.events.port?.(result);
        if (step.value.phantoms > 0) ctx.zombie = { ...ctx.zombie!, phantoms: step.value.phantoms };
      }
      progress(false);
    }
    progress(true);
    return book;
  } finally {
    prober?.close();
    wire.close();
  }
}
