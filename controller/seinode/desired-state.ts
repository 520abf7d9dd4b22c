import type { SeiNode } from '../../constructs/api/types';
import type { KubeObject } from '../../constructs/render';
import { ANNOTATION_CONFIG_HASH, configHashOf, stableHash } from '../../constructs/seinode/config-intent';
import { CONTAINER } from '../../constructs/seinode/names';
import type { DesiredState } from './planner';

type Container = { name: string; image?: string };
type Template = {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[] };
};

/**
 * The state a node converges to when its spec is fully rolled out, from the rendered workload:
 * the seid image, a hash of the StatefulSet pod template with the seid image and the config-hash
 * annotation blanked out, and the hash of the config intent ({@link configHashOf}).
 *
 * @throws Error when the rendered manifests contain no StatefulSet
 */
export function desiredState(node: SeiNode, rendered: readonly KubeObject[]): DesiredState {
  const sts = rendered.find((o) => o.kind === 'StatefulSet') as
    | (KubeObject & { spec: { template: Template } })
    | undefined;
  if (!sts) throw new Error('rendered workload has no StatefulSet');
  const template = structuredClone(sts.spec.template);
  // Config changes are their own drift kind; the annotation only forces the pod cycle.
  delete template.metadata?.annotations?.[ANNOTATION_CONFIG_HASH];
  for (const c of [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])]) {
    if (c.name === CONTAINER.seid || c.name === CONTAINER.seidInit) c.image = '';
  }
  return {
    image: node.spec.image,
    podTemplateHash: stableHash(template),
    configHash: configHashOf(node),
  };
}
