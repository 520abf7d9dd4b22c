import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SeiNode } from '../api/types';
import type { PlatformConfig } from '../platform-config';
import { resourceLabels, selectorLabels } from './labels';
import { P2P_PORT } from './names';
import { seiNodeOwnerReference } from './owner';

/** Name of a node's P2P LoadBalancer Service: `<node>-p2p` (seed #360). */
export const p2pServiceName = (node: string): string => `${node}-p2p`;

/**
 * The AWS Load Balancer Controller annotations of a P2P Service (seed #360, SPEC §7): an
 * internet-facing NLB with cross-zone load balancing whose target type is `SEI_NLB_TARGET_TYPE`.
 */
export function p2pServiceAnnotations(platform: PlatformConfig): Record<string, string> {
  return {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': platform.nlbTargetType,
    'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
  };
}

/** Props of {@link SeiNodeP2pService}. */
export interface SeiNodeP2pServiceProps {
  /** The SeiNode (metadata.name and namespace set). */
  readonly node: SeiNode;
  /** Platform configuration (NLB target type). */
  readonly platform: PlatformConfig;
}

/**
 * The per-node P2P Service `<node>-p2p` that publishes TCP/26656 to peers outside the cluster
 * (`networking.tcp`, seed #360): `type: LoadBalancer` (an AWS NLB), `externalTrafficPolicy: Local`,
 * exactly one TCP port 26656, selector `sei.io/node=<name>`, owned by the SeiNode. The controller
 * applies it only when the pod IP is routable from the NLB (the VPC-CIDR gate) and reads the NLB
 * hostname back into `status.externalAddress`.
 */
export class SeiNodeP2pService extends Construct {
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: SeiNodeP2pServiceProps) {
    super(scope, id);
    const { node, platform } = props;
    const name = node.metadata.name ?? '';
    const owner = seiNodeOwnerReference(node);
    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: p2pServiceName(name),
        namespace: node.metadata.namespace,
        labels: { ...resourceLabels(node), 'sei.io/component': 'p2p' },
        annotations: p2pServiceAnnotations(platform),
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        selector: selectorLabels(name),
        ports: [
          { name: 'p2p', port: P2P_PORT, targetPort: k8s.IntOrString.fromNumber(P2P_PORT), protocol: 'TCP' },
        ],
      },
    });
  }
}
