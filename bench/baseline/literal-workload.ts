/**
 * Benchmark baseline only (never used by the product): the manifests of
 * `renderSeiNodeWorkload(node, platform)` built as plain object literals, byte-identical to what the
 * cdk8s constructs synthesize (same key order — cdk8s sorts keys —, same values, same object
 * order). It reuses the constructs' pure helpers (names, labels, config hash, rbac-proxy YAML,
 * Secret guards) so the ratio measures what the construct tree costs, not what the shared logic does.
 *
 * Covered: the four modes, validator key Secrets, sidecar TLS, sidecar port/image/resources,
 * pod labels, paused, imported PVCs, owner references. The synth benchmark checks equality before
 * it times anything, and the smoke test checks it for every example and variant.
 */
import { nodeMode, type SeiNode } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import type { KubeObject } from '../../constructs/render';
import { ANNOTATION_CONFIG_HASH, configHashOf } from '../../constructs/seinode/config-intent';
import {
  COSMOS_EXPORTER_RESOURCES,
  RBAC_PROXY_TLS_DIR,
  rbacProxyArgs,
  seidInitScript,
  seidStartScript,
} from '../../constructs/seinode/containers';
import { dataVolumeStorage } from '../../constructs/seinode/data-pvc';
import { resourceLabels } from '../../constructs/seinode/labels';
import {
  ANNOTATION_DO_NOT_DISRUPT,
  COSMOS_EXPORTER_PORT,
  DATA_DIR,
  DEFAULT_SIDECAR_PORT,
  dataPvcName,
  LABEL_NODE,
  NODE_KEY_FILE,
  NODE_PORTS,
  NONROOT_UID,
  RBAC_PROXY_PORT,
  rbacProxyConfigMapName,
  SIGNING_KEY_FILE,
} from '../../constructs/seinode/names';
import { seiNodeOwnerReference } from '../../constructs/seinode/owner';
import { rbacProxyConfigYaml } from '../../constructs/seinode/rbac-proxy-config';
import { secretMountViolations } from '../../constructs/seinode/secret-guards';
import { sidecarTlsName } from '../../constructs/seinode/sidecar-certificate';

type Json = Record<string, unknown>;

/** Object with keys sorted (cdk8s emits sorted keys). Only for small maps (labels, resources). */
function sorted<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as T;
  return out;
}

function securityContext(readOnlyRootFilesystem: boolean): Json {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem,
    runAsGroup: NONROOT_UID,
    runAsNonRoot: true,
    runAsUser: NONROOT_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** ResourceRequirements as the StatefulSet's JSON patches add them (quantities as strings). */
function resources(req: {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
  claims?: unknown[];
}): Json {
  const q = (m: Record<string, string | number>) => {
    const out: Record<string, string | number> = {};
    for (const k of Object.keys(m).sort()) out[k] = m[k] as string | number;
    return out;
  };
  return {
    ...(req.claims ? { claims: req.claims } : {}),
    ...(req.limits ? { limits: q(req.limits) } : {}),
    ...(req.requests ? { requests: q(req.requests) } : {}),
  };
}

const httpProbe = (path: string, port: number, scheme: string) => ({ path, port, scheme });

/**
 * The object-literal twin of `renderSeiNodeWorkload`.
 *
 * @throws Error when the node has no name or a Secret mount guard is violated (as the constructs)
 */
export function literalSeiNodeWorkload(node: SeiNode, platform: PlatformConfig): KubeObject[] {
  const name = node.metadata.name;
  if (!name) throw new Error('SeiNodeWorkload: node.metadata.name is required');
  const namespace = node.metadata.namespace;
  const spec = node.spec;
  const owner = seiNodeOwnerReference(node);
  const labels = sorted(resourceLabels(node));
  const metadata = (objName: string): KubeObject['metadata'] => ({
    labels,
    name: objName,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(owner
      ? {
          ownerReferences: [
            {
              apiVersion: owner.apiVersion,
              blockOwnerDeletion: owner.blockOwnerDeletion,
              controller: owner.controller,
              kind: owner.kind,
              name: owner.name,
              uid: owner.uid,
            },
          ],
        }
      : {}),
  });
  const mode = nodeMode(spec);
  const archive = mode === 'archive';
  const imported = spec.dataVolume?.import?.pvcName;
  const claimName = imported ?? dataPvcName(name);
  const sidecarPort = spec.sidecar?.port ?? DEFAULT_SIDECAR_PORT;
  const tls = !!spec.sidecar?.tls;
  const scheme = tls ? 'HTTPS' : 'HTTP';
  const pool = archive ? platform.nodepoolArchive : platform.nodepoolName;
  const v = spec.validator;
  const signingKey = v?.signingKey?.secret?.secretName;
  const nodeKey = v?.nodeKey?.secret?.secretName;
  const keyring = v?.operatorKeyring?.secret;

  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(rbacProxyConfigMapName(name)),
    data: { 'config.yaml': rbacProxyConfigYaml(namespace ?? 'default', name) },
    immutable: false,
  };

  const storage = dataVolumeStorage(node, platform);
  const pvc: KubeObject | undefined = imported
    ? undefined
    : {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: metadata(dataPvcName(name)),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: storage.size } },
          storageClassName: storage.storageClassName,
        },
      };

  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name),
    spec: {
      clusterIP: 'None',
      ports: [
        ...NODE_PORTS.map((p) =>
          p.name === 'grpc'
            ? {
                appProtocol: 'kubernetes.io/h2c',
                name: p.name,
                port: p.port,
                protocol: 'TCP',
                targetPort: p.port,
              }
            : { name: p.name, port: p.port, protocol: 'TCP', targetPort: p.port },
        ),
        { name: 'api', port: RBAC_PROXY_PORT, protocol: 'TCP', targetPort: RBAC_PROXY_PORT },
      ],
      publishNotReadyAddresses: true,
      selector: { [LABEL_NODE]: name },
      type: 'ClusterIP',
    },
  };

  // Containers -------------------------------------------------------------------------------
  const seidMounts: Json[] = [{ mountPath: DATA_DIR, name: 'data' }];
  if (signingKey)
    seidMounts.push({
      mountPath: `${DATA_DIR}/config/${SIGNING_KEY_FILE}`,
      name: 'signing-key',
      readOnly: true,
      subPath: SIGNING_KEY_FILE,
    });
  if (nodeKey)
    seidMounts.push({
      mountPath: `${DATA_DIR}/config/${NODE_KEY_FILE}`,
      name: 'node-key',
      readOnly: true,
      subPath: NODE_KEY_FILE,
    });
  const seid = {
    args: [seidStartScript(sidecarPort)],
    command: ['/bin/bash', '-c'],
    env: [
      { name: 'HOME', value: DATA_DIR },
      { name: 'TMPDIR', value: `${DATA_DIR}/tmp` },
    ],
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    name: 'seid',
    ports: NODE_PORTS.map((p) => ({ containerPort: p.port, name: p.name, protocol: 'TCP' })),
    readinessProbe: {
      failureThreshold: 3,
      httpGet: httpProbe('/lag_status', 26657, 'HTTP'),
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
    },
    resources: resources({
      requests: archive
        ? { cpu: platform.resourceCpuArchive, memory: platform.resourceMemArchive }
        : { cpu: platform.resourceCpuDefault, memory: platform.resourceMemDefault },
    }),
    securityContext: securityContext(false),
    startupProbe: {
      failureThreshold: 86400,
      httpGet: httpProbe('/v0/healthz', RBAC_PROXY_PORT, scheme),
      initialDelaySeconds: 5,
      periodSeconds: 5,
    },
    volumeMounts: seidMounts,
  };
  const cosmos = {
    args: [
      [
        'until ( exec 3<>/dev/tcp/127.0.0.1/9090 ); do sleep 5; done',
        `exec /usr/local/bin/sei-cosmos-exporter "--denom" "usei" "--denom-coefficient" "1000000" "--bech-prefix" "sei" "--listen-address" ":${COSMOS_EXPORTER_PORT}"`,
      ].join('\n'),
    ],
    command: ['/bin/bash', '-c'],
    image: platform.cosmosExporterImage,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: {
      failureThreshold: 3,
      initialDelaySeconds: 600,
      periodSeconds: 10,
      tcpSocket: { port: COSMOS_EXPORTER_PORT },
    },
    name: 'cosmos-exporter',
    ports: [{ containerPort: COSMOS_EXPORTER_PORT, name: 'cosmos-metrics', protocol: 'TCP' }],
    readinessProbe: { failureThreshold: 6, periodSeconds: 10, tcpSocket: { port: COSMOS_EXPORTER_PORT } },
    resources: resources(COSMOS_EXPORTER_RESOURCES),
    securityContext: securityContext(true),
    volumeMounts: [{ mountPath: '/tmp', name: 'sidecar-tmp' }],
  };
  const seidInit = {
    args: [seidInitScript(spec.chainId)],
    command: ['/bin/sh', '-c'],
    env: [{ name: 'HOME', value: DATA_DIR }],
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    name: 'seid-init',
    securityContext: securityContext(false),
    volumeMounts: [{ mountPath: DATA_DIR, name: 'data' }],
  };
  const sidecarEnv: Json[] = [
    { name: 'SEI_CHAIN_ID', value: spec.chainId },
    { name: 'SEI_SIDECAR_PORT', value: String(sidecarPort) },
    { name: 'SEI_HOME', value: DATA_DIR },
    { name: 'SEI_GENESIS_BUCKET', value: platform.genesisBucket },
    { name: 'SEI_GENESIS_REGION', value: platform.genesisRegion },
    { name: 'SEI_SNAPSHOT_BUCKET', value: platform.snapshotBucket },
    { name: 'SEI_SNAPSHOT_REGION', value: platform.snapshotRegion },
    { name: 'SEI_SIDECAR_AUTHN_MODE', value: 'trusted-header' },
  ];
  if (v) {
    sidecarEnv.push(
      { name: 'SEI_KEYRING_BACKEND', value: keyring ? 'file' : 'test' },
      { name: 'SEI_KEYRING_DIR', value: DATA_DIR },
    );
    if (keyring)
      sidecarEnv.push({
        name: 'SEI_KEYRING_PASSPHRASE',
        valueFrom: {
          secretKeyRef: {
            key: keyring.passphraseSecretRef.key,
            name: keyring.passphraseSecretRef.secretName,
          },
        },
      });
  }
  const sidecarMounts: Json[] = [
    { mountPath: DATA_DIR, name: 'data' },
    { mountPath: '/tmp', name: 'sidecar-tmp' },
  ];
  if (keyring)
    sidecarMounts.push({ mountPath: `${DATA_DIR}/keyring-file`, name: 'operator-keyring', readOnly: true });
  const sidecar = {
    command: ['seictl', 'serve'],
    env: sidecarEnv,
    image: spec.sidecar?.image ?? platform.sidecarImage,
    imagePullPolicy: 'IfNotPresent',
    name: 'sei-sidecar',
    ports: [{ containerPort: sidecarPort, name: 'sidecar', protocol: 'TCP' }],
    resources: resources(spec.sidecar?.resources ?? {}),
    restartPolicy: 'Always',
    securityContext: securityContext(true),
    volumeMounts: sidecarMounts,
  };
  const proxyMounts: Json[] = [
    { mountPath: '/etc/kube-rbac-proxy', name: 'rbac-proxy-config', readOnly: true },
  ];
  if (tls) proxyMounts.push({ mountPath: RBAC_PROXY_TLS_DIR, name: 'sidecar-tls', readOnly: true });
  const rbacProxy = {
    args: rbacProxyArgs(sidecarPort, tls),
    image: platform.kubeRbacProxyImage,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: {
      failureThreshold: 3,
      httpGet: httpProbe('/v0/livez', RBAC_PROXY_PORT, scheme),
      initialDelaySeconds: 5,
      periodSeconds: 10,
    },
    name: 'kube-rbac-proxy',
    ports: [{ containerPort: RBAC_PROXY_PORT, name: 'api', protocol: 'TCP' }],
    readinessProbe: {
      failureThreshold: 6,
      httpGet: httpProbe('/v0/healthz', RBAC_PROXY_PORT, scheme),
      initialDelaySeconds: 2,
      periodSeconds: 5,
    },
    restartPolicy: 'Always',
    securityContext: securityContext(true),
    startupProbe: {
      failureThreshold: 60,
      initialDelaySeconds: 5,
      periodSeconds: 5,
      tcpSocket: { port: RBAC_PROXY_PORT },
    },
    volumeMounts: proxyMounts,
  };

  // Volumes, in the order cdk8s-plus collects them: mounts of the containers, then of the init
  // containers, then the pod's declared volumes no container mounts.
  const secretVolume = (volumeName: string, secretName: string, item?: string): Json => ({
    name: volumeName,
    secret: {
      defaultMode: 0o400,
      ...(item ? { items: [{ key: item, path: item }] } : {}),
      secretName,
    },
  });
  const declared: Record<string, Json> = {
    data: { name: 'data', persistentVolumeClaim: { claimName } },
    'sidecar-tmp': { emptyDir: {}, name: 'sidecar-tmp' },
    'rbac-proxy-config': { configMap: { name: rbacProxyConfigMapName(name) }, name: 'rbac-proxy-config' },
  };
  const declaredOrder = ['data', 'sidecar-tmp', 'rbac-proxy-config'];
  if (tls) {
    declared['sidecar-tls'] = {
      name: 'sidecar-tls',
      secret: {
        defaultMode: 0o440,
        items: [
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
        ],
        secretName: sidecarTlsName(name),
      },
    };
    declaredOrder.push('sidecar-tls');
  }
  if (signingKey) {
    declared['signing-key'] = secretVolume('signing-key', signingKey, SIGNING_KEY_FILE);
    declaredOrder.push('signing-key');
  }
  if (nodeKey) {
    declared['node-key'] = secretVolume('node-key', nodeKey, NODE_KEY_FILE);
    declaredOrder.push('node-key');
  }
  if (keyring) {
    declared['operator-keyring'] = secretVolume('operator-keyring', keyring.secretName);
    declaredOrder.push('operator-keyring');
  }
  const volumes: Json[] = [];
  const seen = new Set<string>();
  const add = (volumeName: string) => {
    if (seen.has(volumeName)) return;
    seen.add(volumeName);
    volumes.push(declared[volumeName] as Json);
  };
  for (const c of [seid, cosmos, seidInit, sidecar, rbacProxy])
    for (const m of c.volumeMounts as { name: string }[]) add(m.name);
  for (const volumeName of declaredOrder) add(volumeName);

  const statefulSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(name),
    spec: {
      podManagementPolicy: 'OrderedReady',
      replicas: spec.paused ? 0 : 1,
      selector: { matchLabels: { [LABEL_NODE]: name } },
      serviceName: name,
      template: {
        metadata: {
          annotations: {
            [ANNOTATION_DO_NOT_DISRUPT]: 'true',
            [ANNOTATION_CONFIG_HASH]: configHashOf(node),
            ...(spec.sidecar?.tls
              ? {
                  'sei.io/sidecar-tls-issuer': `${spec.sidecar.tls.issuerKind ?? 'Issuer'}/${spec.sidecar.tls.issuerName}`,
                }
              : {}),
          },
          labels,
        },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'karpenter.sh/nodepool', operator: 'In', values: [pool] }] },
                ],
              },
            },
          },
          automountServiceAccountToken: true,
          containers: [seid, cosmos],
          dnsPolicy: 'ClusterFirst',
          initContainers: [seidInit, sidecar, rbacProxy],
          restartPolicy: 'Always',
          securityContext: {
            fsGroup: NONROOT_UID,
            fsGroupChangePolicy: 'OnRootMismatch',
            runAsNonRoot: true,
          },
          serviceAccountName: platform.serviceAccount,
          setHostnameAsFQDN: false,
          shareProcessNamespace: true,
          terminationGracePeriodSeconds: 30,
          tolerations: [
            { effect: 'NoSchedule', key: platform.tolerationKey, operator: 'Equal', value: pool },
          ],
          volumes,
        },
      },
      updateStrategy: { type: 'OnDelete' },
    },
  };
  const violations = secretMountViolations(node, statefulSet as never);
  if (violations.length) throw new Error(`invalid manifests:\n${violations.join('\n')}`);
  return pvc ? [configMap, pvc, service, statefulSet] : [configMap, service, statefulSet];
}
