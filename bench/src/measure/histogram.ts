/**
 * Latency histogram in microseconds: log-linear buckets (128 per power of
 * two, < 0.8 % error), constant memory whatever the sample count, mergeable.
 */
const SUB = 128;
const SUB_BITS = 7;
const MAX = 0xffff_ffff;

function indexOf(us: number): number {
  const v = us <= 0 ? 0 : us >= MAX ? MAX : Math.floor(us);
  if (v < SUB) return v;
  const exp = 31 - Math.clz32(v);
  return SUB + (exp - SUB_BITS) * SUB + ((v >>> (exp - SUB_BITS)) - SUB);
}

function valueOf(index: number): number {
  if (index < SUB) return index;
  const exp = Math.floor((index - SUB) / SUB) + SUB_BITS;
  const sub = (index - SUB) % SUB;
  const low = (SUB + sub) * 2 ** (exp - SUB_BITS);
  return low + 2 ** (exp - SUB_BITS) / 2;
}

export class Histogram {
  readonly counts = new Float64Array(SUB + (32 - SUB_BITS) * SUB);
  count = 0;
  max = 0;
  min = Infinity;
  sum = 0;

  record(us: number): void {
    this.counts[indexOf(us)]!++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
    if (us < this.min) this.min = us;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
    this.min = Math.min(this.min, other.min);
  }

  /** The q-quantile (0..1), µs; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, valueOf(i)));
    }
    return this.max;
  }

  /** p50/p90/p99/max in milliseconds (what the reports show). */
  summaryMs(): { p50: number; p90: number; p99: number; max: number; mean: number } {
    const ms = (us: number) => us / 1000;
    return {
      p50: ms(this.quantile(0.5)),
      p90: ms(this.quantile(0.9)),
      p99: ms(this.quantile(0.99)),
      max: this.count ? ms(this.max) : NaN,
      mean: this.count ? ms(this.sum / this.count) : NaN,
    };
  }
}
