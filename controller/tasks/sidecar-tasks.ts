/**
 * The plan tasks that run on the node's seictl sidecar (SPEC §4, §9; reference-seictl-sidecar-api.md
 * §5–§7; reference-seinode.md §3): one {@link TaskDefinition} per sidecar task type. The planned
 * task's `params` are the wire params, POSTed as they are under the planned task's id.
 *
 * Execution, per reconcile while the task is current:
 * - status `Pending` (never submitted, or reset for a retry): validate, then POST. Fire-and-forget
 *   types (`config-validate`, `mark-ready`, `snapshot-upload`) are `complete` right away. Others
 *   are looked at once right away, as the Go controller does (a GET after its POST): a task that
 *   already finished (most do within milliseconds: config-apply, configure-genesis, …) is
 *   `complete` (or `failed`) in the same reconcile, without a status write and a poll delay in
 *   between; otherwise `running`, first polled after `firstPollAfterMs`. A retried task re-POSTs
 *   its failed id, which the sidecar re-runs (`run+1`).
 * - status `Running`: GET only (unlike the Go controller, which re-POSTs on every poll and so
 *   restarts slow-failing tasks before their failure is seen): `completed` → `complete`; `failed`
 *   → `failed` with the sidecar's error; `running` → `running`; 404 (row lost) → POST again and
 *   `running`.
 * - invalid params, or a POST the sidecar rejects (400) → `terminal` (never retried);
 *   unreachable/unauthorized/tls/http/malformed → thrown (transient, retried with backoff).
 */
import type { PlannedTask } from '../../constructs/api/types.js';
import type { TaskContext, TaskDefinition, TaskOutcome } from '../planner/task.js';
import { SidecarError, type SidecarTaskResult as TaskResult } from '../sidecar/client.js';
import { validateSidecarParams } from '../sidecar/task-params.js';

/** Static facts of one sidecar task type (reference §6 table). */
export interface SidecarTaskSpec {
  /** Sidecar type string. */
  readonly type: string;
  /** Failed attempts retried before the plan fails. */
  readonly maxRetries: number;
  /** Complete as soon as the POST is accepted; never polled. */
  readonly fireAndForget: boolean;
}

/** The sidecar task types of SeiNode/SeiNodeDeployment plans, with their retry budgets. */
export const SIDECAR_TASK_SPECS: readonly SidecarTaskSpec[] = [
  { type: 'snapshot-restore', maxRetries: 0, fireAndForget: false },
  { type: 'configure-genesis', maxRetries: 180, fireAndForget: false },
  { type: 'config-apply', maxRetries: 0, fireAndForget: false },
  { type: 'discover-peers', maxRetries: 20, fireAndForget: false },
  { type: 'configure-state-sync', maxRetries: 0, fireAndForget: false },
  { type: 'config-validate', maxRetries: 0, fireAndForget: true },
  { type: 'mark-ready', maxRetries: 0, fireAndForget: true },
  { type: 'snapshot-upload', maxRetries: 0, fireAndForget: true },
  { type: 'result-export', maxRetries: 0, fireAndForget: false },
  { type: 'generate-identity', maxRetries: 0, fireAndForget: false },
  { type: 'generate-gentx', maxRetries: 0, fireAndForget: false },
  { type: 'upload-genesis-artifacts', maxRetries: 0, fireAndForget: false },
  { type: 'set-genesis-peers', maxRetries: 0, fireAndForget: false },
  { type: 'assemble-and-upload-genesis', maxRetries: 180, fireAndForget: false },
];

/** Timing of the sidecar task definitions. */
export interface SidecarTaskOptions {
  /** Poll interval while a task runs, in ms. @default 5000 */
  pollIntervalMs?: number;
  /**
   * Delay before the first poll of a task still running right after its POST, in ms (most sidecar
   * tasks finish within a second, so that look comes sooner than the regular interval). @default 1000
   */
  firstPollAfterMs?: number;
}

type Params = Record<string, unknown>;

/** The wire params of a planned task: `undefined` when there are none (the POST then omits `params`). */
function wireParams(params: Params | undefined): Params | undefined {
  return params && Object.keys(params).length > 0 ? params : undefined;
}

/**
 * Builds the {@link TaskDefinition} of one sidecar task type (see the module doc for the
 * execution rules).
 *
 * @param spec - type, retry budget and fire-and-forget flag.
 * @param options - poll timing.
 */
export function sidecarTaskDefinition(
  spec: SidecarTaskSpec,
  options: SidecarTaskOptions = {},
): TaskDefinition {
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const firstPollAfterMs = options.firstPollAfterMs ?? 1_000;

  const submit = async (ctx: TaskContext<Params>, task: PlannedTask): Promise<TaskOutcome> => {
    const params = wireParams(ctx.params ?? task.params);
    const problem = validateSidecarParams(spec.type, params);
    if (problem) return { kind: 'terminal', error: problem };
    try {
      await ctx
        .sidecar()
        .submitTask({ id: task.id, type: spec.type, ...(params ? { params } : {}) }, ctx.signal);
    } catch (err) {
      if (err instanceof SidecarError && err.kind === 'rejected')
        return { kind: 'terminal', error: err.message };
      throw err;
    }
    if (spec.fireAndForget) return { kind: 'complete' };
    // The sidecar stores the row before answering the POST: look right away. The POST was accepted,
    // so an error here is not the task's: poll later like any running task.
    let result: TaskResult | null;
    try {
      result = await ctx.sidecar().getTask(task.id, ctx.signal);
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      result = null;
    }
    return result
      ? outcomeOf(result, task, firstPollAfterMs)
      : { kind: 'running', pollAfterMs: firstPollAfterMs };
  };

  return {
    type: spec.type,
    maxRetries: spec.maxRetries,
    pollIntervalMs,
    validate: (params) => validateSidecarParams(spec.type, wireParams(params)),
    async execute(ctx: TaskContext<Params>): Promise<TaskOutcome> {
      const { task } = ctx;
      if (task.status !== 'Running') return submit(ctx, task);
      const result = await ctx.sidecar().getTask(task.id, ctx.signal);
      if (result === null) {
        ctx.log.info({ taskId: task.id, type: spec.type }, 'sidecar does not know the task; resubmitting');
        return submit(ctx, task);
      }
      return outcomeOf(result, task);
    },
  };
}

/** The outcome of a sidecar task result; `running` polls after `pollAfterMs` (@default the definition's interval). */
function outcomeOf(result: TaskResult, task: PlannedTask, pollAfterMs?: number): TaskOutcome {
  switch (result.status) {
    case 'completed':
      return { kind: 'complete' };
    case 'failed':
      return { kind: 'failed', error: result.error || `task ${task.id} failed with unknown error` };
    default:
      return pollAfterMs === undefined ? { kind: 'running' } : { kind: 'running', pollAfterMs };
  }
}

/**
 * Builds the definitions of every type in {@link SIDECAR_TASK_SPECS}.
 *
 * @param options - poll timing shared by all of them.
 */
export function createSidecarTasks(options: SidecarTaskOptions = {}): readonly TaskDefinition[] {
  return SIDECAR_TASK_SPECS.map((spec) => sidecarTaskDefinition(spec, options));
}

/** The sidecar task definitions with default timing. */
export const SIDECAR_TASKS: readonly TaskDefinition[] = createSidecarTasks();

/** Every sidecar task type string. */
export const sidecarTaskTypes: ReadonlySet<string> = new Set(SIDECAR_TASK_SPECS.map((s) => s.type));
