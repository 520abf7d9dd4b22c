import {
  API_VERSION,
  KIND_SEINODE,
  KIND_SEINODEDEPLOYMENT,
  LABEL_CHAIN,
  LABEL_NODEDEPLOYMENT,
  LABEL_NODEDEPLOYMENT_ORDINAL,
  LABEL_REVISION,
  type SeiNode,
  type SeiNodeDeployment,
} from '../api/types';
import { stableHash } from '../seinode/config-intent';

/**
 * Hash of what the children are rendered from: the template (metadata and spec) and the genesis
 * ceremony config. A change starts an InPlace rollout (SPEC §6); 16 hex chars.
 */
export function templateHash(snd: SeiNodeDeployment): string {
  return stableHash({ template: snd.spec.template, genesis: snd.spec.genesis ?? null });
}

/** Name of the child SeiNode at `ordinal`: `<snd>-<ordinal>` (a public contract: also its Service name). */
export const childName = (snd: string, ordinal: number): string => `${snd}-${ordinal}`;

/**
 * The desired child SeiNode of a SeiNodeDeployment at `ordinal` (reference-seinodedeployment.md §2.3,
 * SPEC §6): template labels then system labels (`sei.io/nodedeployment`, `-ordinal`, `sei.io/revision`,
 * `sei.io/chain`); template annotations; the template spec with `podLabels` extended by the template
 * labels and the deployment labels; `networking` and `paused` from the deployment; for a genesis
 * deployment the validator's `genesisCeremony {chainId, stakingAmount, accountBalance, index}`;
 * a controller owner reference when the deployment has a uid.
 *
 * @param snd - the deployment (name required)
 * @param ordinal - 0-based ordinal, below `spec.replicas`
 */
export function childSeiNode(snd: SeiNodeDeployment, ordinal: number): SeiNode {
  const sndName = snd.metadata.name ?? '';
  const tmpl = snd.spec.template;
  const spec = structuredClone(tmpl.spec);
  // The template hash, not the generation: an edit that leaves the template alone (replicas, paused,
  // networking) must not change the children's pod labels, or every pod would be cycled.
  const revision = templateHash(snd);
  const genesis = snd.spec.genesis;
  if (genesis && spec.validator) {
    spec.chainId ||= genesis.chainId;
    spec.validator.genesisCeremony = {
      chainId: genesis.chainId,
      stakingAmount: genesis.stakingAmount ?? '10000000usei',
      accountBalance:
        genesis.accountBalance ??
        '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom',
      index: ordinal,
    };
  }
  spec.podLabels = {
    ...(tmpl.metadata?.labels ?? {}),
    ...(spec.podLabels ?? {}),
    [LABEL_NODEDEPLOYMENT]: sndName,
    [LABEL_REVISION]: revision,
  };
  if (snd.spec.networking) spec.networking = structuredClone(snd.spec.networking);
  if (snd.spec.paused) spec.paused = true;

  const labels: Record<string, string> = {
    ...(tmpl.metadata?.labels ?? {}),
    [LABEL_NODEDEPLOYMENT]: sndName,
    [LABEL_NODEDEPLOYMENT_ORDINAL]: String(ordinal),
    [LABEL_REVISION]: revision,
    [LABEL_CHAIN]: spec.chainId,
  };
  return {
    apiVersion: API_VERSION,
    kind: KIND_SEINODE,
    metadata: {
      name: childName(sndName, ordinal),
      namespace: snd.metadata.namespace,
      labels,
      ...(tmpl.metadata?.annotations ? { annotations: { ...tmpl.metadata.annotations } } : {}),
      ...(snd.metadata.uid
        ? {
            ownerReferences: [
              {
                apiVersion: API_VERSION,
                kind: KIND_SEINODEDEPLOYMENT,
                name: sndName,
                uid: snd.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec,
  };
}
