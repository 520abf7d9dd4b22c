import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SeiNode } from '../api/types';
import { resourceLabels, selectorLabels } from './labels';
import { headlessServiceName, NODE_PORTS, RBAC_PROXY_PORT } from './names';

/** Props of {@link SeiNodeHeadlessService}. */
export interface SeiNodeHeadlessServiceProps {
  /** The SeiNode (metadata.name and namespace set). */
  readonly node: SeiNode;
}

/**
 * The headless Service `<name>` governing the node's StatefulSet (reference-seinode.md §4.3): stable
 * DNS `<name>-0.<name>.<ns>.svc`, `publishNotReadyAddresses` so peers and the controller reach a
 * pod that is still initializing, the seven seid ports (grpc with `appProtocol: kubernetes.io/h2c`)
 * and the kube-rbac-proxy `api` port 8443.
 */
export class SeiNodeHeadlessService extends Construct {
  /** The underlying cdk8s-plus Service. */
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: SeiNodeHeadlessServiceProps) {
    super(scope, id);
    const name = props.node.metadata.name ?? '';
    this.service = new kplus.Service(this, 'Resource', {
      metadata: {
        name: headlessServiceName(name),
        namespace: props.node.metadata.namespace,
        labels: resourceLabels(props.node),
      },
      type: kplus.ServiceType.CLUSTER_IP,
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [
        ...NODE_PORTS.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: p.port,
          protocol: kplus.Protocol.TCP,
        })),
        { name: 'api', port: RBAC_PROXY_PORT, targetPort: RBAC_PROXY_PORT, protocol: kplus.Protocol.TCP },
      ],
    });
    const grpcIndex = NODE_PORTS.findIndex((p) => p.name === 'grpc');
    ApiObject.of(this.service).addJsonPatch(
      // The StatefulSet would otherwise select by cdk8s' generated address label.
      JsonPatch.add('/spec/selector', selectorLabels(name)),
      JsonPatch.add(`/spec/ports/${grpcIndex}/appProtocol`, 'kubernetes.io/h2c'),
      JsonPatch.remove('/spec/externalIPs'),
    );
  }
}
