/**
 * Shared helpers of the runtime integration tests (real kube-apiserver from the global setup).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { KubeClient, type KubeClientOptions } from '../../../controller/kube/client.js';
import { defineResource, Resources } from '../../../controller/kube/resources.js';
import type { KubeObject } from '../../../controller/kube/types.js';
import type { ListWatchClient } from '../../../controller/runtime/informer.js';

/** Admin client (system:masters) on the shared test API server. */
export function adminClient(options: KubeClientOptions = {}): KubeClient {
  return KubeClient.fromKubeconfig(inject('kubeconfigPath'), { fieldManager: 'runtime-it', ...options });
}

/** Creates a uniquely named namespace (never deleted: no namespace controller runs). */
export async function freshNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.Namespace, { metadata: { name } });
  return name;
}

/** A namespaced test kind with a status subresource, owned by these tests only. */
export const Widget = defineResource('runtime-test.sei.io/v1', 'Widget', 'widgets');

/** Installs the Widget CRD (idempotent, server-side apply) and waits until it is served. */
export async function installWidgetCrd(client: KubeClient): Promise<void> {
  await client.apply(Resources.CustomResourceDefinition, {
    metadata: { name: 'widgets.runtime-test.sei.io' },
    spec: {
      group: 'runtime-test.sei.io',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer', minimum: 0 } } },
                status: {
                  type: 'object',
                  properties: { phase: { type: 'string' }, seen: { type: 'integer' } },
                },
              },
            },
          },
        },
      ],
    },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.list(Widget, { namespace: 'default' });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Wraps a real client so a test can cut the informer off the API server, like a network
 * partition: `partition()` aborts the open watch and makes further list/watch calls fail with a
 * fetch-style TypeError until `heal()`.
 */
export class PartitionableClient implements ListWatchClient {
  private partitioned = false;
  private readonly open = new Set<AbortController>();

  constructor(private readonly real: KubeClient) {}

  partition(): void {
    this.partitioned = true;
    for (const ac of this.open) ac.abort(new TypeError('fetch failed (simulated network partition)'));
  }

  heal(): void {
    this.partitioned = false;
  }

  list: ListWatchClient['list'] = async (resource, opts) => {
    if (this.partitioned) throw new TypeError('fetch failed (simulated network partition)');
    return this.real.list(resource, opts);
  };

  watch: ListWatchClient['watch'] = <T extends KubeObject>(
    resource: Parameters<ListWatchClient['watch']>[0],
    opts: Parameters<ListWatchClient['watch']>[1] = {},
  ) => {
    const self = this;
    return (async function* () {
      if (self.partitioned) throw new TypeError('fetch failed (simulated network partition)');
      const ac = new AbortController();
      const outer = opts.signal;
      const onAbort = () => ac.abort(outer?.reason);
      outer?.addEventListener('abort', onAbort, { once: true });
      self.open.add(ac);
      try {
        yield* self.real.watch<T>(resource, { ...opts, signal: ac.signal });
      } finally {
        self.open.delete(ac);
        outer?.removeEventListener('abort', onAbort);
      }
    })();
  };
}

/**
 * Opens a watch from `resourceVersion` and reports whether the API server answers 410 (as an
 * ERROR event or an HTTP status) — i.e. whether that version has left the watch cache window.
 */
export async function isGone(
  client: KubeClient,
  namespace: string,
  resourceVersion: string,
): Promise<boolean> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 1500);
  try {
    for await (const ev of client.watch(Resources.ConfigMap, {
      namespace,
      resourceVersion,
      timeoutSeconds: 5,
      signal: ac.signal,
    })) {
      return ev.type === 'ERROR' && ev.object.code === 410;
    }
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 410) return true;
    if (ac.signal.aborted) return false;
    throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
