/**
 * The SeiNode planner: which plan a node needs, composed as data (SPEC §4; the baseline orders are
 * reference-seinode.md §2.2–§2.5). Pure functions: no I/O, the clock is passed in.
 */
import type { SeiNode, SnapshotSource, TaskPlan } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import {
  type ConfigApplyParams,
  configApplyParams,
  type PeerSourceParams,
} from '../../constructs/seinode/config-intent';
import { newPlan, type TaskSpec } from '../planner/plan';

/** What a node converges to when its current spec is fully rolled out. */
export interface DesiredState {
  readonly image: string;
  /** Hash of the rendered pod template with the seid image blanked out (image drift is separate). */
  readonly podTemplateHash: string;
  readonly configHash: string;
}

/** `issuerKind/issuerName` of a sidecar TLS setting, or '' for plaintext (a comparable form). */
export function tlsKey(tls: { issuerName: string; issuerKind?: string } | undefined | null): string {
  return tls ? `${tls.issuerKind ?? 'Issuer'}/${tls.issuerName}` : '';
}

/** Drift kinds between the spec and what the node last converged to. */
export type DriftKind = 'image' | 'config' | 'podTemplate' | 'sidecarTLS';

/** Inputs shared by the plan builders. */
export interface PlanInputs {
  readonly node: SeiNode;
  readonly platform: PlatformConfig;
  readonly peers: readonly PeerSourceParams[];
  readonly desired: DesiredState;
  readonly maxRetries: (type: string) => number;
  readonly now: Date;
  /** `networking.tcp` with the VPC-CIDR gate open: the init plan publishes P2P before the StatefulSet. */
  readonly publishP2p?: boolean;
}

const nodeRef = (n: SeiNode) => ({
  nodeName: n.metadata.name as string,
  namespace: n.metadata.namespace as string,
});

/** The snapshot source of a node, if its mode has one (archive never does). */
export function snapshotSource(node: SeiNode): SnapshotSource | undefined {
  const s = node.spec;
  return s.fullNode?.snapshot ?? s.replayer?.snapshot ?? s.validator?.snapshot;
}

/** Bootstrap-Job variant: `bootstrapImage` with an S3 snapshot at a target height (reference §2.4). */
export function needsBootstrap(node: SeiNode): boolean {
  const snap = snapshotSource(node);
  return !!snap?.bootstrapImage && (snap.s3?.targetHeight ?? 0) > 0 && !node.spec.validator?.genesisCeremony;
}

/** Whether the node publishes Tendermint snapshots (fullNode or archive with `publish`). */
function publishesSnapshots(node: SeiNode): boolean {
  const gen = node.spec.fullNode?.snapshotGeneration ?? node.spec.archive?.snapshotGeneration;
  return !!gen?.tendermint?.publish;
}

function keyValidationTasks(node: SeiNode): TaskSpec[] {
  const v = node.spec.validator;
  const ns = node.metadata.namespace as string;
  const out: TaskSpec[] = [];
  if (v?.signingKey?.secret)
    out.push({
      type: 'validate-signing-key',
      params: { secretName: v.signingKey.secret.secretName, namespace: ns },
    });
  if (v?.nodeKey?.secret)
    out.push({
      type: 'validate-node-key',
      params: { secretName: v.nodeKey.secret.secretName, namespace: ns },
    });
  const k = v?.operatorKeyring?.secret;
  if (k) {
    out.push({
      type: 'validate-operator-keyring',
      params: {
        secretName: k.secretName,
        keyName: k.keyName ?? 'node_admin',
        passphraseSecretName: k.passphraseSecretRef.secretName,
        passphraseSecretKey: k.passphraseSecretRef.key,
        namespace: ns,
      },
    });
  }
  return out;
}

/** Certificate first, then wait for its Secret: the pod must never mount an empty Secret. */
function sidecarCertTasks(node: SeiNode): TaskSpec[] {
  const ref = nodeRef(node);
  return node.spec.sidecar?.tls
    ? [
        { type: 'apply-sidecar-cert', params: ref },
        { type: 'wait-for-sidecar-tls-secret', params: ref },
      ]
    : [];
}

function configApply(node: SeiNode): TaskSpec {
  return { type: 'config-apply', params: configApplyParams(node) as ConfigApplyParams };
}

function discoverPeers(peers: readonly PeerSourceParams[]): TaskSpec[] {
  return peers.length ? [{ type: 'discover-peers', params: { sources: peers } }] : [];
}

function stateSyncParams(snap: SnapshotSource): Record<string, unknown> {
  return {
    ...(snap.s3 ? { useLocalSnapshot: true } : {}),
    ...(snap.trustPeriod ? { trustPeriod: snap.trustPeriod } : {}),
    ...((snap.backfillBlocks ?? 0) > 0 ? { backfillBlocks: snap.backfillBlocks } : {}),
  };
}

/** Long-running sidecar work started once the node is configured (before mark-ready). */
function recurringTasks(inp: PlanInputs): TaskSpec[] {
  const out: TaskSpec[] = [];
  if (publishesSnapshots(inp.node)) out.push({ type: 'snapshot-upload' });
  const exp = inp.node.spec.replayer?.resultExport?.shadowResult;
  if (exp) {
    const cfg = inp.platform.resultExport;
    out.push({
      type: 'result-export',
      params: {
        bucket: cfg?.bucket ?? '',
        region: cfg?.region ?? '',
        ...(cfg?.prefix ? { prefix: cfg.prefix } : {}),
        canonicalRpc: exp.canonicalRpc,
      },
    });
  }
  return out;
}

/**
 * The sidecar progression (reference §2.2): [snapshot-restore] → configure-genesis → config-apply →
 * [discover-peers] → [configure-state-sync] → config-validate → [recurring] → mark-ready.
 */
function sidecarProgression(inp: PlanInputs, opts: { restore: boolean; recurring: boolean }): TaskSpec[] {
  const snap = snapshotSource(inp.node);
  const tasks: TaskSpec[] = [];
  if (opts.restore && snap?.s3) {
    tasks.push({
      type: 'snapshot-restore',
      ...(snap.s3.targetHeight > 0 ? { params: { targetHeight: snap.s3.targetHeight } } : {}),
    });
  }
  tasks.push({ type: 'configure-genesis' }, configApply(inp.node), ...discoverPeers(inp.peers));
  if (opts.restore && snap) {
    const p = stateSyncParams(snap);
    tasks.push({ type: 'configure-state-sync', ...(Object.keys(p).length ? { params: p } : {}) });
  }
  tasks.push({ type: 'config-validate' });
  if (opts.recurring) tasks.push(...recurringTasks(inp));
  tasks.push({ type: 'mark-ready' });
  return tasks;
}

/** The tasks of the init plan for a node (Pending → Running). */
export function initTasks(inp: PlanInputs): TaskSpec[] {
  const node = inp.node;
  const ref = nodeRef(node);
  const infra = (t: string): TaskSpec => ({ type: t, params: ref });
  const gc = node.spec.validator?.genesisCeremony;
  if (gc) {
    return [
      infra('ensure-data-pvc'),
      ...sidecarCertTasks(node),
      infra('apply-rbac-proxy-config'),
      ...(inp.publishP2p ? [infra('apply-p2p-service'), infra('await-external-address')] : []),
      infra('apply-statefulset'),
      infra('apply-service'),
      ...(node.spec.sidecar?.tls ? [infra('observe-sidecar-tls')] : []),
      { type: 'generate-identity', params: { chainId: gc.chainId, moniker: ref.nodeName } },
      {
        type: 'generate-gentx',
        params: { chainId: gc.chainId, stakingAmount: gc.stakingAmount, accountBalance: gc.accountBalance },
      },
      { type: 'upload-genesis-artifacts', params: { nodeName: ref.nodeName } },
      { type: 'configure-genesis' },
      configApply(node),
      { type: 'set-genesis-peers' },
      { type: 'config-validate' },
      { type: 'mark-ready' },
    ];
  }
  if (needsBootstrap(node)) {
    const jobName = `${ref.nodeName}-bootstrap`;
    return [
      infra('ensure-data-pvc'),
      ...keyValidationTasks(node),
      ...sidecarCertTasks(node),
      infra('apply-rbac-proxy-config'),
      ...(inp.publishP2p ? [infra('apply-p2p-service'), infra('await-external-address')] : []),
      { type: 'deploy-bootstrap-service', params: { serviceName: ref.nodeName, namespace: ref.namespace } },
      { type: 'deploy-bootstrap-job', params: { jobName, namespace: ref.namespace } },
      ...sidecarProgression(inp, { restore: true, recurring: false }),
      { type: 'await-bootstrap-complete', params: { jobName, namespace: ref.namespace } },
      {
        type: 'teardown-bootstrap',
        params: { jobName, serviceName: ref.nodeName, namespace: ref.namespace },
      },
      infra('apply-statefulset'),
      infra('apply-service'),
      ...(node.spec.sidecar?.tls ? [infra('observe-sidecar-tls')] : []),
      // Post-bootstrap progression on the production pod (reference §2.4 step 7).
      { type: 'configure-genesis' },
      configApply(node),
      ...discoverPeers(inp.peers),
      { type: 'config-validate' },
      ...recurringTasks(inp),
      { type: 'mark-ready' },
    ];
  }
  return [
    infra('ensure-data-pvc'),
    ...keyValidationTasks(node),
    ...sidecarCertTasks(node),
    infra('apply-rbac-proxy-config'),
    ...(inp.publishP2p ? [infra('apply-p2p-service'), infra('await-external-address')] : []),
    infra('apply-statefulset'),
    infra('apply-service'),
    // With TLS the pod serves https from the start: stamp it before the first sidecar call.
    ...(node.spec.sidecar?.tls ? [infra('observe-sidecar-tls')] : []),
    ...sidecarProgression(inp, { restore: true, recurring: true }),
  ];
}

/** The init plan: Initializing → Running, or Failed. */
export function buildInitPlan(inp: PlanInputs): TaskPlan {
  return newPlan({
    type: 'Init',
    tasks: initTasks(inp),
    targetPhase: 'Running',
    failedPhase: 'Failed',
    maxRetries: inp.maxRetries,
    target: { ...inp.desired },
    now: inp.now,
  });
}

/**
 * Drift between the desired state and what the node last converged to (`status.current*`):
 * `image` (spec.image ≠ currentImage), `podTemplate` (anything else in the rendered pod template —
 * sidecar image or resources, pod labels, keys, ports …; the hash excludes the seid image so an
 * image edit is reported once, as `image`), `config` (the config intent: overrides, peers, mode).
 */
export function detectDrift(node: SeiNode, desired: DesiredState): DriftKind[] {
  const s = node.status ?? {};
  const kinds: DriftKind[] = [];
  if (s.currentImage !== desired.image) kinds.push('image');
  if (s.currentPodTemplateHash !== desired.podTemplateHash) kinds.push('podTemplate');
  if (s.currentConfigHash !== desired.configHash) kinds.push('config');
  if (tlsKey(node.spec.sidecar?.tls) !== tlsKey(s.currentSidecarTLS)) kinds.push('sidecarTLS');
  return kinds;
}

/**
 * The NodeUpdate plan for any combination of drifts, with exactly one pod cycle (SPEC §4):
 * apply-rbac-proxy-config → apply-statefulset → apply-service → replace-pod → observe-image →
 * [config-apply → discover-peers → config-validate when the config intent drifted] → mark-ready.
 * A failed update leaves the node Running (no failedPhase).
 */
export function buildNodeUpdatePlan(inp: PlanInputs, drift: readonly DriftKind[]): TaskPlan {
  const ref = nodeRef(inp.node);
  const infra = (t: string): TaskSpec => ({ type: t, params: ref });
  const tls = drift.includes('sidecarTLS');
  const tasks: TaskSpec[] = [
    // Enabling or changing TLS: the new Secret must exist before the pod that mounts it.
    ...(tls ? sidecarCertTasks(inp.node) : []),
    infra('apply-rbac-proxy-config'),
    infra('apply-statefulset'),
    infra('apply-service'),
    infra('replace-pod'),
    { type: 'observe-image', params: { ...ref, image: inp.desired.image } },
    // Before any sidecar call: the new pod serves the new scheme.
    ...(tls ? [infra('observe-sidecar-tls')] : []),
  ];
  if (drift.includes('config'))
    tasks.push(configApply(inp.node), ...discoverPeers(inp.peers), { type: 'config-validate' });
  tasks.push({ type: 'mark-ready' });
  // Disabling TLS: the old pod (the last user of the Secret) is gone; remove the Certificate.
  if (tls && !inp.node.spec.sidecar?.tls) tasks.push(infra('delete-sidecar-cert'));
  return newPlan({
    type: 'NodeUpdate',
    tasks,
    targetPhase: 'Running',
    maxRetries: inp.maxRetries,
    drift,
    target: { ...inp.desired },
    now: inp.now,
  });
}

/** Re-approval after a sidecar restart lost its ready flag: one mark-ready under a new plan id. */
export function buildMarkReadyPlan(inp: Pick<PlanInputs, 'maxRetries' | 'now'>): TaskPlan {
  return newPlan({
    type: 'MarkReady',
    tasks: [{ type: 'mark-ready' }],
    targetPhase: 'Running',
    maxRetries: inp.maxRetries,
    now: inp.now,
  });
}

/**
 * Condition reason of a NodeUpdate by drift kinds (SPEC §4, §8): `UpdateStarted` (image, config or
 * pod template), `TLSToggleStarted` (sidecar TLS enabled or its issuer changed), `TLSDisableStarted`,
 * `UpdateAndTLSToggleStarted` / `UpdateAndTLSDisableStarted` (both in one plan). A pod-template change
 * caused only by the TLS toggle does not count as an update.
 */
export function nodeUpdateReason(drift: readonly DriftKind[], tlsEnabled: boolean): string {
  const tls = drift.includes('sidecarTLS');
  const update =
    drift.includes('image') || drift.includes('config') || (!tls && drift.includes('podTemplate'));
  const toggle = tlsEnabled ? 'TLSToggleStarted' : 'TLSDisableStarted';
  if (tls && update) return `UpdateAnd${toggle}`;
  return tls ? toggle : 'UpdateStarted';
}

/**
 * The plan label metrics use (SPEC §8: TLS-only and TLS+image plans are told apart): `init`,
 * `node-update`, `tls-toggle`, `node-update+tls-toggle`, `mark-ready`, `genesis`.
 */
export function planMetricLabel(plan: TaskPlan): string {
  if (plan.type !== 'NodeUpdate')
    return (plan.type ?? 'unknown').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  const drift = (plan.drift ?? []) as DriftKind[];
  const tls = drift.includes('sidecarTLS');
  const update = drift.includes('image') || drift.includes('config');
  return tls && update ? 'node-update+tls-toggle' : tls ? 'tls-toggle' : 'node-update';
}
