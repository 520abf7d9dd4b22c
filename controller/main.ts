/**
 * sei-k8s-controller entry point: `node dist/controller.js [flags]` (see `--help` and README).
 * Reads the platform configuration from `SEI_*` env vars (every problem reported at once, exit 1),
 * connects with the given or default kubeconfig, runs the controllers until SIGTERM/SIGINT, then
 * drains in-flight reconciles and exits 0. With `--leader-elect` only the holder of the Lease
 * reconciles; it releases the Lease on SIGTERM (immediate hand-over) and exits 1 if it loses it.
 */
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { startController } from './app';
import { PlatformConfigError, platformConfigFromEnv } from './config/platform-env';
import { KubeClient } from './kube/client';
import { HttpSidecarClientFactory } from './sidecar/factory';
import { DEFAULT_TOKEN_PATH, FileTokenSource, NO_TOKEN } from './sidecar/token';
import { DEFAULT_SIDECAR_URL_TEMPLATE } from './sidecar/url';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const program = new Command('sei-k8s-controller')
  .description('Kubernetes controller for Sei blockchain nodes (SeiNode, SeiNodeDeployment)')
  .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster, $KUBECONFIG, ~/.kube/config)')
  .option('--namespace <ns>', 'watch only this namespace (default: all namespaces)')
  .option('--concurrency <n>', 'parallel reconciles per controller', positiveInt, 4)
  .option('--metrics-bind-address <addr>', 'Prometheus metrics address; 0 disables', ':8080')
  .option('--health-probe-bind-address <addr>', '/healthz and /readyz address; 0 disables', ':8081')
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error'])
      .default('info'),
  )
  .option(
    '--sidecar-url-template <template>',
    'sidecar base URL template ({scheme}, {name}, {namespace}, {port}); env SEI_SIDECAR_URL_TEMPLATE',
    process.env.SEI_SIDECAR_URL_TEMPLATE ?? DEFAULT_SIDECAR_URL_TEMPLATE,
  )
  .option(
    '--sidecar-token-file <path>',
    'bearer token presented to kube-rbac-proxy ("" for none)',
    DEFAULT_TOKEN_PATH,
  )
  .option(
    '--rollout-progress-deadline <seconds>',
    'report a SeiNodeDeployment rollout that has not converged after this long',
    positiveInt,
    1800,
  )
  .option(
    '--shutdown-grace <seconds>',
    'how long in-flight reconciles may finish on SIGTERM',
    positiveInt,
    25,
  )
  .option('--leader-elect', 'run controllers only while holding the leader Lease (HA replicas)', false)
  .option(
    '--leader-election-namespace <ns>',
    'namespace of the leader Lease (default: $POD_NAMESPACE or sei-k8s-controller-system)',
  )
  .option('--lease-name <name>', 'name of the leader Lease', 'sei-k8s-controller');

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{
    kubeconfig?: string;
    namespace?: string;
    concurrency: number;
    healthProbeBindAddress: string;
    metricsBindAddress: string;
    logLevel: string;
    shutdownGrace: number;
    sidecarUrlTemplate: string;
    sidecarTokenFile: string;
    rolloutProgressDeadline: number;
    leaderElect: boolean;
    leaderElectionNamespace?: string;
    leaseName: string;
  }>();
  const log = pino({ level: flags.logLevel, base: { controller: 'sei-k8s-controller' } });

  let platform: ReturnType<typeof platformConfigFromEnv>;
  try {
    platform = platformConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof PlatformConfigError) {
      process.stderr.write(`sei-k8s-controller: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const client = KubeClient.fromKubeconfig(flags.kubeconfig, { fieldManager: 'sei-k8s-controller' });
  const running = await startController({
    client,
    platform,
    log,
    namespace: flags.namespace,
    concurrency: flags.concurrency,
    healthBindAddress: flags.healthProbeBindAddress,
    metricsBindAddress: flags.metricsBindAddress,
    rolloutDeadlineMs: flags.rolloutProgressDeadline * 1000,
    leaderElection: flags.leaderElect
      ? {
          namespace:
            flags.leaderElectionNamespace || process.env.POD_NAMESPACE || 'sei-k8s-controller-system',
          name: flags.leaseName,
          identity: process.env.POD_NAME || `${hostname()}_${process.pid}`,
        }
      : undefined,
    sidecars: new HttpSidecarClientFactory({
      urlTemplate: flags.sidecarUrlTemplate,
      tokenSource: flags.sidecarTokenFile ? new FileTokenSource({ path: flags.sidecarTokenFile }) : NO_TOKEN,
    }),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running
      .stop(flags.shutdownGrace * 1000)
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      });
  };
  // Leadership lost: the controllers are already stopped and cannot restart; exit non-zero so the
  // pod restarts and campaigns again as a standby.
  void running.leadershipLost.then(() => {
    if (stopping) return;
    stopping = true;
    log.error('leader election lost; exiting');
    running
      .stop(0)
      .catch(() => {})
      .finally(() => process.exit(1));
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`sei-k8s-controller: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
