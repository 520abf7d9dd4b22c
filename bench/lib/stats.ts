/** Summary statistics of benchmark samples. */

/** Median, min, max (and the rest) of a list of samples. */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** 99th percentile (nearest rank); equals `max` below 100 samples. */
  readonly p99: number;
  /** The samples, in the order they were taken. */
  readonly samples: readonly number[];
}

/** Nearest-rank percentile (`q` in 0..1) of unsorted samples. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Summarizes samples (NaN fields when there are none). */
export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  return {
    n,
    median: median(samples),
    min: n ? Math.min(...samples) : Number.NaN,
    max: n ? Math.max(...samples) : Number.NaN,
    mean: n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN,
    p99: percentile(samples, 0.99),
    samples: [...samples],
  };
}

/** Median (mean of the two middle values for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Rounds for reports: 3 significant digits below 100, integers above. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  if (Math.abs(v) >= 100) return Math.round(v);
  return Number(v.toPrecision(3));
}
