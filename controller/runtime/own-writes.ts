/**
 * Remembers, per key, the resourceVersion a reconciler's own status write superseded. While the
 * informer cache still shows that version it is stale — the watch has not delivered our write yet —
 * and acting on it would repeat work and end in a conflict; the reconciler waits briefly instead.
 * Bounded: an entry is honoured for at most `maxAgeMs` (a lost watch event cannot wedge a key).
 */
export class OwnWrites {
  private readonly superseded = new Map<string, { rv: string; at: number }>();

  /** @param maxAgeMs - how long a superseded version is trusted @default 5000 */
  constructor(private readonly maxAgeMs = 5_000) {}

  /** True when `cachedRv` is the version our last write replaced (the cache lags our write). */
  isStale(key: string, cachedRv: string | undefined): boolean {
    const s = this.superseded.get(key);
    if (s && s.rv === cachedRv && Date.now() - s.at < this.maxAgeMs) return true;
    this.superseded.delete(key);
    return false;
  }

  /** Records that we just replaced `previousRv` of `key`. */
  wrote(key: string, previousRv: string | undefined): void {
    this.superseded.set(key, { rv: previousRv ?? '', at: Date.now() });
  }
}
