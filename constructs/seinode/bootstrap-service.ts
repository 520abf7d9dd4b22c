import { k8s } from 'cdk8s-plus-28';
import { IntOrString } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { SeiNode } from '../api/types';
import { bootstrapLabels } from './bootstrap-job';
import { bootstrapServiceName, RBAC_PROXY_PORT } from './names';
import { seiNodeOwnerReference } from './owner';

/** Props of {@link SeiNodeBootstrapService}. */
export interface SeiNodeBootstrapServiceProps {
  /**
   * The SeiNode: `metadata.name` required; with `metadata.uid` the Service gets a controller owner
   * reference.
   */
  readonly node: SeiNode;
}

/**
 * The headless Service `<name>` that gives the bootstrap Job's pod the DNS name
 * `<name>-0.<name>.<ns>.svc` (reference-seinode.md §4.6), so the controller reaches the bootstrap
 * sidecar at the same URL as the StatefulSet's later. Selector: the bootstrap labels
 * (`sei.io/node`, `sei.io/component: bootstrap`); `publishNotReadyAddresses` (the pod is not ready
 * until mark-ready); one port, `api` 8443 (kube-rbac-proxy). It has the headless Service's name, so
 * teardown-bootstrap deletes it before apply-service creates that one.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeBootstrapService extends Construct {
  /** The underlying Service (L1: every field is explicit). */
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: SeiNodeBootstrapServiceProps) {
    super(scope, id);
    const { node } = props;
    const name = node.metadata.name;
    const owner = seiNodeOwnerReference(node);
    if (!name) throw new Error('SeiNodeBootstrapService: node.metadata.name is required');
    const labels = bootstrapLabels(name);
    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: bootstrapServiceName(name),
        namespace: node.metadata.namespace,
        labels,
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: {
        type: 'ClusterIP',
        clusterIp: 'None',
        selector: labels,
        publishNotReadyAddresses: true,
        ports: [
          {
            name: 'api',
            port: RBAC_PROXY_PORT,
            targetPort: IntOrString.fromNumber(RBAC_PROXY_PORT),
            protocol: 'TCP',
          },
        ],
      },
    });
  }
}
