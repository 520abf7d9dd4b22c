import { k8s } from 'cdk8s-plus-28';
import { IntOrString } from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { SeiNodeDeployment } from '../api/types';
import { deploymentLabels, EXTERNAL_SERVICE_PORTS, externalServiceName, networkModeOf } from './names';

/** Props of {@link SeiNodeDeploymentExternalService}. */
export interface SeiNodeDeploymentExternalServiceProps {
  /** The SeiNodeDeployment (`metadata.name` required; `metadata.namespace` used as is). */
  readonly deployment: SeiNodeDeployment;
}

/**
 * The ClusterIP Service `<snd>-external` the HTTPRoutes point at (reference-seinodedeployment.md
 * §2.8, SPEC §6), applied only while HTTP networking is on:
 * - selector `sei.io/nodedeployment=<snd>`, labels `sei.io/nodedeployment` (like the reference, no
 *   managed-by annotation);
 * - ports by mode ({@link EXTERNAL_SERVICE_PORTS}): full/archive/replayer `evm-rpc` 8545, `evm-ws`
 *   8546, `grpc` 9090 (appProtocol `kubernetes.io/h2c`), `rest` 1317, `p2p` 26656, `rpc` 26657;
 *   validator `p2p` 26656 only. TCP, targetPort = port.
 *
 * Owner references are added by `SeiNodeDeploymentResources`.
 *
 * @throws Error when `metadata.name` is missing
 */
export class SeiNodeDeploymentExternalService extends Construct {
  /** The underlying Service (L1: every field explicit). */
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: SeiNodeDeploymentExternalServiceProps) {
    super(scope, id);
    const snd = props.deployment;
    const name = snd.metadata.name;
    if (!name) throw new Error('SeiNodeDeploymentExternalService: deployment.metadata.name is required');
    const labels = deploymentLabels(snd);
    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: { name: externalServiceName(name), namespace: snd.metadata.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: EXTERNAL_SERVICE_PORTS[networkModeOf(snd)].map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: IntOrString.fromNumber(p.port),
          protocol: 'TCP',
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
      },
    });
  }
}
