import type { PlannedTask, SeiNodeStatus, TaskPlan } from '../../constructs/api/types';
import { currentTask, rfc3339 } from './plan';
import type { TaskRegistry } from './registry';
import type { ConditionUpdate, TaskContext, TaskOutcome } from './task';

/** Retry backoff: `min(baseMs · 2^(attempt-1), maxMs)`. */
export interface RetryBackoff {
  /** @default 5000 */
  readonly baseMs: number;
  /** @default 60000 */
  readonly maxMs: number;
}

/** Default bounded exponential backoff between failed attempts of a task. */
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { baseMs: 5_000, maxMs: 60_000 };
/** Default poll interval of a running task (reference `TaskPollInterval`). */
export const DEFAULT_POLL_MS = 5_000;

/** What one {@link PlanExecutor.execute} call did. The plan passed in is not mutated. */
export interface ExecutionResult {
  /** The plan after this step (a new object). */
  readonly plan: TaskPlan;
  /** Condition updates reported by the tasks that ran, in order. */
  readonly conditions: ConditionUpdate[];
  /** Status fields reported by the tasks that ran, merged in order. */
  readonly status: Partial<SeiNodeStatus>;
  /** Reconcile again after this many ms (poll or retry backoff). */
  readonly requeueAfterMs?: number;
  /** A transient error thrown by the current task: the caller persists progress, then retries with backoff. */
  readonly transientError?: unknown;
  /** Tasks that completed in this call (for logs and metrics). */
  readonly completed: PlannedTask[];
}

/**
 * The generic plan executor (SPEC §4): runs the plan's current task; tasks that complete chain
 * within one call; a running task is recorded and polled later; failed attempts are retried with
 * bounded exponential backoff up to the task's `maxRetries`; a terminal outcome, an unknown task
 * type or invalid params fail the plan at once with `failedTaskDetail`. It only moves plan and
 * task state — conditions and status fields reported by tasks are returned to the planner.
 */
export class PlanExecutor {
  /**
   * @param registry - task definitions
   * @param backoff - retry backoff @default DEFAULT_RETRY_BACKOFF
   * @param now - clock @default () => new Date()
   */
  constructor(
    private readonly registry: TaskRegistry,
    private readonly backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Advances an Active plan as far as it can go in one reconcile.
   *
   * @param context - builds the TaskContext for a task (given the status accumulated so far)
   */
  async execute(
    input: TaskPlan,
    context: (task: PlannedTask, status: Partial<SeiNodeStatus>) => TaskContext,
  ): Promise<ExecutionResult> {
    const plan: TaskPlan = structuredClone(input);
    const conditions: ConditionUpdate[] = [];
    let status: Partial<SeiNodeStatus> = {};
    const completed: PlannedTask[] = [];
    if (plan.phase !== 'Active') return { plan, conditions, status, completed };

    for (;;) {
      const cur = currentTask(plan);
      if (!cur) {
        plan.phase = 'Complete';
        return { plan, conditions, status, completed };
      }
      const { task, index } = cur;
      const def = this.registry.get(task.type);
      if (!def) {
        this.fail(plan, task, index, `unknown task type ${JSON.stringify(task.type)}`);
        return { plan, conditions, status, completed };
      }
      if (task.status === 'Pending' && (task.retryCount ?? 0) === 0 && def.validate) {
        const invalid = def.validate((task.params ?? {}) as never, context(task, status).node);
        if (invalid) {
          this.fail(plan, task, index, `invalid params: ${invalid}`);
          return { plan, conditions, status, completed };
        }
      }

      let outcome: TaskOutcome;
      try {
        outcome = await def.execute(context(task, status) as never);
      } catch (err) {
        return { plan, conditions, status, completed, transientError: err };
      }
      if (outcome.conditions) conditions.push(...outcome.conditions);
      if (outcome.status) status = { ...status, ...outcome.status };

      switch (outcome.kind) {
        case 'complete':
          task.status = 'Complete';
          task.submittedAt ??= rfc3339(this.now());
          delete task.error;
          completed.push(structuredClone(task));
          continue;
        case 'running':
          task.status = 'Running';
          task.submittedAt ??= rfc3339(this.now());
          return {
            plan,
            conditions,
            status,
            completed,
            requeueAfterMs: outcome.pollAfterMs ?? def.pollIntervalMs ?? DEFAULT_POLL_MS,
          };
        case 'failed': {
          const retries = task.retryCount ?? 0;
          if (retries < (task.maxRetries ?? def.maxRetries)) {
            task.retryCount = retries + 1;
            task.status = 'Pending';
            task.error = outcome.error;
            delete task.submittedAt;
            return { plan, conditions, status, completed, requeueAfterMs: this.retryDelay(task.retryCount) };
          }
          this.fail(plan, task, index, outcome.error);
          return { plan, conditions, status, completed };
        }
        case 'terminal':
          this.fail(plan, task, index, outcome.error);
          return { plan, conditions, status, completed };
      }
    }
  }

  /** Delay before retry number `attempt` (1-based). */
  retryDelay(attempt: number): number {
    return Math.min(this.backoff.baseMs * 2 ** Math.max(0, attempt - 1), this.backoff.maxMs);
  }

  private fail(plan: TaskPlan, task: PlannedTask, index: number, error: string): void {
    task.status = 'Failed';
    task.error = error;
    plan.phase = 'Failed';
    plan.failedTaskIndex = index;
    plan.failedTaskDetail = {
      type: task.type,
      id: task.id,
      error,
      retryCount: task.retryCount ?? 0,
      maxRetries: task.maxRetries ?? 0,
    };
  }
}
