import { App } from 'cdk8s';
import { pino } from 'pino';
import { InstallChart } from '../../charts/install-chart';
import { EXAMPLE_PLATFORM_CONFIG, type PlatformConfig } from '../../constructs/platform-config';
import { type LeaderElectionConfig, type RunningController, startController } from '../../controller/app';
import { KubeClient } from '../../controller/kube/client';
import { AlreadyExistsError } from '../../controller/kube/errors';
import { findResource, Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import type { RetryBackoff } from '../../controller/planner/executor';
import { HttpSidecarClientFactory } from '../../controller/sidecar/factory';
import { NO_TOKEN } from '../../controller/sidecar/token';
import { recordRbacUsage } from './rbac-usage';

/** Namespace and ServiceAccount of the controller as the install chart declares them. */
export const CONTROLLER_NAMESPACE = 'sei-k8s-controller-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'sei-k8s-controller';

/**
 * Installs the identity and RBAC of the synthesized install chart (Namespace, ServiceAccount,
 * ClusterRole(Binding), leader-election Role(Binding)) — exactly what `npm run synth` emits —
 * with server-side apply. Idempotent.
 */
export async function installControllerRbac(admin: KubeClient): Promise<void> {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new InstallChart(app, 'install', { platform: EXAMPLE_PLATFORM_CONFIG });
  const kinds = new Set([
    'Namespace',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
  ]);
  for (const obj of chart.toJson() as KubeObject[]) {
    if (!kinds.has(obj.kind ?? '')) continue;
    const resource = findResource(obj.apiVersion ?? '', obj.kind ?? '') ?? rbacResource(obj.kind ?? '');
    await admin.apply(resource, obj, { force: true });
  }
}

function rbacResource(kind: string) {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    plural,
    namespaced: kind === 'Role' || kind === 'RoleBinding',
  };
}

/** Creates a namespace (no error when it exists). */
export async function ensureNamespace(admin: KubeClient, name: string): Promise<void> {
  try {
    await admin.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/**
 * Starts the real controller in-process, authenticated as the synthesized ServiceAccount
 * (impersonation): a permission missing from the install chart fails the test.
 */
export async function startControllerAsServiceAccount(
  admin: KubeClient,
  opts: {
    namespace?: string;
    platform?: PlatformConfig;
    logLevel?: string;
    healthBindAddress?: string;
    /** Base URL template of the sidecars (the simulator's). */
    sidecarUrlTemplate: string;
    /** Base URL template of sidecars on TLS (the TLS proxy stand-in's). @default sidecarUrlTemplate */
    sidecarTlsUrlTemplate?: string;
    /** @default 200 ms doubling to 2 s (fast tests) */
    retryBackoff?: RetryBackoff;
    /** @default 1000 */
    probeIntervalMs?: number;
    /** @default 1800000 */
    rolloutDeadlineMs?: number;
    /** Records the controller's requests for the RBAC usage report. */
    rbacUsagePath?: string;
    /** Where JSON logs go. @default stdout */
    logStream?: NodeJS.WritableStream;
    /** @default '10.0.0.10' (inside the example SEI_VPC_CIDR) */
    controllerPodIp?: string;
    /** @default every host resolves (no DNS in tests) */
    resolveHost?: (host: string) => Promise<boolean>;
    /** Leader election (the chart's Role grants leases in {@link CONTROLLER_NAMESPACE}). @default none */
    leaderElection?: LeaderElectionConfig;
  },
): Promise<RunningController> {
  await installControllerRbac(admin);
  const client = new KubeClient(admin.kubeConfig, {
    fieldManager: 'sei-k8s-controller',
    impersonate: { user: `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}` },
    ...(opts.rbacUsagePath ? { observers: [recordRbacUsage(opts.rbacUsagePath)] } : {}),
  });
  return startController({
    client,
    platform: opts.platform ?? EXAMPLE_PLATFORM_CONFIG,
    log: pino(
      { level: opts.logLevel ?? process.env.SEI_TEST_LOG_LEVEL ?? 'silent' },
      opts.logStream ?? process.stdout,
    ),
    namespace: opts.namespace,
    concurrency: 4,
    healthBindAddress: opts.healthBindAddress,
    instance: 'local-controller',
    sidecars: new HttpSidecarClientFactory({
      urlTemplate: opts.sidecarUrlTemplate,
      ...(opts.sidecarTlsUrlTemplate ? { tlsUrlTemplate: opts.sidecarTlsUrlTemplate } : {}),
      tokenSource: NO_TOKEN,
      timeoutMs: 5_000,
    }),
    retryBackoff: opts.retryBackoff ?? { baseMs: 200, maxMs: 2_000 },
    probeIntervalMs: opts.probeIntervalMs ?? 1_000,
    rolloutDeadlineMs: opts.rolloutDeadlineMs,
    resolveHost: opts.resolveHost ?? (async () => true),
    controllerPodIp: opts.controllerPodIp ?? '10.0.0.10',
    leaderElection: opts.leaderElection,
  });
}
