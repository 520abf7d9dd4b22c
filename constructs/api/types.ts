/**
 * Hand-written (small) part of the `sei.io/v1alpha1` API surface: full-object types, constants and the
 * `nodeMode` helper. Spec and status types are generated from the schema (`imports/sei.io.types.ts`,
 * `npm run import`) and re-exported here, so code imports everything API-related from this module.
 *
 * Sources: SPEC.md §3 (kinds), §5/§6 (labels), §10 (finalizers).
 */
import type {
  SeiNodeDeploymentSpec,
  SeiNodeDeploymentStatus,
  SeiNodeSpec,
  SeiNodeStatus,
} from '../../imports/sei.io.types';
import { SEI_API_GROUP, SEI_API_VERSION } from './crd';
import { SEINODE_MODES as SCHEMA_MODES } from './seinode-schema';

export type * from '../../imports/sei.io.types';

/** API group of the Sei kinds: `sei.io`. */
export const API_GROUP = SEI_API_GROUP;
/** Version of the Sei kinds: `v1alpha1`. */
export const VERSION = SEI_API_VERSION;
/** `apiVersion` of Sei objects: `sei.io/v1alpha1`. */
export const API_VERSION = `${SEI_API_GROUP}/${SEI_API_VERSION}` as const;

/** Kind of a single Sei node. */
export const KIND_SEINODE = 'SeiNode';
/** Kind of a group of Sei nodes. */
export const KIND_SEINODEDEPLOYMENT = 'SeiNodeDeployment';
/** REST plural of SeiNode (`/apis/sei.io/v1alpha1/namespaces/{ns}/seinodes`). */
export const PLURAL_SEINODES = 'seinodes';
/** REST plural of SeiNodeDeployment. */
export const PLURAL_SEINODEDEPLOYMENTS = 'seinodedeployments';

/** Finalizer the SeiNode controller puts on every SeiNode. */
export const FINALIZER_SEINODE = 'sei.io/seinode-finalizer';
/** Finalizer the SeiNodeDeployment controller puts on every SeiNodeDeployment. */
export const FINALIZER_SEINODEDEPLOYMENT = 'sei.io/seinodedeployment-finalizer';

/** Label carrying the SeiNode name on every owned resource and pod (the StatefulSet selector). */
export const LABEL_NODE = 'sei.io/node';
/** Label carrying the chain ID. */
export const LABEL_CHAIN = 'sei.io/chain';
/** Label carrying the node role (derived from the mode). */
export const LABEL_ROLE = 'sei.io/role';
/** Label carrying the owning SeiNodeDeployment name on its children. */
export const LABEL_NODEDEPLOYMENT = 'sei.io/nodedeployment';
/** Label carrying the child ordinal within its SeiNodeDeployment. */
export const LABEL_NODEDEPLOYMENT_ORDINAL = 'sei.io/nodedeployment-ordinal';
/** Label carrying the SeiNodeDeployment generation a child was last written at (observability only). */
export const LABEL_REVISION = 'sei.io/revision';

/** A SeiNode object as stored by the apiserver. */
/** An owner reference as JSON. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * Object metadata as JSON on the wire (timestamps are RFC 3339 strings, not Date objects as in
 * `@kubernetes/client-node`'s V1ObjectMeta). Unknown fields are kept.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface SeiNode {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND_SEINODE;
  metadata: ObjectMeta;
  spec: SeiNodeSpec;
  status?: SeiNodeStatus;
  [field: string]: unknown;
}

/** A SeiNodeDeployment object as stored by the apiserver. */
export interface SeiNodeDeployment {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND_SEINODEDEPLOYMENT;
  metadata: ObjectMeta;
  spec: SeiNodeDeploymentSpec;
  status?: SeiNodeDeploymentStatus;
  [field: string]: unknown;
}

/** The mode of a SeiNode: which of the four mutually exclusive mode sub-specs is set. */
export type SeiNodeMode = 'fullNode' | 'archive' | 'replayer' | 'validator';

/** All modes, in precedence order. */
export const SEINODE_MODES: readonly SeiNodeMode[] = SCHEMA_MODES;

/**
 * Returns the mode of a SeiNode spec (the first of fullNode, archive, replayer, validator that is set; the
 * CRD admits exactly one). The controller writes it to `status.mode`, which backs the Mode printer column.
 * @throws Error when no mode sub-spec is set (impossible for an admitted object).
 */
export function nodeMode(spec: SeiNodeSpec): SeiNodeMode {
  for (const mode of SEINODE_MODES) {
    if (spec[mode] != null) return mode;
  }
  throw new Error('SeiNode spec sets none of fullNode, archive, replayer, validator');
}
