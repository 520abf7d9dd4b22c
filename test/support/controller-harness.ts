import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { SeiNode } from '../../constructs/api/types';
import type { RunningController } from '../../controller/app';
import { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import { startControllerAsServiceAccount } from './controller-process';

export { ensureNamespace, installControllerRbac } from './controller-process';

/** An admin client for the shared test control plane (from the vitest global setup). */
export function adminClient(): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  return new KubeClient(kc, { fieldManager: 'integration-test' });
}

/**
 * Starts the real controller in-process against the shared control plane, authenticated as the
 * synthesized ServiceAccount (a permission missing from the install chart fails the test).
 */
export function startTestController(
  opts: Parameters<typeof startControllerAsServiceAccount>[1],
): Promise<RunningController> {
  return startControllerAsServiceAccount(adminClient(), { rbacUsagePath: inject('rbacUsagePath'), ...opts });
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until SeiNode `namespace/name` is Running with a Complete plan for its current generation
 * (`observedGeneration === generation`), and returns it.
 */
export async function waitSettled(
  admin: KubeClient,
  namespace: string,
  name: string,
  timeoutMs = 60_000,
): Promise<SeiNode> {
  return eventually(
    `${name} settled`,
    async () => {
      const n = await admin.get<SeiNode>(Resources.SeiNode, { namespace, name });
      return n?.status?.phase === 'Running' &&
        n.status.plan?.phase === 'Complete' &&
        n.status.observedGeneration === n.metadata.generation
        ? n
        : undefined;
    },
    timeoutMs,
  );
}

/**
 * Asserts that every field of `desired` is present with the same value in `live` (the API server
 * adds defaults, so live ⊇ desired). Returns the paths that differ.
 */
export function subsetDiff(desired: unknown, live: unknown, path = ''): string[] {
  if (desired === null || typeof desired !== 'object') {
    return desired === live || (typeof desired === 'number' && String(desired) === live)
      ? []
      : [`${path}: ${JSON.stringify(desired)} != ${JSON.stringify(live)}`];
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length)
      return [
        `${path}: array length ${desired.length} != ${Array.isArray(live) ? live.length : typeof live}`,
      ];
    return desired.flatMap((d, i) => subsetDiff(d, live[i], `${path}[${i}]`));
  }
  if (live === null || typeof live !== 'object') return [`${path}: missing`];
  return Object.entries(desired as Record<string, unknown>).flatMap(([k, v]) =>
    subsetDiff(v, (live as Record<string, unknown>)[k], `${path}.${k}`),
  );
}
