import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Quantity } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { nodeMode, type SeiNode, type SnapshotSource } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import {
  nodePodContext,
  rbacProxyContainer,
  seidContainer,
  seidInitContainer,
  seidResources,
  seidStartScript,
  sidecarContainer,
} from './containers';
import {
  ANNOTATION_DO_NOT_DISRUPT,
  bootstrapJobName,
  dataPvcName,
  LABEL_COMPONENT,
  LABEL_NODE,
  NONROOT_UID,
  podName,
  rbacProxyConfigMapName,
  VOLUME,
} from './names';
import { seiNodeOwnerReference } from './owner';

/** Value of `sei.io/component` on the bootstrap Job's pod and Service. */
export const BOOTSTRAP_COMPONENT = 'bootstrap';

/** Grace period of the bootstrap pod: seid gets time to flush its databases on deletion. */
export const BOOTSTRAP_TERMINATION_GRACE_SECONDS = 120;

/** Finished bootstrap Jobs are garbage-collected by the TTL controller after one hour. */
export const BOOTSTRAP_TTL_SECONDS_AFTER_FINISHED = 3600;

/**
 * Labels of the bootstrap Job, its pod and the bootstrap Service (reference-seinode.md §4.6):
 * `{sei.io/node: <name>, sei.io/component: bootstrap}`. They are also the bootstrap Service's
 * selector, so that Service never selects the StatefulSet's pod.
 */
export function bootstrapLabels(name: string): Record<string, string> {
  return { [LABEL_NODE]: name, [LABEL_COMPONENT]: BOOTSTRAP_COMPONENT };
}

/** The snapshot source of a node's mode (fullNode, replayer or validator), if any. */
export function snapshotSourceOf(node: SeiNode): SnapshotSource | undefined {
  return node.spec.fullNode?.snapshot ?? node.spec.replayer?.snapshot ?? node.spec.validator?.snapshot;
}

/**
 * Whether a node starts with a bootstrap Job (reference-seinode.md §2.4 `NeedsBootstrap`): its
 * snapshot source sets `bootstrapImage` and `s3.targetHeight > 0`. Genesis-ceremony validators
 * never bootstrap.
 */
export function needsBootstrap(node: SeiNode): boolean {
  if (node.spec.validator?.genesisCeremony) return false;
  const snap = snapshotSourceOf(node);
  return !!snap?.bootstrapImage && (snap.s3?.targetHeight ?? 0) > 0;
}

/** The PVC a node's pods mount: the imported claim when `spec.dataVolume.import` is set, else `data-<name>`. */
export function dataClaimNameOf(node: SeiNode): string {
  return node.spec.dataVolume?.import?.pvcName ?? dataPvcName(node.metadata.name ?? '');
}

/**
 * The bootstrap seid command: the production wait loop (until the sidecar's `/v0/healthz` answers
 * 200, i.e. after mark-ready), then `seid start --halt-height <height>` as a child whose SIGTERM is
 * forwarded (so deleting the pod shuts seid down cleanly). seid halts at the height by signalling
 * itself (exit 130), which the script maps to 0 so the Job completes; any other exit code fails it.
 */
export function bootstrapSeidScript(sidecarPort: number, haltHeight: number): string {
  const lines = seidStartScript(sidecarPort).split('\n');
  const last = lines.pop();
  if (!last?.startsWith('exec seid start')) throw new Error('seidStartScript changed shape: no exec line');
  return [
    ...lines,
    `seid start --home "$HOME" --halt-height ${haltHeight} &`,
    'seid_pid=$!',
    `trap 'kill -TERM "$seid_pid" 2>/dev/null' TERM INT`,
    'rc=0',
    'wait "$seid_pid" || rc=$?',
    // A trapped signal interrupts `wait`; wait again for seid's own exit status.
    'while kill -0 "$seid_pid" 2>/dev/null; do rc=0; wait "$seid_pid" || rc=$?; done',
    'if [ "$rc" -eq 130 ]; then',
    `  echo "seid halted at height ${haltHeight} (exit 130): bootstrap complete"; exit 0`,
    'fi',
    'exit "$rc"',
  ].join('\n');
}

/** The parts of a Job (or any pod owner) manifest {@link bootstrapSecretViolations} reads. */
interface PodSpecOwner {
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly volumes?: readonly {
          readonly name: string;
          readonly secret?: { readonly secretName?: string };
          readonly projected?: {
            readonly sources?: readonly { readonly secret?: { readonly name?: string } }[];
          };
        }[];
        readonly initContainers?: readonly ContainerRefs[];
        readonly containers?: readonly ContainerRefs[];
      };
    };
  };
}
interface ContainerRefs {
  readonly name: string;
  readonly env?: readonly {
    readonly name: string;
    readonly valueFrom?: { readonly secretKeyRef?: { readonly name?: string } };
  }[];
  readonly envFrom?: readonly { readonly secretRef?: { readonly name?: string } }[];
}

/**
 * The bootstrap pod guard (reference-seinode.md §4.6 `assertNoValidatorSecretsOnBootstrapPod`): no
 * volume (plain or projected), env `secretKeyRef` or `envFrom` may reference the signing-key, the
 * operator-keyring or the passphrase Secret. The bootstrap pod replays public chain data only; a
 * consensus key there could double-sign.
 *
 * @returns human-readable violations; empty when the pod is safe
 */
export function bootstrapSecretViolations(node: SeiNode, job: PodSpecOwner): string[] {
  const v = node.spec.validator;
  const forbidden = new Map<string, string>();
  if (v?.signingKey?.secret) forbidden.set(v.signingKey.secret.secretName, 'signing key');
  if (v?.operatorKeyring?.secret) {
    forbidden.set(v.operatorKeyring.secret.secretName, 'operator keyring');
    forbidden.set(v.operatorKeyring.secret.passphraseSecretRef.secretName, 'operator keyring passphrase');
  }
  const pod = job.spec?.template?.spec;
  if (forbidden.size === 0 || !pod) return [];
  const problems: string[] = [];
  for (const vol of pod.volumes ?? []) {
    const names = [vol.secret?.secretName, ...(vol.projected?.sources ?? []).map((s) => s.secret?.name)];
    for (const n of names) {
      if (n && forbidden.has(n))
        problems.push(
          `bootstrap pod volume ${vol.name} must not reference the ${forbidden.get(n)} Secret ${n}`,
        );
    }
  }
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const n = e.valueFrom?.secretKeyRef?.name;
      if (n && forbidden.has(n))
        problems.push(
          `bootstrap container ${c.name} must not read the ${forbidden.get(n)} Secret ${n} (env ${e.name})`,
        );
    }
    for (const e of c.envFrom ?? []) {
      const n = e.secretRef?.name;
      if (n && forbidden.has(n))
        problems.push(
          `bootstrap container ${c.name} must not load the ${forbidden.get(n)} Secret ${n} via envFrom`,
        );
    }
  }
  return problems;
}

/** Props of {@link SeiNodeBootstrapJob}. */
export interface SeiNodeBootstrapJobProps {
  /**
   * The SeiNode: `metadata.name` required; with `metadata.uid` the Job gets a controller owner
   * reference. Its snapshot source must set `s3.targetHeight`.
   */
  readonly node: SeiNode;
  /** Platform configuration (scheduling, images, resources). */
  readonly platform: PlatformConfig;
}

/** Karpenter's NodePool label, used for required node affinity (as on the StatefulSet). */
const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

/**
 * The one-shot Job `<name>-bootstrap` that fills a node's data volume before its StatefulSet exists
 * (reference-seinode.md §2.4, §4.6): the sidecar restores the S3 snapshot and configures the node
 * (the bootstrap plan's sidecar tasks run against this pod), then seid replays blocks up to
 * `s3.targetHeight` and halts; the Job completes and teardown-bootstrap removes it.
 *
 * - labels `{sei.io/node, sei.io/component: bootstrap}`, `backoffLimit: 0`,
 *   `ttlSecondsAfterFinished: 3600`, pod annotation `karpenter.sh/do-not-disrupt`;
 * - pod `hostname: <name>-0`, `subdomain: <name>`: the same DNS name as the StatefulSet's pod, so
 *   the controller's sidecar URL does not change; same service account, scheduling (nodepool
 *   affinity and toleration), security contexts and `shareProcessNamespace` as the StatefulSet;
 *   `restartPolicy: Never`, `terminationGracePeriodSeconds: 120`;
 * - volumes: the node's data PVC — the imported claim when `spec.dataVolume.import` is set (the
 *   reference always mounted `data-<name>`) — the sidecar's `/tmp` and the kube-rbac-proxy config;
 * - init containers `seid-init` and the restartable `sei-sidecar` and `kube-rbac-proxy`, built by
 *   the production builders (containers.ts) with the bootstrap image and without any keyring env;
 * - container `seid` with image `snapshot.bootstrapImage` (else `spec.image`), requests by mode,
 *   running {@link bootstrapSeidScript}.
 *
 * Never mounts the signing key, node key, operator keyring or passphrase (checked by
 * {@link bootstrapSecretViolations} at synth).
 *
 * @throws Error when `metadata.name` is missing or the snapshot source has no `s3.targetHeight`
 */
export class SeiNodeBootstrapJob extends Construct {
  /** The underlying cdk8s-plus Job. */
  readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: SeiNodeBootstrapJobProps) {
    super(scope, id);
    const { node, platform } = props;
    const name = node.metadata.name;
    if (!name) throw new Error('SeiNodeBootstrapJob: node.metadata.name is required');
    const snap = snapshotSourceOf(node);
    const haltHeight = snap?.s3?.targetHeight ?? 0;
    if (!(haltHeight > 0)) {
      throw new Error(
        `SeiNodeBootstrapJob: node ${node.metadata.namespace ?? ''}/${name} needs a snapshot source with s3.targetHeight > 0`,
      );
    }
    const image = snap?.bootstrapImage || node.spec.image;
    // The production builders, fed the bootstrap image: seid-init must initialise with the binary
    // that replays.
    const ctx = nodePodContext({ ...node, spec: { ...node.spec, image } }, platform);
    const labels = bootstrapLabels(name);
    const pool = nodeMode(node.spec) === 'archive' ? platform.nodepoolArchive : platform.nodepoolName;

    const data = kplus.Volume.fromPersistentVolumeClaim(
      this,
      'data',
      kplus.PersistentVolumeClaim.fromClaimName(this, 'data-claim', dataClaimNameOf(node)),
      { name: VOLUME.data },
    );
    const tmp = kplus.Volume.fromEmptyDir(this, 'sidecar-tmp', VOLUME.sidecarTmp);
    const proxyConfig = kplus.Volume.fromConfigMap(
      this,
      'rbac-proxy-config',
      kplus.ConfigMap.fromConfigMapName(this, 'rbac-proxy-config-map', rbacProxyConfigMapName(name)),
      { name: VOLUME.rbacProxyConfig },
    );

    const sidecar = sidecarContainer(this, ctx, { data, tmp });
    // The bootstrap sidecar restores and configures; it never signs, so it gets no keyring env.
    const sidecarEnv = Object.fromEntries(
      Object.entries(sidecar.envVariables ?? {}).filter(([k]) => !k.startsWith('SEI_KEYRING_')),
    );
    const seid = seidContainer(ctx, { data });

    this.job = new kplus.Job(this, 'Resource', {
      metadata: { name: bootstrapJobName(name), namespace: node.metadata.namespace, labels },
      podMetadata: { labels, annotations: { [ANNOTATION_DO_NOT_DISRUPT]: 'true' } },
      backoffLimit: 0,
      ttlAfterFinished: Duration.seconds(BOOTSTRAP_TTL_SECONDS_AFTER_FINISHED),
      restartPolicy: kplus.RestartPolicy.NEVER,
      terminationGracePeriod: Duration.seconds(BOOTSTRAP_TERMINATION_GRACE_SECONDS),
      dns: { hostname: podName(name), subdomain: name },
      select: false,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, 'sa', platform.serviceAccount),
      automountServiceAccountToken: true,
      securityContext: {
        fsGroup: NONROOT_UID,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
        ensureNonRoot: true,
      },
      volumes: [data, tmp, proxyConfig],
      initContainers: [
        seidInitContainer(ctx, data),
        { ...sidecar, envVariables: sidecarEnv },
        rbacProxyContainer(ctx, proxyConfig),
      ],
      containers: [
        {
          ...seid,
          args: [bootstrapSeidScript(ctx.sidecarPort, haltHeight)],
          // A Job pod needs no startup/readiness gates: the Job's completion is what counts.
          startup: undefined,
          readiness: undefined,
        },
      ],
    });
    this.job.scheduling.tolerate(
      kplus.Node.tainted(
        kplus.NodeTaintQuery.is(platform.tolerationKey, pool, { effect: kplus.TaintEffect.NO_SCHEDULE }),
      ),
    );
    this.job.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.in(NODEPOOL_LABEL, [pool])));

    const api = ApiObject.of(this.job);
    const podSpec = '/spec/template/spec';
    api.addJsonPatch(
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Zero values the API server omits: rendering them would make preview != stored object.
      JsonPatch.remove(`${podSpec}/hostNetwork`),
      JsonPatch.remove(`${podSpec}/volumes/0/persistentVolumeClaim/readOnly`),
      JsonPatch.add(`${podSpec}/shareProcessNamespace`, true),
      JsonPatch.add(`${podSpec}/initContainers/1/resources`, quantities(node.spec.sidecar?.resources ?? {})),
      JsonPatch.add(`${podSpec}/containers/0/resources`, quantities(seidResources(ctx))),
    );
    const owner = seiNodeOwnerReference(node);
    if (owner) api.metadata.addOwnerReference(owner);
    this.node.addValidation({
      validate: () => bootstrapSecretViolations(node, api.toJson() as PodSpecOwner),
    });
  }
}

/** Wraps ResourceRequirements values in `Quantity` objects (JSON patches run before the typed conversion). */
function quantities(req: {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
  claims?: unknown[];
}) {
  const wrap = (m?: Record<string, string | number>) =>
    m &&
    Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        typeof v === 'number' ? Quantity.fromNumber(v) : Quantity.fromString(v),
      ]),
    );
  return {
    ...(req.requests ? { requests: wrap(req.requests) } : {}),
    ...(req.limits ? { limits: wrap(req.limits) } : {}),
    ...(req.claims ? { claims: req.claims } : {}),
  };
}
