import type { Condition } from '../../constructs/api/types';
import { rfc3339 } from './plan';
import type { ConditionUpdate } from './task';

/**
 * Sets a condition the Kubernetes way (meta.SetStatusCondition): `lastTransitionTime` changes only
 * when `status` changes; reason, message and observedGeneration are updated in place. Conditions are
 * never removed. Returns a new array; the input is not mutated.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: prev && prev.status === update.status ? prev.lastTransitionTime : rfc3339(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** The condition of a type, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
