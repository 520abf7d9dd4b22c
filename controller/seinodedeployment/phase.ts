import type { SeiNode, SeiNodeDeploymentStatus } from '../../constructs/api/types';

type Phase = NonNullable<SeiNodeDeploymentStatus['phase']>;

/**
 * The deployment phase by the reference's precedence (reference-seinodedeployment.md §2.9), plus
 * Paused: paused → Paused; rollout in progress → Upgrading; plan in progress → Initializing; no
 * children → Pending; all ready → Ready; all failed → Failed; some failed and some ready → Degraded;
 * otherwise Initializing.
 */
export function deploymentPhase(input: {
  paused: boolean;
  rolloutInProgress: boolean;
  planInProgress: boolean;
  desired: number;
  children: readonly SeiNode[];
}): Phase {
  if (input.paused) return 'Paused';
  if (input.rolloutInProgress) return 'Upgrading';
  if (input.planInProgress) return 'Initializing';
  if (input.children.length === 0) return 'Pending';
  const ready = input.children.filter((c) => c.status?.phase === 'Running').length;
  const failed = input.children.filter((c) => c.status?.phase === 'Failed').length;
  if (ready >= input.desired && input.children.length >= input.desired) return 'Ready';
  if (failed === input.children.length) return 'Failed';
  if (failed > 0 && ready > 0) return 'Degraded';
  return 'Initializing';
}

/** A child has converged its current spec: Running, no active plan, spec generation observed. */
export function childConverged(c: SeiNode): boolean {
  return (
    c.status?.phase === 'Running' &&
    c.status.plan?.phase !== 'Active' &&
    c.status.observedGeneration === c.metadata.generation &&
    c.status.currentImage === c.spec.image
  );
}
