/**
 * `ensure-data-pvc` (reference-seinode.md §3.1, §4.5): makes sure the node's data volume exists
 * before anything mounts it.
 */
import type { SeiNode } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { dataVolumeStorage } from '../../constructs/seinode/data-pvc';
import { SEINODE_FIELD_MANAGER } from '../../constructs/seinode/names';
import { AlreadyExistsError, ForbiddenError } from '../kube/errors';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { ConditionUpdate, TaskContext, TaskDefinition, TaskOutcome } from '../planner/task';
import {
  errorMessage,
  isControlledBy,
  type NodeTaskParams,
  nodeRef,
  rejectedOrThrow,
  renderWorkloadObject,
  terminal,
  validateNodeParams,
} from './common';
import { compareQuantities, parseQuantity } from './quantity';

/** Condition set by the import path. */
export const CONDITION_IMPORT_PVC_READY = 'ImportPVCReady';
/** Reasons of {@link CONDITION_IMPORT_PVC_READY}. */
export const REASON_PVC_VALIDATED = 'PVCValidated';
export const REASON_PVC_NOT_READY = 'PVCNotReady';
export const REASON_PVC_INVALID = 'PVCInvalid';

interface PersistentVolumeClaim extends KubeObject {
  spec?: { accessModes?: string[]; volumeName?: string };
  status?: { phase?: string; capacity?: { storage?: string } };
}
interface PersistentVolume extends KubeObject {
  spec?: { capacity?: { storage?: string } };
  status?: { phase?: string };
}

/**
 * `ensure-data-pvc`, params `{nodeName, namespace}` (observability only; they must name this node).
 *
 * **Create path** (no `spec.dataVolume.import`): renders the PVC `data-<name>` with the node's
 * workload (class and size by mode, controller owner reference to the SeiNode) and creates it once
 * — it is never updated, so a platform size change never resizes or shrinks a volume.
 * - absent → created (field manager `seinode-controller`) → `complete` (the create is sent first;
 *   only when it is refused as AlreadyExists or Forbidden is the claim read and judged as below);
 * - exists and controlled by this SeiNode → `complete` (`running` while it is being deleted, so a
 *   fresh claim is created once it is gone);
 * - exists and not controlled by this SeiNode → `terminal` ("set spec.dataVolume.import.pvcName to
 *   adopt, or delete the PVC");
 * - a render error or a 422 → `terminal`; other API errors are thrown (transient).
 *
 * **Import path** (`spec.dataVolume.import.pvcName`): validates the existing claim in the node's
 * namespace and its PersistentVolume, setting condition `ImportPVCReady`; the claim is never
 * created, changed or deleted, and its storage class is not checked (importing is an explicit act):
 * - `running` + False/`PVCNotReady` while it can still become usable: not found, being deleted,
 *   phase not Bound (Pending …), no `status.capacity.storage`, no `spec.volumeName`, PV not found;
 * - `terminal` + False/`PVCInvalid` for defects only the user can fix: phase Lost, access modes
 *   without ReadWriteOnce or ReadWriteOncePod, capacity below the mode's size
 *   (`SEI_STORAGE_SIZE_DEFAULT` / `_ARCHIVE`), PV phase Failed, PV capacity ≠ PVC capacity;
 * - otherwise `complete` + True/`PVCValidated`.
 * Sizes are compared by value (see quantity.ts). Reads go to the API server, not the cache: the
 * claim is usually not one this controller owns or watches.
 */
export const ensureDataPvcTask: TaskDefinition<NodeTaskParams> = {
  type: 'ensure-data-pvc',
  maxRetries: 0,
  pollIntervalMs: 5000,
  validate: validateNodeParams,
  async execute(ctx) {
    const imported = ctx.node.spec.dataVolume?.import?.pvcName;
    return imported ? validateImport(ctx, imported) : ensureCreated(ctx);
  },
};

async function ensureCreated(ctx: TaskContext<NodeTaskParams>): Promise<TaskOutcome> {
  const { name, namespace, uid } = nodeRef(ctx.node);
  if (!uid) return terminal(`SeiNode ${namespace}/${name} has no metadata.uid: it cannot own its data PVC`);
  const rendered = renderWorkloadObject(ctx.node, ctx.platform, 'PersistentVolumeClaim');
  if ('error' in rendered) return terminal(rendered.error);
  const pvcName = rendered.manifest.metadata.name;

  // Create first: the API server refuses it if any claim of that name exists, so the usual case (a
  // new node) costs one request, not a GET and a create. A claim that exists is read and judged.
  try {
    await ctx.client.create(Resources.PersistentVolumeClaim, rendered.manifest as KubeObject, {
      fieldManager: SEINODE_FIELD_MANAGER,
      signal: ctx.signal,
    });
    ctx.log.info({ pvc: pvcName }, 'created data PVC');
    return { kind: 'complete' };
  } catch (err) {
    // AlreadyExists: it exists (ours from an earlier plan, or someone else's). Forbidden: admission
    // (e.g. an exhausted ResourceQuota) runs before the existence check, so a claim may still exist.
    if (err instanceof AlreadyExistsError || err instanceof ForbiddenError) {
      const existing = await ctx.client.get(
        Resources.PersistentVolumeClaim,
        { namespace, name: pvcName },
        ctx.signal,
      );
      if (existing) return judgeExisting(existing, name, uid);
      throw err;
    }
    return rejectedOrThrow(err, `data PVC ${pvcName}`);
  }
}

function judgeExisting(pvc: KubeObject, nodeName: string, uid: string): TaskOutcome {
  const pvcName = pvc.metadata?.name ?? '';
  if (!isControlledBy(pvc, uid)) {
    return terminal(
      `data PVC ${JSON.stringify(pvcName)} already exists and is not owned by SeiNode ${JSON.stringify(nodeName)}; ` +
        'set spec.dataVolume.import.pvcName to adopt, or delete the PVC',
    );
  }
  if (pvc.metadata?.deletionTimestamp) {
    return {
      kind: 'running',
      message: `data PVC ${JSON.stringify(pvcName)} is being deleted; waiting to recreate it`,
    };
  }
  return { kind: 'complete' };
}

async function validateImport(ctx: TaskContext<NodeTaskParams>, pvcName: string): Promise<TaskOutcome> {
  const result = await checkImport(ctx, pvcName);
  const condition = (
    status: ConditionUpdate['status'],
    reason: string,
    message: string,
  ): ConditionUpdate[] => [{ type: CONDITION_IMPORT_PVC_READY, status, reason, message }];
  switch (result.kind) {
    case 'ok': {
      const message = `PVC ${JSON.stringify(pvcName)} passes all import requirements`;
      return { kind: 'complete', conditions: condition('True', REASON_PVC_VALIDATED, message) };
    }
    case 'wait':
      return {
        kind: 'running',
        message: result.message,
        conditions: condition('False', REASON_PVC_NOT_READY, result.message),
      };
    case 'invalid':
      return terminal(result.message, condition('False', REASON_PVC_INVALID, result.message));
  }
}

type Check = { kind: 'ok' } | { kind: 'wait'; message: string } | { kind: 'invalid'; message: string };
const wait = (message: string): Check => ({ kind: 'wait', message });
const invalid = (message: string): Check => ({ kind: 'invalid', message });

async function checkImport(ctx: TaskContext<NodeTaskParams>, name: string): Promise<Check> {
  const { namespace } = nodeRef(ctx.node);
  const q = JSON.stringify(name);
  const pvc = await ctx.client.get<PersistentVolumeClaim>(
    Resources.PersistentVolumeClaim,
    { namespace, name },
    ctx.signal,
  );
  if (!pvc) return wait(`PVC ${q} not found in namespace ${JSON.stringify(namespace)}`);
  if (pvc.metadata?.deletionTimestamp)
    return wait(`PVC ${q} is being deleted (deletionTimestamp=${pvc.metadata.deletionTimestamp})`);

  const phase = pvc.status?.phase ?? '';
  if (phase === 'Lost') return invalid(`PVC ${q} phase is Lost; underlying PV is gone`);
  if (phase !== 'Bound') return wait(`PVC ${q} phase is ${JSON.stringify(phase)}, waiting for Bound`);

  const modes = pvc.spec?.accessModes ?? [];
  if (!modes.includes('ReadWriteOnce') && !modes.includes('ReadWriteOncePod')) {
    return invalid(
      `PVC ${q} accessModes [${modes.join(', ')}] must include ReadWriteOnce or ReadWriteOncePod`,
    );
  }

  const required = requiredSize(ctx.node, ctx.platform);
  if ('error' in required) return invalid(required.error);
  const actual = pvc.status?.capacity?.storage;
  if (!actual) return wait(`PVC ${q} has no status.capacity.storage reported yet`);
  const cmp = compareOrError(actual, required.size);
  if (typeof cmp === 'string') return invalid(`PVC ${q} capacity: ${cmp}`);
  if (cmp < 0) return invalid(`PVC ${q} capacity ${actual} is less than required ${required.size}`);

  const pvName = pvc.spec?.volumeName;
  if (!pvName) return wait(`PVC ${q} is Bound but has no spec.volumeName`);
  const pv = await ctx.client.get<PersistentVolume>(Resources.PersistentVolume, { name: pvName }, ctx.signal);
  if (!pv) return wait(`underlying PV ${JSON.stringify(pvName)} for PVC ${q} not found`);
  if (pv.status?.phase === 'Failed')
    return invalid(`underlying PV ${JSON.stringify(pvName)} for PVC ${q} is in phase Failed`);
  const pvCapacity = pv.spec?.capacity?.storage;
  const same = pvCapacity ? compareOrError(pvCapacity, actual) : 'missing';
  if (same !== 0) {
    return invalid(
      `underlying PV ${JSON.stringify(pvName)} capacity ${pvCapacity ?? '<none>'} does not match PVC ${q} capacity ${actual}`,
    );
  }
  return { kind: 'ok' };
}

function requiredSize(node: SeiNode, platform: PlatformConfig): { size: string } | { error: string } {
  const { size } = dataVolumeStorage(node, platform);
  try {
    parseQuantity(size);
    return { size };
  } catch (err) {
    return { error: `cannot parse the required storage size from the platform config: ${errorMessage(err)}` };
  }
}

/** Compares two quantities; a parse error is returned as a message. */
function compareOrError(a: string, b: string): number | string {
  try {
    return compareQuantities(a, b);
  } catch (err) {
    return errorMessage(err);
  }
}
