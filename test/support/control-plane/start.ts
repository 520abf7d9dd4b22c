import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { type ControlPlaneBinaries, resolveControlPlaneBinaries, stderrLog } from './binaries.js';
import type { ProgressLog } from './go-build.js';
import { writeAdminKubeconfig } from './kubeconfig.js';
import { type OrphanReaper, startOrphanReaper } from './orphan-reaper.js';
import { freePort } from './ports.js';
import { httpGet, pollUntil } from './probe.js';
import { type ManagedProcess, startProcess } from './process.js';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Executables to run. Default: {@link resolveControlPlaneBinaries} (may build them once). */
  binaries?: ControlPlaneBinaries;
  /** Budget for etcd + kube-apiserver to become ready. Default 120 000 ms. */
  startTimeoutMs?: number;
  /** Appended to the kube-apiserver command line (later flags win). */
  extraApiServerArgs?: string[];
  /** Progress sink. Default: `[control-plane] …` on stderr. */
  log?: ProgressLog;
  /**
   * Keep the temp dir (logs, etcd data, certs) after `stop()` for debugging.
   * Default: `true` only when `SEI_TEST_KEEP_CONTROL_PLANE=1`.
   */
  keepTempDir?: boolean;
}

/** A running kube-apiserver + etcd pair on 127.0.0.1. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** Admin kubeconfig file (token auth, `system:masters`, CA inlined). */
  kubeconfigPath: string;
  /** The same kubeconfig, loaded. */
  kubeConfig: KubeConfig;
  /** Bearer token of the admin user (`system:masters`). */
  adminToken: string;
  /** PEM bundle that verifies the API server (its self-signed `apiserver.crt`). */
  caPem: string;
  /** Temp dir holding logs (`etcd.log`, `kube-apiserver.log`), data, certs and keys. */
  dir: string;
  /**
   * Stops kube-apiserver, then etcd (SIGTERM, SIGKILL after 5 s) and removes the temp dir.
   * Idempotent: later calls return the first call's promise.
   */
  stop(): Promise<void>;
}

/** Service account issuer the API server is configured with (also its default audience). */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Service CIDR of the test API server. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

/**
 * Starts a real etcd and kube-apiserver on random free ports of 127.0.0.1, in a fresh temp dir.
 *
 * - etcd: single member, `--unsafe-no-fsync` (test data only).
 * - kube-apiserver: serving cert self-signed into `--cert-dir`; static token file with an admin
 *   in `system:masters`; `--authorization-mode=RBAC` (so tests can impersonate ServiceAccounts and
 *   prove permissions); service-account key pair generated with node:crypto; service CIDR
 *   {@link SERVICE_CLUSTER_IP_RANGE}; `--allow-privileged`; the `ServiceAccount` admission plugin is
 *   disabled because no controller-manager creates the `default` ServiceAccount (Pods can be created
 *   directly without one); the endpoint reconciler is off (127.0.0.1 is not a valid endpoint).
 *
 * There is no controller-manager, scheduler or kubelet: no garbage collection, namespace deletion
 * never finishes, Pods never run. See `test/support/kubelet-stand-in.ts` for StatefulSets.
 *
 * Resolves once `/readyz` is OK and the `default` namespace exists. Processes die with this
 * process even on SIGKILL (a detached reaper watches it).
 *
 * @throws Error with the tail of the failing process's log when etcd or kube-apiserver exits or
 *   does not become ready within `startTimeoutMs`; binary resolution errors are passed through.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? stderrLog;
  const binaries = opts.binaries ?? (await resolveControlPlaneBinaries({ log }));
  const keep = opts.keepTempDir ?? process.env.SEI_TEST_KEEP_CONTROL_PLANE === '1';
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binaries, opts, log, keep);
    } catch (err) {
      lastError = err;
      // Ports are picked before binding; another process can win the race. Retry only that.
      if (!/address already in use/i.test(String(err))) throw err;
      log(`port collision on start attempt ${attempt}, retrying`);
    }
  }
  throw lastError;
}

async function startOnce(
  binaries: ControlPlaneBinaries,
  opts: ControlPlaneOptions,
  log: ProgressLog,
  keep: boolean,
): Promise<ControlPlane> {
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1000, deadline - Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'sei-control-plane-'));
  const reaper = startOrphanReaper(keep ? [] : [dir]);
  installExitHook();
  const procs: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const proc of [...procs].reverse()) {
        await proc.stop(5000);
        live.delete(proc);
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
      reaper.dismiss();
    })();
    return stopping;
  };

  try {
    const used = new Set<number>();
    const take = async () => {
      const port = await freePort(used);
      used.add(port);
      return port;
    };
    const etcdClientPort = await take();
    const etcdPeerPort = await take();
    const apiPort = await take();

    const etcd = await launch(
      'etcd',
      binaries.etcd,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClientPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      dir,
      procs,
      reaper,
    );
    await pollUntil(
      'etcd /health',
      async () => {
        failIfExited(etcd);
        const res = await httpGet(`http://127.0.0.1:${etcdClientPort}/health`, { timeoutMs: 2000 }).catch(
          () => undefined,
        );
        return res?.status === 200 && res.body.includes('"true"') ? true : undefined;
      },
      { timeoutMs: remaining(), context: () => logContext(etcd) },
    );

    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},sei-test-admin,sei-test-admin,"system:masters"\n`, {
      mode: 0o600,
    });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const saPub = join(dir, 'service-account.pub');
    const saKey = join(dir, 'service-account.key');
    writeFileSync(saPub, publicKey);
    writeFileSync(saKey, privateKey, { mode: 0o600 });
    const certDir = join(dir, 'apiserver-certs');
    mkdirSync(certDir);

    const apiserver = await launch(
      'kube-apiserver',
      binaries.kubeApiserver,
      [
        `--etcd-servers=http://127.0.0.1:${etcdClientPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--endpoint-reconciler-type=none',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        ...(opts.extraApiServerArgs ?? []),
      ],
      dir,
      procs,
      reaper,
    );

    const caPath = join(certDir, 'apiserver.crt');
    const caPem = await pollUntil(
      'kube-apiserver to write its self-signed certificate',
      async () => {
        failIfExited(apiserver);
        return existsSync(caPath) ? readFileSync(caPath, 'utf8') || undefined : undefined;
      },
      { timeoutMs: remaining(), context: () => logContext(apiserver) },
    );
    const url = `https://127.0.0.1:${apiPort}`;
    let lastProbe = '';
    await pollUntil(
      'kube-apiserver /readyz',
      async () => {
        failIfExited(apiserver);
        try {
          const res = await httpGet(`${url}/readyz`, { ca: caPem, token: adminToken, timeoutMs: 5000 });
          lastProbe = `HTTP ${res.status}: ${res.body.slice(0, 2000)}`;
          return res.status === 200 ? true : undefined;
        } catch (err) {
          lastProbe = String(err);
          return undefined;
        }
      },
      {
        timeoutMs: remaining(),
        intervalMs: 200,
        context: () => `last probe: ${lastProbe}\n${logContext(apiserver)}`,
      },
    );
    await pollUntil(
      'the default namespace',
      async () => {
        failIfExited(apiserver);
        const res = await httpGet(`${url}/api/v1/namespaces/default`, { ca: caPem, token: adminToken }).catch(
          () => undefined,
        );
        return res?.status === 200 ? true : undefined;
      },
      { timeoutMs: remaining(), intervalMs: 200, context: () => logContext(apiserver) },
    );

    const kubeconfigPath = join(dir, 'kubeconfig.yaml');
    const kubeConfig = writeAdminKubeconfig(kubeconfigPath, { server: url, caPem, token: adminToken });
    log(`control plane ready at ${url} (kubeconfig ${kubeconfigPath}; binaries from ${binaries.source})`);
    return { url, kubeconfigPath, kubeConfig, adminToken, caPem, dir, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

async function launch(
  name: string,
  bin: string,
  args: string[],
  dir: string,
  procs: ManagedProcess[],
  reaper: OrphanReaper,
): Promise<ManagedProcess> {
  const proc = await startProcess(name, bin, args, { logPath: join(dir, `${name}.log`), cwd: dir });
  procs.push(proc);
  live.add(proc);
  reaper.watchPid(proc.pid);
  return proc;
}

function failIfExited(proc: ManagedProcess): void {
  if (proc.hasExited()) throw new Error(`${proc.name} exited during start-up\n${logContext(proc)}`);
}

function logContext(proc: ManagedProcess): string {
  return `--- last lines of ${proc.logPath} ---\n${proc.logTail(40)}`;
}

/** On a normal exit of this process, kill whatever is still running (synchronously). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of live) {
      if (proc.hasExited()) continue;
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}
