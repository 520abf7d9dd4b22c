/**
 * Request accounting: every API request the client issues is reported once, after it completes,
 * to any number of observers. {@link RequestCounter} is the built-in observer the metrics layer
 * and the benchmarks read (e.g. "API writes per idle node per hour").
 */

/** Logical API verbs (the RBAC verb, plus `apply` to tell server-side apply from other patches). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'apply' | 'delete';

/** Verbs that change state on the server. */
export const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'apply', 'delete']);

/** One completed request. */
export interface RequestEvent {
  verb: Verb;
  /** Resource plural, with `/status` appended for the status subresource (e.g. `seinodes/status`). */
  resource: string;
  /** Namespace of the request, `''` for cluster-scoped or all-namespaces requests. */
  namespace: string;
  /** HTTP status code; `0` when no response arrived (network error, abort). */
  code: number;
  /**
   * Milliseconds from sending to the response headers (for `watch`: until the stream was
   * established, not its whole life).
   */
  durationMs: number;
}

/** Callback invoked after each request. Must not throw (exceptions are swallowed). */
export type RequestObserver = (event: RequestEvent) => void;

/** Counts requests by verb and by `verb resource code`. Cheap enough to leave on in production. */
export class RequestCounter {
  private readonly verbs = new Map<Verb, number>();
  private readonly detailed = new Map<string, number>();

  /** The observer to pass to the client (`new KubeClient(kc, { observers: [counter.observer] })`). */
  readonly observer: RequestObserver = (e) => this.record(e);

  /** Records one request. */
  record(e: RequestEvent): void {
    this.verbs.set(e.verb, (this.verbs.get(e.verb) ?? 0) + 1);
    const k = `${e.verb} ${e.resource} ${e.code}`;
    this.detailed.set(k, (this.detailed.get(k) ?? 0) + 1);
  }

  /** Number of requests with `verb` (all verbs when omitted). */
  count(verb?: Verb): number {
    if (verb) return this.verbs.get(verb) ?? 0;
    let n = 0;
    for (const v of this.verbs.values()) n += v;
    return n;
  }

  /** Number of state-changing requests (create, update, patch, apply, delete). */
  writes(): number {
    let n = 0;
    for (const [verb, c] of this.verbs) if (WRITE_VERBS.has(verb)) n += c;
    return n;
  }

  /** Snapshot of counts by verb. */
  byVerb(): Partial<Record<Verb, number>> {
    return Object.fromEntries(this.verbs) as Partial<Record<Verb, number>>;
  }

  /** Snapshot of counts keyed `"<verb> <resource> <code>"`, e.g. `"apply statefulsets 200"`. */
  byVerbResourceCode(): Record<string, number> {
    return Object.fromEntries(this.detailed);
  }

  /** Zeroes all counts. */
  reset(): void {
    this.verbs.clear();
    this.detailed.clear();
  }
}
