/**
 * Retransmission timeout from measured round trips (RFC 6298's srtt/rttvar, as nmap keeps per
 * target): 1 s until the first sample, then srtt + 4·rttvar, clamped to [min, max].
 */
export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;

  constructor(
    private readonly initialMs = 1000,
    private readonly minMs = 100,
    private readonly maxMs = 10_000,
  ) {}

  sample(ms: number): void {
    if (!(ms >= 0)) return;
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  timeoutMs(): number {
    if (this.srtt === undefined) return this.initialMs;
    return Math.min(this.maxMs, Math.max(this.minMs, this.srtt + 4 * this.rttvar));
  }
}
