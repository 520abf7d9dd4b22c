import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SeiNode } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { SeiNodeDataPvc } from './data-pvc';
import { SeiNodeHeadlessService } from './headless-service';
import { dataPvcName } from './names';
import { seiNodeOwnerReference } from './owner';
import { RbacProxyConfig } from './rbac-proxy-config';
import { SeiNodeStatefulSet } from './statefulset';

/** Props of {@link SeiNodeWorkload}. */
export interface SeiNodeWorkloadProps {
  /**
   * The SeiNode: `metadata.name` required; `metadata.namespace` and `metadata.uid` optional.
   * With a uid (a node read from the API server) every resource gets a controller owner reference.
   */
  readonly node: SeiNode;
  /** Platform configuration (scheduling, storage, images, buckets). */
  readonly platform: PlatformConfig;
}

/**
 * Everything the SeiNode controller applies for one node (SPEC §5): the StatefulSet, the headless
 * Service, the kube-rbac-proxy ConfigMap and — unless a PVC is imported — the data PVC. A pure
 * function of (SeiNode, PlatformConfig): no I/O, clock or randomness, so `cdk8s synth` previews
 * exactly what the controller applies.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeWorkload extends Construct {
  readonly statefulSet: SeiNodeStatefulSet;
  readonly service: SeiNodeHeadlessService;
  readonly rbacProxyConfig: RbacProxyConfig;
  /** Undefined when `spec.dataVolume.import` names an existing claim. */
  readonly dataPvc?: SeiNodeDataPvc;

  constructor(scope: Construct, id: string, props: SeiNodeWorkloadProps) {
    super(scope, id);
    const { node, platform } = props;
    const name = node.metadata.name;
    if (!name) throw new Error('SeiNodeWorkload: node.metadata.name is required');
    const imported = node.spec.dataVolume?.import?.pvcName;

    this.service = new SeiNodeHeadlessService(this, 'HeadlessService', { node });
    this.rbacProxyConfig = new RbacProxyConfig(this, 'RbacProxyConfig', { node });
    if (!imported) this.dataPvc = new SeiNodeDataPvc(this, 'DataPvc', { node, platform });
    this.statefulSet = new SeiNodeStatefulSet(this, 'StatefulSet', {
      node,
      platform,
      dataClaimName: imported ?? dataPvcName(name),
      service: this.service.service,
    });

    const owner = seiNodeOwnerReference(node);
    if (owner) {
      for (const c of this.node.findAll()) if (c instanceof ApiObject) c.metadata.addOwnerReference(owner);
    }
  }
}
