import { k8s } from 'cdk8s-plus-28';
import { IntOrString } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { SeiNodeDeployment } from '../api/types';
import {
  ANNOTATION_MANAGED_BY,
  deploymentLabels,
  INTERNAL_SERVICE_PORTS,
  internalServiceName,
  MANAGED_BY_SEINODEDEPLOYMENT,
} from './names';

/** Props of {@link SeiNodeDeploymentInternalService}. */
export interface SeiNodeDeploymentInternalServiceProps {
  /** The SeiNodeDeployment (`metadata.name` required; `metadata.namespace` used as is). */
  readonly deployment: SeiNodeDeployment;
}

/**
 * The in-cluster ClusterIP Service `<snd>-internal` in front of all children (reference-seinodedeployment.md
 * §2.8, SPEC §6), rendered for every mode and whether or not `spec.networking` is set:
 * - selector `sei.io/nodedeployment=<snd>` (no revision: rollouts never change it);
 * - ports `rpc` 26657, `evm-http` 8545, `rest` 1317 (TCP, targetPort = port);
 * - labels `sei.io/nodedeployment`, annotation `sei.io/managed-by: seinodedeployment`.
 *
 * `publishNotReadyAddresses` is left unset (false, which the API server omits): only ready pods
 * serve queries. Owner references are added by `SeiNodeDeploymentResources`.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeDeploymentInternalService extends Construct {
  /** The underlying Service (L1: every field explicit). */
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: SeiNodeDeploymentInternalServiceProps) {
    super(scope, id);
    const snd = props.deployment;
    const name = snd.metadata.name;
    if (!name) throw new Error('SeiNodeDeploymentInternalService: deployment.metadata.name is required');
    const labels = deploymentLabels(snd);
    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: internalServiceName(name),
        namespace: snd.metadata.namespace,
        labels,
        annotations: { [ANNOTATION_MANAGED_BY]: MANAGED_BY_SEINODEDEPLOYMENT },
      },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: INTERNAL_SERVICE_PORTS.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: IntOrString.fromNumber(p.port),
          protocol: 'TCP',
        })),
      },
    });
  }
}
