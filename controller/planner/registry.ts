import type { TaskDefinition } from './task';

/** Task definitions by type string. */
export class TaskRegistry {
  private readonly byType = new Map<string, TaskDefinition>();

  /** @throws Error when a type is registered twice */
  constructor(definitions: Iterable<TaskDefinition>) {
    for (const d of definitions) {
      if (this.byType.has(d.type)) throw new Error(`task type ${d.type} registered twice`);
      this.byType.set(d.type, d);
    }
  }

  get(type: string): TaskDefinition | undefined {
    return this.byType.get(type);
  }

  /** Retry budget of a type (0 for unknown types). */
  maxRetries = (type: string): number => this.byType.get(type)?.maxRetries ?? 0;

  types(): string[] {
    return [...this.byType.keys()].sort();
  }
}
