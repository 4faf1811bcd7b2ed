/**
 * A first-in first-out queue of port indices in which each port is at most once at a time (a port waiting
 * for its timeout): a ring of `ports` slots, allocated once, so queueing a probe allocates nothing. Entries
 * keep absolute positions (`first` … `end`), so a cursor can walk the queue while it is shifted.
 */
export class PortQueue {
  private readonly ring: Int32Array;
  /** absolute position of the oldest entry */
  private head = 0;
  /** absolute position after the newest entry */
  private tail = 0;

  constructor(ports: number) {
    this.ring = new Int32Array(Math.max(1, ports));
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** the oldest entry's position */
  get first(): number {
    return this.head;
  }

  /** the position the next push takes */
  get end(): number {
    return this.tail;
  }

  /** the port at `position` (first ≤ position < end) */
  at(position: number): number {
    return this.ring[position % this.ring.length]!;
  }

  push(i: number): void {
    if (this.length === this.ring.length) throw new RangeError('PortQueue: a port was queued twice');
    this.ring[this.tail++ % this.ring.length] = i;
  }

  /** the oldest port, -1 when empty */
  peek(): number {
    return this.head < this.tail ? this.at(this.head) : -1;
  }

  shift(): number {
    if (this.head === this.tail) return -1;
    return this.at(this.head++);
  }
}

/**
 * Several first-in first-out queues of port indices (one per source address: retransmissions waiting for
 * that source's ICMP budget) in which each port is in at most one queue, at most once: linked through one
 * array of `ports` slots.
 */
export class PortQueues {
  private readonly next: Int32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private waiting = 0;

  constructor(ports: number, queues: number) {
    this.next = new Int32Array(ports).fill(-1);
    this.heads = new Int32Array(queues).fill(-1);
    this.tails = new Int32Array(queues).fill(-1);
  }

  /** ports waiting in all queues */
  get length(): number {
    return this.waiting;
  }

  push(q: number, i: number): void {
    this.next[i] = -1;
    if (this.tails[q]! < 0) this.heads[q] = i;
    else this.next[this.tails[q]!] = i;
    this.tails[q] = i;
    this.waiting++;
  }

  /** queue q's oldest port, -1 when it is empty */
  peek(q: number): number {
    return this.heads[q]!;
  }

  shift(q: number): number {
    const i = this.heads[q]!;
    if (i < 0) return -1;
    this.heads[q] = this.next[i]!;
    if (this.heads[q]! < 0) this.tails[q] = -1;
    this.waiting--;
    return i;
  }
}
