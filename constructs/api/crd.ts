/**
 * Pure functions that build the `apiextensions.k8s.io/v1` CustomResourceDefinitions of the `sei.io` API
 * from the TypeScript-authored schema. They are the single source for the install chart (`SeiCrds`), the
 * generated `imports/crds/*.yaml`, and (through those) the cdk8s imports (ADR 0002).
 *
 * Sources: SPEC.md §3 (kinds, short names, printer columns, status subresource).
 */
import type { JSONSchemaProps } from './common-schema';
import { SeiNodeSchema } from './seinode-schema';
import { SeiNodeDeploymentSchema } from './seinodedeployment-schema';

/** API group of the Sei kinds. */
export const SEI_API_GROUP = 'sei.io';
/** The only (served and storage) version. */
export const SEI_API_VERSION = 'v1alpha1';

/** A printer column of a CRD version (`additionalPrinterColumns[]`). */
export interface CrdPrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** The shape of an `apiextensions.k8s.io/v1` CustomResourceDefinition, as far as these CRDs use it. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: CrdPrinterColumn[];
    }[];
  };
}

/** Schema keys that only steer code generation and are not part of the CRD. */
const CODEGEN_ONLY_KEYS = new Set(['title', 'tsType']);

/**
 * Returns a deep copy of a schema with the codegen-only hints (`title`, `tsType`) removed, i.e. the
 * `JSONSchemaProps` the apiserver receives. The input is not modified.
 */
export function toCrdSchema(schema: JSONSchemaProps): JSONSchemaProps {
  return strip(schema) as JSONSchemaProps;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (CODEGEN_ONLY_KEYS.has(key)) continue;
    if (key === 'default' || key === 'enum' || key === 'x-kubernetes-validations') {
      out[key] = structuredClone(v); // literal values, not schemas
    } else if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strip(s)]));
    } else {
      out[key] = strip(v);
    }
  }
  return out;
}

const AGE_COLUMN: CrdPrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function crd(opts: {
  kind: string;
  plural: string;
  shortName: string;
  schema: JSONSchemaProps;
  columns: CrdPrinterColumn[];
}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${SEI_API_GROUP}` },
    spec: {
      group: SEI_API_GROUP,
      names: {
        kind: opts.kind,
        listKind: `${opts.kind}List`,
        plural: opts.plural,
        singular: opts.kind.toLowerCase(),
        shortNames: [opts.shortName],
        categories: ['sei'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: SEI_API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: toCrdSchema(opts.schema) },
          subresources: { status: {} },
          additionalPrinterColumns: [...opts.columns, AGE_COLUMN].map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/**
 * The SeiNode CRD (`seinodes.sei.io`). Printer columns: Phase, Mode, Image, ExternalAddress (wide), Age.
 * Mode reads `status.mode`, which the controller writes from `nodeMode(spec)`: a JSONPath cannot compute
 * which of the four mode keys is present.
 */
export function seiNodeCrd(): CustomResourceDefinition {
  return crd({
    kind: 'SeiNode',
    plural: 'seinodes',
    shortName: 'snode',
    schema: SeiNodeSchema,
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase.' },
      {
        name: 'Mode',
        type: 'string',
        jsonPath: '.status.mode',
        description: 'fullNode, archive, replayer or validator.',
      },
      { name: 'Image', type: 'string', jsonPath: '.spec.image', description: 'seid image.' },
      {
        name: 'ExternalAddress',
        type: 'string',
        jsonPath: '.status.externalAddress',
        description: 'Published P2P address.',
        priority: 1,
      },
    ],
  });
}

/**
 * The SeiNodeDeployment CRD (`seinodedeployments.sei.io`). Printer columns: Ready, Replicas, Phase, Paused,
 * Target (wide), Age.
 */
export function seiNodeDeploymentCrd(): CustomResourceDefinition {
  return crd({
    kind: 'SeiNodeDeployment',
    plural: 'seinodedeployments',
    shortName: 'snd',
    schema: SeiNodeDeploymentSchema,
    columns: [
      {
        name: 'Ready',
        type: 'integer',
        jsonPath: '.status.readyReplicas',
        description: 'Children in phase Running.',
      },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Desired children.' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Aggregate phase.' },
      { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', description: 'Orchestration frozen.' },
      {
        name: 'Target',
        type: 'string',
        jsonPath: '.status.rollout.targetHash',
        description: 'Template hash being rolled out.',
        priority: 1,
      },
    ],
  });
}

/** Both CRDs, in a stable order (SeiNode, SeiNodeDeployment). */
export function seiCrds(): CustomResourceDefinition[] {
  return [seiNodeCrd(), seiNodeDeploymentCrd()];
}

/**
 * Returns a deep copy of `value` with object keys sorted recursively (the order cdk8s synth uses), so
 * serialized CRDs are byte-stable. Top-level `apiVersion`, `kind`, `metadata` come first.
 */
export function sortKeysDeep<T>(value: T): T {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
    );
  };
  const sorted = sort(value) as Record<string, unknown>;
  if (sorted && typeof sorted === 'object' && !Array.isArray(sorted) && 'apiVersion' in sorted) {
    const { apiVersion, kind, metadata, ...rest } = sorted;
    return { apiVersion, kind, metadata, ...rest } as T;
  }
  return sorted as T;
}
