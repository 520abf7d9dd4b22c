import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import type { PlannedTask, TaskPlan } from '../../constructs/api/types';

/**
 * UUIDv5 namespace of task ids — the reference's, so ids are compatible with what a Go controller
 * would have sent (reference-seinode.md §2.7, reference-seictl-sidecar-api.md §7).
 */
export const TASK_ID_NAMESPACE = 'b7e89c3a-4f12-4d8b-9a6e-1c2d3e4f5a6b';

/** Deterministic task id: UUIDv5 of `"<planId>/<type>/<index>"`. */
export function taskId(planId: string, type: string, index: number): string {
  return uuidv5(`${planId}/${type}/${index}`, TASK_ID_NAMESPACE);
}

/** Kinds of plan, used in status, conditions and metrics labels. */
export type PlanType = 'Init' | 'NodeUpdate' | 'MarkReady' | 'Recurring' | 'Genesis' | 'Rollout';

/** One step as the planner composes it, before ids and retry budgets are assigned. */
export interface TaskSpec {
  readonly type: string;
  /** Wire/stored params; omitted for parameterless tasks. */
  readonly params?: Record<string, unknown>;
}

/** Inputs of {@link newPlan}. */
export interface NewPlanOptions {
  readonly type: PlanType;
  readonly tasks: readonly TaskSpec[];
  /** Phase the owner moves to on completion. */
  readonly targetPhase?: string;
  /** Phase the owner moves to on failure; omit to stay in the current phase. */
  readonly failedPhase?: string;
  /** Retry budget per task type. */
  readonly maxRetries: (type: string) => number;
  /** Drift kinds an update plan converges. */
  readonly drift?: readonly string[];
  readonly target?: TaskPlan['target'];
  /** @default a random UUIDv4 */
  readonly id?: string;
  readonly now: Date;
}

/**
 * Builds an Active plan whose tasks are all Pending, with deterministic task ids. The plan is data:
 * the reconciler persists it before any task runs (atomic plan creation, SPEC §4).
 *
 * @throws Error when `tasks` is empty
 */
export function newPlan(opts: NewPlanOptions): TaskPlan {
  if (opts.tasks.length === 0) throw new Error(`a ${opts.type} plan needs at least one task`);
  const id = opts.id ?? uuidv4();
  const tasks: PlannedTask[] = opts.tasks.map((t, i) => ({
    type: t.type,
    id: taskId(id, t.type, i),
    status: 'Pending',
    ...(t.params && Object.keys(t.params).length ? { params: t.params } : {}),
    maxRetries: opts.maxRetries(t.type),
    retryCount: 0,
  }));
  return {
    id,
    type: opts.type,
    phase: 'Active',
    tasks,
    startedAt: rfc3339(opts.now),
    ...(opts.targetPhase ? { targetPhase: opts.targetPhase } : {}),
    ...(opts.failedPhase ? { failedPhase: opts.failedPhase } : {}),
    ...(opts.drift?.length ? { drift: [...opts.drift] } : {}),
    ...(opts.target ? { target: opts.target } : {}),
  };
}

/** RFC 3339 with second precision, as Kubernetes writes metav1.Time. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The plan's current task: the first one that is not Complete (undefined when all are). */
export function currentTask(plan: TaskPlan): { task: PlannedTask; index: number } | undefined {
  const index = plan.tasks.findIndex((t) => t.status !== 'Complete');
  return index < 0 ? undefined : { task: plan.tasks[index] as PlannedTask, index };
}

/** True for an Active plan. */
export const isActive = (plan: TaskPlan | undefined): boolean => plan?.phase === 'Active';
