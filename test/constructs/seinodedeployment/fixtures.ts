import type { NetworkingConfig, SeiNodeDeployment, SeiNodeSpec } from '../../../constructs/api/types';
import { exampleDeployment } from '../../support/examples';

/** The pacific-1 RPC pool example (3 full nodes, `networking: {http: {}, tcp: {}}`). */
export const rpcPool = (): SeiNodeDeployment => exampleDeployment('rpc-pool-deployment.yaml');
/** The genesis devnet example (4 validators, no networking). */
export const devnet = (): SeiNodeDeployment => exampleDeployment('genesis-validators-deployment.yaml');

/** The RPC pool with `spec.networking` replaced (`undefined` removes it). */
export function withNetworking(
  snd: SeiNodeDeployment,
  networking: NetworkingConfig | undefined,
): SeiNodeDeployment {
  const copy = structuredClone(snd);
  if (networking === undefined) delete copy.spec.networking;
  else copy.spec.networking = networking;
  return copy;
}

/** The RPC pool with its template switched to another mode. */
export function withMode(
  snd: SeiNodeDeployment,
  mode: Pick<SeiNodeSpec, 'archive' | 'replayer' | 'validator'>,
): SeiNodeDeployment {
  const copy = structuredClone(snd);
  delete copy.spec.template.spec.fullNode;
  Object.assign(copy.spec.template.spec, mode);
  return copy;
}
