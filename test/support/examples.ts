import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { SeiNode, SeiNodeDeployment } from '../../constructs/api/types';

/** Absolute path of `examples/`. */
export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

/** Example file names (sorted). */
export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** All YAML documents of one example file, as plain objects. */
export function exampleDocuments(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(join(EXAMPLES_DIR, file), 'utf8')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
}

/** The first SeiNode of an example file, with namespace `default` (a fresh copy each call). */
export function exampleNode(file: string): SeiNode {
  const doc = exampleDocuments(file).find((d) => d.kind === 'SeiNode');
  if (!doc) throw new Error(`${file} has no SeiNode`);
  const node = doc as unknown as SeiNode;
  node.metadata.namespace ??= 'default';
  return node;
}

/** {@link exampleNode} of `file` as SeiNode `namespace/name`, after `mutate`. */
export function exampleNodeNamed(
  file: string,
  namespace: string,
  name: string,
  mutate: (n: SeiNode) => void = () => {},
): SeiNode {
  const n = exampleNode(file);
  n.metadata = { name, namespace };
  mutate(n);
  return n;
}

/** The first SeiNodeDeployment of an example file, with namespace `default`. */
export function exampleDeployment(file: string): SeiNodeDeployment {
  const doc = exampleDocuments(file).find((d) => d.kind === 'SeiNodeDeployment');
  if (!doc) throw new Error(`${file} has no SeiNodeDeployment`);
  const snd = doc as unknown as SeiNodeDeployment;
  snd.metadata.namespace ??= 'default';
  return snd;
}
