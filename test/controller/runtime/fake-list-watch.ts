/**
 * A scriptable stand-in for the list+watch half of KubeClient, for informer/controller unit tests.
 * `list` returns the current `objects`; each `watch` call opens a channel the test pushes
 * events into, ends, or fails.
 */
import type { ListOptions, WatchOptions } from '../../../controller/kube/client.js';
import type { ResourceDescriptor } from '../../../controller/kube/resources.js';
import type { KubeObject, ObjectList, WatchEvent } from '../../../controller/kube/types.js';
import type { ListWatchClient } from '../../../controller/runtime/informer.js';

/** One open watch. */
export class WatchChannel {
  private readonly queue: (WatchEvent | { end: true } | { error: unknown })[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  constructor(readonly opts: WatchOptions) {}

  push(ev: WatchEvent): void {
    this.queue.push(ev);
    this.wake?.();
  }
  end(): void {
    this.queue.push({ end: true });
    this.wake?.();
  }
  fail(error: unknown): void {
    this.queue.push({ error });
    this.wake?.();
  }

  async *events(): AsyncGenerator<WatchEvent> {
    const signal = this.opts.signal;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const next = this.queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
          continue;
        }
        if ('end' in next) return;
        if ('error' in next) throw next.error;
        yield next;
      }
    } finally {
      this.closed = true;
    }
  }
}

export class FakeListWatch implements ListWatchClient {
  objects: KubeObject[] = [];
  resourceVersion = '100';
  listCalls: ListOptions[] = [];
  watches: WatchChannel[] = [];
  /** Errors thrown by the next list calls, in order. */
  listErrors: unknown[] = [];
  private watchWaiters: ((c: WatchChannel) => void)[] = [];

  list = async <T extends KubeObject>(
    _r: ResourceDescriptor,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> => {
    this.listCalls.push(opts);
    const err = this.listErrors.shift();
    if (err) throw err;
    return { items: structuredClone(this.objects) as T[], resourceVersion: this.resourceVersion };
  };

  watch = <T extends KubeObject>(
    _r: ResourceDescriptor,
    opts: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> => {
    const ch = new WatchChannel(opts);
    this.watches.push(ch);
    for (const w of this.watchWaiters.splice(0)) w(ch);
    return ch.events() as AsyncGenerator<WatchEvent<T>>;
  };

  /** The most recent watch, waiting for the `n`-th (1-based) one to be opened. */
  async nthWatch(n: number): Promise<WatchChannel> {
    while (this.watches.length < n) {
      await new Promise<WatchChannel>((resolve) => this.watchWaiters.push(resolve));
    }
    return this.watches[n - 1] as WatchChannel;
  }
}

/** A ConfigMap-like object. */
export function cm(name: string, rv: string, extra: Partial<KubeObject> = {}, ns = 'ns'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: ns, name, resourceVersion: rv },
    ...extra,
  };
}
