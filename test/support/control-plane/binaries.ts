import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { buildEtcd, buildKubeApiserver, findGo, goVersion, type ProgressLog } from './go-build.js';
import { controlPlaneCacheDir, ETCD_VERSION, KUBERNETES_VERSION } from './versions.js';

/** Absolute paths of the two control-plane executables and where they came from. */
export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  /** `KUBEBUILDER_ASSETS` (explicit override), `cache` (already built) or `built` (built just now). */
  source: 'KUBEBUILDER_ASSETS' | 'cache' | 'built';
}

/** Options of {@link resolveControlPlaneBinaries}. */
export interface ResolveBinariesOptions {
  /** Environment to read `KUBEBUILDER_ASSETS` / cache variables from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Progress sink. Default: prefixed lines on stderr. */
  log?: ProgressLog;
}

/** Default progress sink: `[control-plane] …` lines on stderr. */
export const stderrLog: ProgressLog = (line) => {
  process.stderr.write(`[control-plane] ${line}\n`);
};

/**
 * Returns a `kube-apiserver` and an `etcd` to run, building them once if necessary.
 *
 * 1. `KUBEBUILDER_ASSETS` set: it must be a directory containing executable `kube-apiserver` and
 *    `etcd` (the standard envtest layout); nothing is built.
 * 2. Otherwise the pinned versions ({@link KUBERNETES_VERSION}, {@link ETCD_VERSION}) are taken from
 *    {@link controlPlaneCacheDir}, and any missing one is built there with the machine's Go toolchain
 *    (see `go-build.ts`). Builds run in a scratch directory and are renamed into place, under a lock
 *    file, so concurrent callers (vitest global setup, `npm run demo`) never build twice or see a
 *    half-written binary.
 *
 * @throws Error when `KUBEBUILDER_ASSETS` is set but incomplete, when no Go toolchain is found, or
 *   when a build fails (with the tail of go's output).
 */
export async function resolveControlPlaneBinaries(
  opts: ResolveBinariesOptions = {},
): Promise<ControlPlaneBinaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? stderrLog;

  const assets = env.KUBEBUILDER_ASSETS;
  if (assets) {
    const found = { kubeApiserver: join(assets, 'kube-apiserver'), etcd: join(assets, 'etcd') };
    const missing = Object.values(found).filter((p) => !isExecutable(p));
    if (missing.length > 0) {
      throw new Error(`KUBEBUILDER_ASSETS=${assets} does not contain executable ${missing.join(' and ')}`);
    }
    return { ...found, source: 'KUBEBUILDER_ASSETS' };
  }

  const dir = controlPlaneCacheDir(env);
  const target = { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
  if (isExecutable(target.kubeApiserver) && isExecutable(target.etcd)) return { ...target, source: 'cache' };

  mkdirSync(dir, { recursive: true });
  return withFileLock(
    join(dir, '.build.lock'),
    async () => {
      // Another process may have finished the build while we waited for the lock.
      if (isExecutable(target.kubeApiserver) && isExecutable(target.etcd))
        return { ...target, source: 'cache' };
      const go = findGo(env);
      const version = await goVersion(go, env);
      log(
        `building the test control plane (kube-apiserver ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}) with ${go} ` +
          `(${version}) into ${dir}. First run only; expect several minutes on a small machine.`,
      );
      const started = Date.now();
      const timings: Record<string, number> = {};
      if (!isExecutable(target.etcd)) {
        const t = Date.now();
        await buildInto(dir, 'etcd', (workDir, outFile) => buildEtcd({ go, workDir, outFile, log, env }));
        timings.etcdSeconds = Math.round((Date.now() - t) / 1000);
      }
      if (!isExecutable(target.kubeApiserver)) {
        const t = Date.now();
        await buildInto(dir, 'kube-apiserver', (workDir, outFile) =>
          buildKubeApiserver({ go, workDir, outFile, log, env }),
        );
        timings.kubeApiserverSeconds = Math.round((Date.now() - t) / 1000);
      }
      writeFileSync(
        join(dir, 'BUILD-INFO.json'),
        `${JSON.stringify({ kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, go: version, builtAt: new Date().toISOString(), ...timings }, null, 2)}\n`,
      );
      log(`control plane binaries ready in ${Math.round((Date.now() - started) / 1000)} s`);
      return { ...target, source: 'built' as const };
    },
    { onWait: (holder) => log(`waiting for another build of the control plane (lock held by ${holder})`) },
  );
}

/** Builds into a scratch dir under `dir`, then atomically renames the binary to `dir/name`. */
async function buildInto(
  dir: string,
  name: string,
  build: (workDir: string, outFile: string) => Promise<void>,
): Promise<void> {
  const scratch = mkdtempSync(join(dir, `.build-${name}-`));
  try {
    const workDir = join(scratch, 'module');
    mkdirSync(workDir);
    const outFile = join(scratch, name);
    await build(workDir, outFile);
    if (!isExecutable(outFile)) throw new Error(`go build reported success but ${outFile} is not executable`);
    renameSync(outFile, join(dir, name));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
