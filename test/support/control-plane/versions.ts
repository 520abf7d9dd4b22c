import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Pinned upstream versions of the test control plane. Changing one of these changes the cache key,
 * so a new pair of binaries is built next to (not over) the old one.
 */
export const KUBERNETES_VERSION = 'v1.34.4';
/** The `k8s.io/*` staging modules of {@link KUBERNETES_VERSION} are published as `v0.<minor>.<patch>`. */
export const KUBERNETES_STAGING_VERSION = 'v0.34.4';
export const ETCD_VERSION = 'v3.6.4';

/** Directory name under `<cache>/control-plane/` that holds one pinned pair of binaries. */
export const CONTROL_PLANE_CACHE_KEY = `k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}`;

/**
 * Root of this project's test cache.
 *
 * Resolution: `$SEI_TEST_CACHE_DIR`, else `$XDG_CACHE_HOME/sei-k8s-controller`, else
 * `~/.cache/sei-k8s-controller`. Always outside the repository; never created here.
 *
 * @param env - environment to read (defaults to `process.env`).
 * @returns an absolute directory path.
 */
export function testCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEI_TEST_CACHE_DIR) return env.SEI_TEST_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'sei-k8s-controller');
}

/**
 * Directory that holds the cached `kube-apiserver` and `etcd` for the pinned versions:
 * `<testCacheRoot>/control-plane/k8s-v1.34.4-etcd-v3.6.4`.
 *
 * @param env - environment to read (defaults to `process.env`).
 */
export function controlPlaneCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(testCacheRoot(env), 'control-plane', CONTROL_PLANE_CACHE_KEY);
}
