import { k8s } from 'cdk8s-plus-28';
import { Quantity } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { nodeMode, type SeiNode } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { resourceLabels } from './labels';
import { dataPvcName } from './names';

/** Props of {@link SeiNodeDataPvc}. */
export interface SeiNodeDataPvcProps {
  /** The SeiNode (metadata.name and namespace set). */
  readonly node: SeiNode;
  /** Platform configuration (storage class and size per mode). */
  readonly platform: PlatformConfig;
}

/**
 * Storage class and size of a node's data volume by mode (reference-seinode.md §4.5): archive gets
 * `SEI_STORAGE_CLASS_ARCHIVE` / `SEI_STORAGE_SIZE_ARCHIVE`; full, replayer and validator get
 * `SEI_STORAGE_CLASS_PERF` / `SEI_STORAGE_SIZE_DEFAULT`. The size is also the minimum an imported
 * PVC must have.
 */
export function dataVolumeStorage(
  node: SeiNode,
  platform: PlatformConfig,
): { storageClassName: string; size: string } {
  return nodeMode(node.spec) === 'archive'
    ? { storageClassName: platform.storageClassArchive, size: platform.storageSizeArchive }
    : { storageClassName: platform.storageClassPerf, size: platform.storageSizeDefault };
}

/**
 * The data PVC `data-<name>` (ReadWriteOnce). Not rendered when `spec.dataVolume.import` names an
 * existing claim: the controller never creates, mutates or deletes an imported PVC. The controller
 * creates this claim once and never updates it (no accidental resize or shrink).
 */
export class SeiNodeDataPvc extends Construct {
  /** The underlying PersistentVolumeClaim. */
  readonly claim: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: SeiNodeDataPvcProps) {
    super(scope, id);
    const name = props.node.metadata.name ?? '';
    const storage = dataVolumeStorage(props.node, props.platform);
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: {
        name: dataPvcName(name),
        namespace: props.node.metadata.namespace,
        labels: resourceLabels(props.node),
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storage.storageClassName,
        resources: { requests: { storage: Quantity.fromString(storage.size) } },
      },
    });
  }
}
