import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { nodeMode, type SeiNode } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import {
  CONTAINER,
  COSMOS_EXPORTER_PORT,
  DATA_DIR,
  DEFAULT_SIDECAR_PORT,
  NODE_KEY_FILE,
  NODE_PORTS,
  NONROOT_UID,
  RBAC_PROXY_PORT,
  SIGNING_KEY_FILE,
} from './names';

/**
 * Everything the container builders need, derived once from (SeiNode, PlatformConfig).
 */
export interface NodePodContext {
  readonly node: SeiNode;
  readonly name: string;
  readonly platform: PlatformConfig;
  /** `spec.sidecar.port` or 7777. */
  readonly sidecarPort: number;
  /** kube-rbac-proxy serves TLS on 8443 (`spec.sidecar.tls`, seed #247). */
  readonly sidecarTls: boolean;
}

/** Builds the {@link NodePodContext} of a node. */
export function nodePodContext(node: SeiNode, platform: PlatformConfig): NodePodContext {
  return {
    node,
    name: node.metadata.name ?? '',
    platform,
    sidecarPort: node.spec.sidecar?.port ?? DEFAULT_SIDECAR_PORT,
    sidecarTls: !!node.spec.sidecar?.tls,
  };
}

/**
 * Container security context for seid and seid-init: non-root 65532, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp. The root filesystem stays writable because seid
 * writes under $HOME paths outside the data volume on some images (reference §4.2).
 */
export const SEID_SECURITY_CONTEXT: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: NONROOT_UID,
  group: NONROOT_UID,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Security context of the sidecar, proxy and exporter: as {@link SEID_SECURITY_CONTEXT} plus a read-only root fs. */
export const SIDECAR_SECURITY_CONTEXT: kplus.ContainerSecurityContextProps = {
  ...SEID_SECURITY_CONTEXT,
  readOnlyRootFilesystem: true,
};

/** `seid-init`: `seid init` once (when no genesis.json exists yet), then `mkdir $HOME/tmp`. */
export function seidInitContainer(ctx: NodePodContext, data: kplus.Volume): kplus.ContainerProps {
  return {
    name: CONTAINER.seidInit,
    image: ctx.node.spec.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: ['/bin/sh', '-c'],
    args: [seidInitScript(ctx.node.spec.chainId)],
    envVariables: { HOME: kplus.EnvValue.fromValue(DATA_DIR) },
    volumeMounts: [{ path: DATA_DIR, volume: data }],
    securityContext: SEID_SECURITY_CONTEXT,
    resources: {},
  };
}

/**
 * `sei-sidecar`: the seictl sidecar as a restartable init container (`restartPolicy: Always`), so it
 * runs before seid and for the pod's whole life. It binds loopback behind kube-rbac-proxy
 * (trusted-header authn). Validators get keyring env; only this container may see the operator
 * keyring and its passphrase (reference §4.2).
 */
export function sidecarContainer(
  scope: Construct,
  ctx: NodePodContext,
  volumes: { data: kplus.Volume; tmp: kplus.Volume; operatorKeyring?: kplus.Volume },
): kplus.ContainerProps {
  const { node, platform } = ctx;
  const env: Record<string, kplus.EnvValue> = {
    SEI_CHAIN_ID: kplus.EnvValue.fromValue(node.spec.chainId),
    SEI_SIDECAR_PORT: kplus.EnvValue.fromValue(String(ctx.sidecarPort)),
    SEI_HOME: kplus.EnvValue.fromValue(DATA_DIR),
    SEI_GENESIS_BUCKET: kplus.EnvValue.fromValue(platform.genesisBucket),
    SEI_GENESIS_REGION: kplus.EnvValue.fromValue(platform.genesisRegion),
    SEI_SNAPSHOT_BUCKET: kplus.EnvValue.fromValue(platform.snapshotBucket),
    SEI_SNAPSHOT_REGION: kplus.EnvValue.fromValue(platform.snapshotRegion),
    SEI_SIDECAR_AUTHN_MODE: kplus.EnvValue.fromValue('trusted-header'),
  };
  const validator = node.spec.validator;
  const keyring = validator?.operatorKeyring?.secret;
  if (validator) {
    env.SEI_KEYRING_BACKEND = kplus.EnvValue.fromValue(keyring ? 'file' : 'test');
    env.SEI_KEYRING_DIR = kplus.EnvValue.fromValue(DATA_DIR);
    if (keyring) {
      env.SEI_KEYRING_PASSPHRASE = kplus.EnvValue.fromSecretValue({
        secret: kplus.Secret.fromSecretName(
          scope,
          'passphrase-secret',
          keyring.passphraseSecretRef.secretName,
        ),
        key: keyring.passphraseSecretRef.key,
      });
    }
  }
  const mounts: kplus.VolumeMount[] = [
    { path: DATA_DIR, volume: volumes.data },
    { path: '/tmp', volume: volumes.tmp },
  ];
  if (volumes.operatorKeyring) {
    mounts.push({ path: `${DATA_DIR}/keyring-file`, volume: volumes.operatorKeyring, readOnly: true });
  }
  return {
    name: CONTAINER.sidecar,
    image: node.spec.sidecar?.image ?? platform.sidecarImage,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    restartPolicy: kplus.ContainerRestartPolicy.ALWAYS,
    command: ['seictl', 'serve'],
    ports: [{ number: ctx.sidecarPort, name: 'sidecar', protocol: kplus.Protocol.TCP }],
    envVariables: env,
    volumeMounts: mounts,
    securityContext: SIDECAR_SECURITY_CONTEXT,
    resources: {},
  };
}

/**
 * kube-rbac-proxy's arguments: listen on {@link RBAC_PROXY_PORT} (https with the certificate in
 * {@link RBAC_PROXY_TLS_DIR} when `tls`, else plain http), forward to the sidecar on loopback
 * `sidecarPort`, and let health, liveness, startup and metrics paths bypass authorization.
 */
export function rbacProxyArgs(sidecarPort: number, tls: boolean): string[] {
  return [
    ...(tls
      ? [
          `--secure-listen-address=0.0.0.0:${RBAC_PROXY_PORT}`,
          `--tls-cert-file=${RBAC_PROXY_TLS_DIR}/tls.crt`,
          `--tls-private-key-file=${RBAC_PROXY_TLS_DIR}/tls.key`,
          '--tls-min-version=VersionTLS12',
        ]
      : [`--insecure-listen-address=0.0.0.0:${RBAC_PROXY_PORT}`]),
    `--upstream=http://127.0.0.1:${sidecarPort}/`,
    '--config-file=/etc/kube-rbac-proxy/config.yaml',
    '--ignore-paths=/v0/healthz,/v0/startupz,/v0/livez,/v0/metrics',
    '--auth-header-fields-enabled=true',
    '--v=0',
  ];
}

/**
 * `kube-rbac-proxy`: authenticates callers of the sidecar API (TokenReview/SubjectAccessReview)
 * and forwards to the sidecar on loopback; health, liveness, startup and metrics paths bypass it.
 */
export function rbacProxyContainer(
  ctx: NodePodContext,
  config: kplus.Volume,
  tls?: kplus.Volume,
): kplus.ContainerProps {
  const scheme = tls ? kplus.ConnectionScheme.HTTPS : kplus.ConnectionScheme.HTTP;
  return {
    name: CONTAINER.rbacProxy,
    image: ctx.platform.kubeRbacProxyImage,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    restartPolicy: kplus.ContainerRestartPolicy.ALWAYS,
    args: rbacProxyArgs(ctx.sidecarPort, !!tls),
    ports: [{ number: RBAC_PROXY_PORT, name: 'api', protocol: kplus.Protocol.TCP }],
    volumeMounts: [
      { path: '/etc/kube-rbac-proxy', volume: config, readOnly: true },
      ...(tls ? [{ path: RBAC_PROXY_TLS_DIR, volume: tls, readOnly: true }] : []),
    ],
    startup: kplus.Probe.fromTcpSocket({
      port: RBAC_PROXY_PORT,
      initialDelaySeconds: Duration.seconds(5),
      periodSeconds: Duration.seconds(5),
      failureThreshold: 60,
    }),
    liveness: kplus.Probe.fromHttpGet('/v0/livez', {
      port: RBAC_PROXY_PORT,
      scheme,
      initialDelaySeconds: Duration.seconds(5),
      periodSeconds: Duration.seconds(10),
      failureThreshold: 3,
    }),
    readiness: kplus.Probe.fromHttpGet('/v0/healthz', {
      port: RBAC_PROXY_PORT,
      scheme,
      initialDelaySeconds: Duration.seconds(2),
      periodSeconds: Duration.seconds(5),
      failureThreshold: 6,
    }),
    securityContext: SIDECAR_SECURITY_CONTEXT,
    resources: {},
  };
}

/** Where kube-rbac-proxy reads its serving certificate when the sidecar API is on TLS. */
export const RBAC_PROXY_TLS_DIR = '/etc/kube-rbac-proxy/tls';

/**
 * The seid-init script: `seid init` for chain `chainId` unless `$HOME/config/genesis.json` already
 * exists (a restarted pod keeps its data), then creates `$HOME/tmp`.
 */
export function seidInitScript(chainId: string): string {
  return [
    'set -e',
    'if [ -f "$HOME/config/genesis.json" ]; then',
    '  echo "genesis.json present, skipping seid init"',
    'else',
    `  seid init '${chainId}' --chain-id '${chainId}' --home "$HOME" --overwrite`,
    'fi',
    'mkdir -p "$HOME/tmp"',
  ].join('\n');
}

/**
 * The seid start wrapper: wait until the sidecar's `/v0/healthz` answers 200 (after mark-ready),
 * then exec `seid start`. Each probe runs in a subshell so a refused connection never kills the
 * script.
 */
export function seidStartScript(sidecarPort: number, extraArgs: readonly string[] = []): string {
  const args = ['start', '--home', '"$HOME"', ...extraArgs].join(' ');
  return [
    'set -u',
    `until ( exec 3<>/dev/tcp/127.0.0.1/${sidecarPort} && printf 'GET /v0/healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200' ); do`,
    '  echo "waiting for the sidecar to mark this node ready"; sleep 5',
    'done',
    `exec seid ${args}`,
  ].join('\n');
}

/** `seid`: the node itself; key Secrets mounted read-only over their config paths (validators only). */
export function seidContainer(
  ctx: NodePodContext,
  volumes: { data: kplus.Volume; signingKey?: kplus.Volume; nodeKey?: kplus.Volume },
): kplus.ContainerProps {
  const mounts: kplus.VolumeMount[] = [{ path: DATA_DIR, volume: volumes.data }];
  if (volumes.signingKey) {
    mounts.push({
      path: `${DATA_DIR}/config/${SIGNING_KEY_FILE}`,
      volume: volumes.signingKey,
      subPath: SIGNING_KEY_FILE,
      readOnly: true,
    });
  }
  if (volumes.nodeKey) {
    mounts.push({
      path: `${DATA_DIR}/config/${NODE_KEY_FILE}`,
      volume: volumes.nodeKey,
      subPath: NODE_KEY_FILE,
      readOnly: true,
    });
  }
  return {
    name: CONTAINER.seid,
    image: ctx.node.spec.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: ['/bin/bash', '-c'],
    args: [seidStartScript(ctx.sidecarPort)],
    envVariables: {
      HOME: kplus.EnvValue.fromValue(DATA_DIR),
      TMPDIR: kplus.EnvValue.fromValue(`${DATA_DIR}/tmp`),
    },
    ports: NODE_PORTS.map((p) => ({ number: p.port, name: p.name, protocol: kplus.Protocol.TCP })),
    volumeMounts: mounts,
    startup: kplus.Probe.fromHttpGet('/v0/healthz', {
      port: RBAC_PROXY_PORT,
      scheme: ctx.sidecarTls ? kplus.ConnectionScheme.HTTPS : kplus.ConnectionScheme.HTTP,
      initialDelaySeconds: Duration.seconds(5),
      periodSeconds: Duration.seconds(5),
      failureThreshold: 86400,
    }),
    readiness: kplus.Probe.fromHttpGet('/lag_status', {
      port: 26657,
      initialDelaySeconds: Duration.seconds(30),
      periodSeconds: Duration.seconds(10),
      failureThreshold: 3,
      timeoutSeconds: Duration.seconds(5),
    }),
    securityContext: SEID_SECURITY_CONTEXT,
    resources: {},
  };
}

/** seid resource requests by mode: archive or default, requests only (no limits) — reference §4.2. */
export function seidResources(ctx: NodePodContext): { requests: Record<string, string> } {
  const archive = nodeMode(ctx.node.spec) === 'archive';
  return {
    requests: archive
      ? { cpu: ctx.platform.resourceCpuArchive, memory: ctx.platform.resourceMemArchive }
      : { cpu: ctx.platform.resourceCpuDefault, memory: ctx.platform.resourceMemDefault },
  };
}

/** `cosmos-exporter`: chain metrics on :9300 once seid's gRPC (9090) is up. */
export function cosmosExporterContainer(ctx: NodePodContext, tmp: kplus.Volume): kplus.ContainerProps {
  return {
    name: CONTAINER.cosmosExporter,
    image: ctx.platform.cosmosExporterImage,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: ['/bin/bash', '-c'],
    args: [
      [
        'until ( exec 3<>/dev/tcp/127.0.0.1/9090 ); do sleep 5; done',
        `exec /usr/local/bin/sei-cosmos-exporter "--denom" "usei" "--denom-coefficient" "1000000" "--bech-prefix" "sei" "--listen-address" ":${COSMOS_EXPORTER_PORT}"`,
      ].join('\n'),
    ],
    ports: [{ number: COSMOS_EXPORTER_PORT, name: 'cosmos-metrics', protocol: kplus.Protocol.TCP }],
    volumeMounts: [{ path: '/tmp', volume: tmp }],
    readiness: kplus.Probe.fromTcpSocket({
      port: COSMOS_EXPORTER_PORT,
      periodSeconds: Duration.seconds(10),
      failureThreshold: 6,
    }),
    liveness: kplus.Probe.fromTcpSocket({
      port: COSMOS_EXPORTER_PORT,
      initialDelaySeconds: Duration.seconds(600),
      periodSeconds: Duration.seconds(10),
      failureThreshold: 3,
    }),
    securityContext: SIDECAR_SECURITY_CONTEXT,
    resources: {},
  };
}

/** cosmos-exporter resources: requests 50m / 64Mi, memory limit 384Mi (reference §4.2). */
export const COSMOS_EXPORTER_RESOURCES = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { memory: '384Mi' },
};
