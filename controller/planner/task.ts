/**
 * The contract between the generic plan executor and the small, named tasks of a plan
 * (SPEC §4; reference-seinode.md §2.9, §3). A task is a {@link TaskDefinition}: a type string, a
 * retry budget and an `execute` step the executor calls once per reconcile while the task is the
 * plan's current one. Tasks never write status themselves: they return a {@link TaskOutcome}
 * (including condition updates and status fields) and the reconciler writes status once.
 */
import type { Logger } from 'pino';
import type { PlannedTask, SeiNode, SeiNodeDeployment, SeiNodeStatus } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import type { Applier } from '../apply/applier';
import type { KubeClient } from '../kube/client';
import type { ResourceDescriptor } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { SidecarClient } from '../sidecar/client';

/** A condition a task asks the planner to set (metav1.Condition without timestamps). */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  /** Stable CamelCase reason, e.g. `SigningKeyValidated`. */
  readonly reason: string;
  readonly message: string;
}

/** Fields shared by every outcome. */
interface OutcomeBase {
  /** Conditions to set on the owning object. */
  readonly conditions?: readonly ConditionUpdate[];
  /** Status fields to set on the owning SeiNode (e.g. `currentImage` from observe-image). */
  readonly status?: Partial<SeiNodeStatus>;
}

/**
 * What one execution step of a task reports:
 * - `complete`: done; the executor moves to the next task in the same reconcile;
 * - `running`: submitted or waiting; the executor records it (status `Running`) and polls again
 *   after `pollAfterMs` (default: the definition's `pollIntervalMs`, else 5 s);
 * - `failed`: this attempt failed; retried with backoff while `retryCount < maxRetries`, then the
 *   plan fails with `failedTaskDetail`;
 * - `terminal`: can never succeed (bad params, invalid Secret, a PVC another object owns): the
 *   plan fails now, whatever the retry budget.
 *
 * A *thrown* error is transient (API or network trouble): the task keeps its state and the
 * reconcile is retried with backoff; it does not consume the retry budget.
 */
export type TaskOutcome =
  | (OutcomeBase & { readonly kind: 'complete' })
  | (OutcomeBase & { readonly kind: 'running'; readonly pollAfterMs?: number; readonly message?: string })
  | (OutcomeBase & { readonly kind: 'failed'; readonly error: string })
  | (OutcomeBase & { readonly kind: 'terminal'; readonly error: string });

/** Read access to the shared informer caches. */
export interface CacheReader {
  get<T extends KubeObject>(resource: ResourceDescriptor, namespace: string, name: string): T | undefined;
  list<T extends KubeObject>(
    resource: ResourceDescriptor,
    namespace: string | undefined,
    labelSelector?: Record<string, string>,
  ): T[];
}

/** Everything a task may use. Tasks read the node; they do not mutate it. */
export interface TaskContext<P = Record<string, unknown>> {
  /** The SeiNode as it stands in this reconcile (earlier tasks' status updates applied). */
  readonly node: SeiNode;
  /** The planned task being executed (id, status, retryCount, submittedAt …). */
  readonly task: PlannedTask;
  /** `task.params`, typed. */
  readonly params: P;
  readonly client: KubeClient;
  readonly cache: CacheReader;
  readonly applier: Applier;
  readonly platform: PlatformConfig;
  /** The node's sidecar client (built lazily; may throw a transient error when unresolvable). */
  sidecar(): SidecarClient;
  /**
   * For SeiNodeDeployment plans: the deployment. `node` is then its first child (by name), where
   * deployment-level sidecar tasks such as assemble-and-upload-genesis run.
   */
  readonly deployment?: SeiNodeDeployment;
  /** For SeiNodeDeployment plans: the sidecar client of any child, by name. */
  sidecarOf?(nodeName: string): SidecarClient;
  readonly log: Logger;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
}

/** One task type. */
export interface TaskDefinition<P = Record<string, unknown>> {
  /** The reference's type string, e.g. `ensure-data-pvc`, `config-apply`. */
  readonly type: string;
  /** Failed attempts retried before the plan fails (reference §2.7). */
  readonly maxRetries: number;
  /** Poll interval while `running`. @default 5000 */
  readonly pollIntervalMs?: number;
  /**
   * Checks params before the task's first execution. A returned message fails the plan at once
   * (a task that can never succeed must not retry forever — SPEC §4).
   */
  validate?(params: P, node: SeiNode): string | undefined;
  /** One execution step (see {@link TaskOutcome}). */
  execute(ctx: TaskContext<P>): Promise<TaskOutcome>;
}
