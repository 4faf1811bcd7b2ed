/**
 * A reusable batch of Ethernet frames for RawChannel.sendFrames: frames are copied in back to back, so the
 * caller may rewrite its template right after add(). Fixed capacity, allocated once.
 */
export class OutgoingFrames {
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  private used = 0;
  private added = 0;

  constructor(
    /** frames one batch holds */
    readonly capacity: number,
    /** the longest frame add() takes */
    readonly maxFrameBytes = 1518,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number above 0, not ${capacity}`);
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 65535)
      throw new RangeError(`maxFrameBytes must be a whole number from 1 to 65535, not ${maxFrameBytes}`);
    this.data = new Uint8Array(capacity * maxFrameBytes);
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
  }

  /** frames added since the last clear() */
  get count(): number {
    return this.added;
  }

  get full(): boolean {
    return this.added === this.capacity;
  }

  /** Copies `frame` in as the next frame; returns its index. */
  add(frame: Uint8Array): number {
    if (this.full) throw new RangeError(`the batch already holds its ${this.capacity} frames`);
    if (frame.length > this.maxFrameBytes) throw new RangeError(`a ${frame.length}-byte frame is longer than the batch's ${this.maxFrameBytes} bytes`);
    const k = this.added++;
    this.data.set(frame, this.used);
    this.offsets[k] = this.used;
    this.lengths[k] = frame.length;
    this.used += frame.length;
    return k;
  }

  /** frame k as it was added (a view: valid until the next clear()) */
  frame(k: number): Uint8Array {
    if (!(k >= 0 && k < this.added)) throw new RangeError(`no frame ${k} in a batch of ${this.added}`);
    return this.data.subarray(this.offsets[k]!, this.offsets[k]! + this.lengths[k]!);
  }

  clear(): void {
    this.added = 0;
    this.used = 0;
  }
}
