/**
 * Memoized {@link renderSeiNodeWorkload}. One reconcile renders a node's workload several times —
 * for the desired state and again in each task that applies or compares an object (ensure-data-pvc,
 * apply-rbac-proxy-config, apply-statefulset, apply-service, observe-image …) — from the same
 * inputs. Synthesis is the controller's largest CPU cost at fleet scale (docs/performance.md), so
 * equal inputs are rendered once.
 *
 * Exact by construction: the key is the JSON of {@link workloadRenderInputs} (all the render reads)
 * per platform config object. Results are deep-frozen and shared: callers must not mutate them.
 */
import type { SeiNode } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { type KubeObject, renderSeiNodeWorkload, workloadRenderInputs } from '../../constructs/render';
import { deepFreeze } from '../runtime/cache';

/** Renders kept per platform config, least recently used evicted first. */
export const RENDER_CACHE_ENTRIES = 128;

interface Entry {
  readonly manifests?: readonly KubeObject[];
  readonly error?: unknown;
}

const caches = new WeakMap<PlatformConfig, Map<string, Entry>>();
let hits = 0;
let misses = 0;

/**
 * {@link renderSeiNodeWorkload}, memoized (see the module doc).
 *
 * @returns the manifests, deep-frozen (shared between callers)
 * @throws the render's error (memoized too: a Secret-guard violation is not re-rendered until the
 *   inputs change)
 */
export function renderWorkload(node: SeiNode, platform: PlatformConfig): readonly KubeObject[] {
  let cache = caches.get(platform);
  if (!cache) {
    cache = new Map();
    caches.set(platform, cache);
  }
  const key = JSON.stringify(workloadRenderInputs(node));
  let entry = cache.get(key);
  if (entry) {
    hits++;
    cache.delete(key); // re-insert: Map order is the LRU order
  } else {
    misses++;
    try {
      entry = { manifests: deepFreeze(renderSeiNodeWorkload(node, platform)) };
    } catch (error) {
      entry = { error };
    }
    if (cache.size >= RENDER_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, entry);
  if (entry.error !== undefined) throw entry.error;
  return entry.manifests as readonly KubeObject[];
}

/** Hits and misses since start (tests, benchmarks). */
export function renderCacheStats(): { hits: number; misses: number } {
  return { hits, misses };
}
