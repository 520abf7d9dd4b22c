/**
 * Shared OpenAPI v3 (apiextensions.k8s.io/v1 `JSONSchemaProps`) building blocks for the `sei.io/v1alpha1`
 * CRDs. The schema is authored once, here and in `seinode-schema.ts` / `seinodedeployment-schema.ts`; the
 * CRD YAML (`imports/crds/*.yaml`), the TypeScript types (`imports/sei.io.types.ts`) and the cdk8s constructs
 * (`imports/sei.io.ts`) are all generated from it by `npm run import` (see ADR 0002).
 *
 * Conventions:
 * - every field carries a `description` (so `kubectl explain` works; enforced by a unit test);
 * - `title` names a schema for the TypeScript type generator and `tsType` overrides the generated TS type;
 *   both are codegen hints and are stripped from the CRD by `toCrdSchema` in `crd.ts`;
 * - objects are closed (the type generator runs with `additionalProperties: false`); maps declare
 *   `additionalProperties` explicitly;
 * - every string, list and map that a CEL rule touches is bounded (maxLength / maxItems / maxProperties) so
 *   the apiserver's static CEL cost estimate stays within budget.
 *
 * Sources: SPEC.md §3 (API), §4 (TaskPlan), §7 (networking, seinodeDeployment peers), §8 (sidecar TLS);
 * reference-seinode.md §1.2–1.3; reference-seinodedeployment.md §1.
 */

/** One `x-kubernetes-validations` entry (a CEL rule and the message users read when it fails). */
export interface ValidationRule {
  /** CEL expression; `self` is the value at the schema node carrying the rule. */
  rule: string;
  /** Message returned on failure. Must say what to fix. */
  message?: string;
  /** Optional field path (relative to the node) that the error is reported at. */
  fieldPath?: string;
  /** Optional machine-readable reason. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * The subset of apiextensions.k8s.io/v1 `JSONSchemaProps` used by the sei.io CRDs, keyed by wire names,
 * plus two codegen-only hints (`title`, `tsType`).
 */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  /** Codegen hint: names the generated TypeScript type. Stripped from the CRD. */
  title?: string;
  /** Codegen hint: overrides the generated TypeScript type. Stripped from the CRD. */
  tsType?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  enum?: (string | number | boolean)[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
}

// ---------------------------------------------------------------------------------------------------------
// Patterns and bounds
// ---------------------------------------------------------------------------------------------------------

/** RFC 1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric (max 63 chars). */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** RFC 1123 subdomain: dot-separated RFC 1123 labels (max 253 chars); the format of Secret/PVC names. */
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** RFC 1035 label: like an RFC 1123 label but starting with a letter; the format of Service names. */
export const DNS1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/** A static CometBFT peer: 40 lowercase hex characters of node ID, '@', host (no ':'), ':', port. */
export const STATIC_PEER_ADDRESS_PATTERN = '^[0-9a-f]{40}@[^:@\\s]+:[0-9]{1,5}$';

/** A Go `time.Duration` string as printed by Go (e.g. `15m`, `1h30m`, `9999h0m0s`). */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

/** Kubernetes resource.Quantity (same pattern controller-gen emits for `resource.Quantity`). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** Secret data keys: alphanumerics, '-', '_' and '.'. */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

// ---------------------------------------------------------------------------------------------------------
// Small schema builders
// ---------------------------------------------------------------------------------------------------------

/** A string field. */
export function str(description: string, extra: JSONSchemaProps = {}): JSONSchemaProps {
  return { type: 'string', description, ...extra };
}

/** A 32-bit integer field. */
export function int32(description: string, extra: JSONSchemaProps = {}): JSONSchemaProps {
  return { type: 'integer', format: 'int32', description, ...extra };
}

/** A 64-bit integer field. */
export function int64(description: string, extra: JSONSchemaProps = {}): JSONSchemaProps {
  return { type: 'integer', format: 'int64', description, ...extra };
}

/** A boolean field. */
export function bool(description: string, extra: JSONSchemaProps = {}): JSONSchemaProps {
  return { type: 'boolean', description, ...extra };
}

/** An RFC 3339 timestamp field (metav1.Time on the wire). */
export function timestamp(description: string): JSONSchemaProps {
  return { type: 'string', format: 'date-time', description };
}

/** A map of string to string (labels, tags, overrides, selectors). */
export function stringMap(
  description: string,
  valueDescription: string,
  extra: JSONSchemaProps = {},
): JSONSchemaProps {
  return {
    type: 'object',
    description,
    additionalProperties: { type: 'string', description: valueDescription },
    ...extra,
  };
}

/**
 * A presence flag: an empty object whose existence is the signal (e.g. `stateSync: {}`, `networking.tcp: {}`).
 * Unknown fields inside it are pruned by the apiserver.
 */
export function presence(description: string): JSONSchemaProps {
  return { type: 'object', description, tsType: 'Record<string, never>' };
}

/**
 * A Secret-name field: RFC 1123 subdomain, max 253 chars, immutable once set (`self == oldSelf`).
 * @param message the immutability message shown to the user.
 */
export function immutableSecretName(description: string, message: string): JSONSchemaProps {
  return str(description, {
    minLength: 1,
    maxLength: 253,
    pattern: DNS1123_SUBDOMAIN_PATTERN,
    'x-kubernetes-validations': [{ rule: 'self == oldSelf', message }],
  });
}

/** CEL: "exactly one of these optional fields is set" (`(has(self.a)?1:0) + ... == 1`). */
export function exactlyOneOf(fields: readonly string[]): string {
  return `${fields.map((f) => `(has(self.${f}) ? 1 : 0)`).join(' + ')} == 1`;
}

// ---------------------------------------------------------------------------------------------------------
// Peers (SPEC §3.1, §7; reference-seinode.md §1.2 PeerSource)
// ---------------------------------------------------------------------------------------------------------

/** `peers[].ec2Tags`: discover peers among EC2 instances carrying all the given tags. */
export const Ec2TagsPeerSourceSchema: JSONSchemaProps = {
  title: 'Ec2TagsPeerSource',
  type: 'object',
  description:
    'Discovers peers among EC2 instances in a region that carry all of the given tags (resolved by the sidecar).',
  properties: {
    region: str('AWS region to search, e.g. us-east-2.', { minLength: 1, maxLength: 64 }),
    tags: stringMap(
      'EC2 tags an instance must carry (all of them) to be used as a peer.',
      'Required tag value.',
      {
        minProperties: 1,
        maxProperties: 50,
      },
    ),
  },
  required: ['region', 'tags'],
};

/** `peers[].static`: fixed `nodeId@host:port` peer addresses. */
export const StaticPeerSourceSchema: JSONSchemaProps = {
  title: 'StaticPeerSource',
  type: 'object',
  description: 'A fixed list of CometBFT peer addresses.',
  properties: {
    addresses: {
      type: 'array',
      description:
        'Peer addresses in the form nodeId@host:port, where nodeId is the 40-character lowercase hex node ID ' +
        '(e.g. 0123456789abcdef0123456789abcdef01234567@peer-0.example.com:26656).',
      minItems: 1,
      maxItems: 128,
      items: str('One peer address, nodeId@host:port.', {
        maxLength: 512,
        pattern: STATIC_PEER_ADDRESS_PATTERN,
      }),
    },
  },
  required: ['addresses'],
};

/** `peers[].label`: peer with SeiNodes selected by labels. */
export const LabelPeerSourceSchema: JSONSchemaProps = {
  title: 'LabelPeerSource',
  type: 'object',
  description:
    'Peers with the SeiNodes whose labels match the selector. Children of a SeiNodeDeployment carry ' +
    'sei.io/chain, sei.io/nodedeployment, sei.io/nodedeployment-ordinal and sei.io/revision.',
  properties: {
    selector: stringMap(
      'Labels a SeiNode must carry (all of them) to be used as a peer.',
      'Required label value.',
      {
        minProperties: 1,
        maxProperties: 32,
      },
    ),
    namespace: str('Namespace to search. Defaults to the namespace of this SeiNode.', {
      maxLength: 63,
      pattern: DNS1123_LABEL_PATTERN,
    }),
  },
  required: ['selector'],
};

/** `peers[].seinodeDeployment` (seed #360 PR-4): peer with the published children of SeiNodeDeployments. */
export const SeiNodeDeploymentPeerSourceSchema: JSONSchemaProps = {
  title: 'SeiNodeDeploymentPeerSource',
  type: 'object',
  description:
    "Peers with the children of SeiNodeDeployments, using each child's published status.externalAddress " +
    '(children without an external address are skipped). Set exactly one of name or selector.',
  properties: {
    name: str('Name of one SeiNodeDeployment.', {
      minLength: 1,
      maxLength: 253,
      pattern: DNS1123_SUBDOMAIN_PATTERN,
    }),
    selector: stringMap(
      'Labels a SeiNodeDeployment must carry (all of them) for its children to be used as peers.',
      'Required label value.',
      { minProperties: 1, maxProperties: 32 },
    ),
    namespace: str('Namespace of the SeiNodeDeployments. Defaults to the namespace of this SeiNode.', {
      maxLength: 63,
      pattern: DNS1123_LABEL_PATTERN,
    }),
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.name) != has(self.selector)',
      message: 'a seinodeDeployment peer source must set exactly one of name or selector',
    },
  ],
};

/** One entry of `spec.peers`: a union of four peer-discovery variants (exactly one set, CEL). */
export const PeerSourceSchema: JSONSchemaProps = {
  title: 'PeerSource',
  type: 'object',
  description:
    'One source of peers. Exactly one of ec2Tags, static, label or seinodeDeployment must be set; ' +
    'use several list entries to combine sources.',
  properties: {
    ec2Tags: Ec2TagsPeerSourceSchema,
    static: StaticPeerSourceSchema,
    label: LabelPeerSourceSchema,
    seinodeDeployment: SeiNodeDeploymentPeerSourceSchema,
  },
  'x-kubernetes-validations': [
    {
      rule: exactlyOneOf(['ec2Tags', 'static', 'label', 'seinodeDeployment']),
      message:
        'each peer source must set exactly one of ec2Tags, static, label, or seinodeDeployment ' +
        '(use separate list entries to combine sources)',
    },
  ],
};

// ---------------------------------------------------------------------------------------------------------
// Snapshots (SPEC §3.1; reference-seinode.md §1.2 SnapshotSource / SnapshotGenerationConfig)
// ---------------------------------------------------------------------------------------------------------

/** Where a node's initial state comes from: an S3 state-sync snapshot or CometBFT state sync. */
export const SnapshotSourceSchema: JSONSchemaProps = {
  title: 'SnapshotSource',
  type: 'object',
  description:
    'Where the node gets its initial state. Exactly one of s3 or stateSync must be set. ' +
    'Without a snapshot the node syncs from genesis.',
  properties: {
    s3: {
      type: 'object',
      description:
        'Restore from the state-sync snapshot archive in the platform snapshot bucket ' +
        '(<bucket>/<chainId>/state-sync/).',
      properties: {
        targetHeight: int64('Block height of the snapshot to restore (at least 1).', { minimum: 1 }),
      },
      required: ['targetHeight'],
    },
    stateSync: presence('Use CometBFT state sync from peers. An empty object; its presence is the signal.'),
    trustPeriod: str('State-sync trust period as a Go duration, e.g. 9999h0m0s.', {
      maxLength: 64,
      pattern: DURATION_PATTERN,
    }),
    backfillBlocks: int64('Number of blocks to backfill after state sync.', { minimum: 0 }),
    bootstrapImage: str(
      'seid image for a one-shot bootstrap Job that replays from the S3 snapshot up to s3.targetHeight before ' +
        'the StatefulSet starts. Requires s3.',
      { minLength: 1, maxLength: 512 },
    ),
  },
  'x-kubernetes-validations': [
    { rule: exactlyOneOf(['s3', 'stateSync']), message: 'snapshot must set exactly one of s3 or stateSync' },
    {
      rule: '!has(self.bootstrapImage) || has(self.s3)',
      message:
        'bootstrapImage requires s3 with a targetHeight: set snapshot.s3.targetHeight or remove bootstrapImage',
      fieldPath: '.bootstrapImage',
    },
  ],
};

/** Periodic snapshot generation (and optional upload) by a full or archive node. */
export const SnapshotGenerationConfigSchema: JSONSchemaProps = {
  title: 'SnapshotGenerationConfig',
  type: 'object',
  description:
    'Makes the node take periodic snapshots and, with publish, upload them to the snapshot bucket.',
  properties: {
    tendermint: {
      type: 'object',
      description: 'CometBFT (Tendermint) state-sync snapshot generation.',
      properties: {
        keepRecent: int32(
          'How many recent snapshots to keep on disk (at least 1; at least 2 with publish).',
          {
            minimum: 1,
          },
        ),
        publish: presence(
          'Upload each new snapshot to the snapshot bucket (recurring snapshot-upload task). An empty object; ' +
            'its presence is the signal.',
        ),
      },
      required: ['keepRecent'],
      'x-kubernetes-validations': [
        {
          rule: '!has(self.publish) || self.keepRecent >= 2',
          message:
            'keepRecent must be at least 2 when publish is set (the snapshot being uploaded must not be pruned): ' +
            'raise keepRecent or remove publish',
          fieldPath: '.keepRecent',
        },
      ],
    },
  },
  required: ['tendermint'],
};

// ---------------------------------------------------------------------------------------------------------
// Networking (SPEC §3.1/§3.2/§7; seed #360 PR-1)
// ---------------------------------------------------------------------------------------------------------

/** `networking {http?, tcp?}` presence flags, on SeiNodeSpec and SeiNodeDeploymentSpec. */
export const NetworkingConfigSchema: JSONSchemaProps = {
  title: 'NetworkingConfig',
  type: 'object',
  description:
    'Which traffic tiers are published. Both fields are presence flags. A legacy empty networking: {} means ' +
    'http: {}; {tcp: {}} alone means TCP only; absent networking publishes nothing.',
  properties: {
    http: presence(
      'Publish HTTP endpoints (EVM JSON-RPC/WS, Tendermint RPC, REST, gRPC) through the Gateway API ' +
        '(SeiNodeDeployment external Service and HTTPRoutes).',
    ),
    tcp: presence(
      'Publish the P2P port 26656 through a per-node internet-facing AWS NLB (Service <node>-p2p, type ' +
        'LoadBalancer); the controller writes its address to status.externalAddress and advertises it as ' +
        'p2p.external_address.',
    ),
  },
};

// ---------------------------------------------------------------------------------------------------------
// Resources (corev1.ResourceRequirements)
// ---------------------------------------------------------------------------------------------------------

function quantityMap(description: string): JSONSchemaProps {
  return {
    type: 'object',
    description,
    additionalProperties: {
      description: 'A resource quantity, e.g. 500m, 2, 4Gi.',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      pattern: QUANTITY_PATTERN,
      'x-kubernetes-int-or-string': true,
      tsType: 'number | string',
    },
  };
}

/** corev1.ResourceRequirements (limits, requests, claims), as controller-gen renders it. */
export const ResourceRequirementsSchema: JSONSchemaProps = {
  title: 'ResourceRequirements',
  type: 'object',
  description: 'Compute resources of a container (core/v1 ResourceRequirements).',
  properties: {
    limits: quantityMap('Maximum amount of each compute resource allowed, e.g. cpu: "2", memory: 4Gi.'),
    requests: quantityMap(
      'Minimum amount of each compute resource required; defaults to limits when omitted.',
    ),
    claims: {
      type: 'array',
      description: 'Names of resources, defined in spec.resourceClaims of the pod, that this container uses.',
      items: {
        type: 'object',
        description: 'A reference to one entry of the pod spec.resourceClaims.',
        properties: {
          name: str('Name of the pod resource claim.', { minLength: 1 }),
          request: str('Name of a request within the claim; empty means the whole claim.'),
        },
        required: ['name'],
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
  },
};

// ---------------------------------------------------------------------------------------------------------
// Status building blocks: conditions and the task plan (SPEC §3, §4; reference-seinode.md §1.3)
// ---------------------------------------------------------------------------------------------------------

/** metav1.Condition, with the upstream validation. */
export const ConditionSchema: JSONSchemaProps = {
  title: 'Condition',
  type: 'object',
  description: 'One aspect of the current state of the resource (metav1.Condition).',
  properties: {
    type: str('Condition type in CamelCase, e.g. Ready, NodeUpdateInProgress, P2PPublishable.', {
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: str('Status of the condition: True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: int64('metadata.generation the condition was set against.', { minimum: 0 }),
    lastTransitionTime: timestamp('Last time the condition changed status.'),
    reason: str('Stable CamelCase reason for the last transition.', {
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str('Human-readable details about the last transition.', { maxLength: 32768 }),
  },
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
};

/** `status.conditions`: a map-list keyed by `type`. */
export function conditionsSchema(description: string): JSONSchemaProps {
  return {
    type: 'array',
    description,
    items: ConditionSchema,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  };
}

/** Details of the task that failed a plan. */
export const FailedTaskInfoSchema: JSONSchemaProps = {
  title: 'FailedTaskInfo',
  type: 'object',
  description: 'The task that failed the plan.',
  properties: {
    type: str('Task type, e.g. config-apply.'),
    id: str('Task ID.'),
    error: str('Last error reported by the task.'),
    retryCount: int32('Retries attempted before the plan failed.'),
    maxRetries: int32('Retry budget of the task.'),
  },
  required: ['type', 'id', 'error', 'retryCount', 'maxRetries'],
};

/** One ordered task of a TaskPlan. */
export const PlannedTaskSchema: JSONSchemaProps = {
  title: 'PlannedTask',
  type: 'object',
  description: 'One task of a plan. Tasks run strictly in order, one at a time.',
  properties: {
    type: str('Task type, e.g. ensure-data-pvc, apply-statefulset, config-apply, mark-ready.'),
    id: str(
      'Deterministic task ID (UUIDv5 of planId/type/index), so resubmission to the sidecar is idempotent.',
    ),
    status: str('Task status.', { enum: ['Pending', 'Running', 'Complete', 'Failed'] }),
    params: {
      type: 'object',
      description: 'Task parameters; the shape depends on the task type.',
      'x-kubernetes-preserve-unknown-fields': true,
      tsType: '{ [k: string]: unknown }',
    },
    submittedAt: timestamp('When the task was (last) submitted for execution.'),
    error: str('Last error reported by the task.'),
    maxRetries: int32('Retry budget of the task.', { minimum: 0 }),
    retryCount: int32('Retries attempted so far.', { minimum: 0 }),
  },
  required: ['type', 'id', 'status'],
};

/** `status.plan`: the active or last terminal plan (SPEC §4). */
export const TaskPlanSchema: JSONSchemaProps = {
  title: 'TaskPlan',
  type: 'object',
  description:
    'The ordered plan that drives a lifecycle change. It is persisted before any of its tasks run; ' +
    'tasks run one at a time, in order.',
  properties: {
    id: str('Plan ID (UUID).'),
    type: str('Kind of plan, e.g. Init, NodeUpdate, MarkReady, Genesis, Rollout.'),
    phase: str('Plan phase.', { enum: ['Active', 'Complete', 'Failed'] }),
    tasks: { type: 'array', description: 'The tasks, in execution order.', items: PlannedTaskSchema },
    startedAt: timestamp('When the plan was created.'),
    targetPhase: str('Phase the resource moves to when the plan completes.'),
    failedPhase: str('Phase the resource moves to when the plan fails; empty means no transition.'),
    failedTaskIndex: int32('Index in tasks of the task that failed the plan.', { minimum: 0 }),
    failedTaskDetail: FailedTaskInfoSchema,
    drift: {
      type: 'array',
      description: 'For update plans: the drift kinds the plan converges (e.g. image, config, podTemplate).',
      items: str('A drift kind.'),
      maxItems: 16,
    },
    target: {
      type: 'object',
      description:
        'What the resource has converged to once this plan completes; copied into status (currentImage, ' +
        'currentPodTemplateHash, currentConfigHash) on completion.',
      properties: {
        image: str('The seid image the plan rolls out.'),
        podTemplateHash: str('Hash of the pod template the plan applies.'),
        configHash: str('Hash of the config intent (overrides, peers, mode) the plan applies.'),
      },
    },
  },
  required: ['phase', 'tasks'],
};

/**
 * Root-level `apiVersion` / `kind` / `metadata` property schemas shared by both kinds. `metadata` is the one
 * field without a description: the apiserver rejects anything but `type` there.
 */
export const objectMetaProperties: Record<string, JSONSchemaProps> = {
  apiVersion: str(
    'APIVersion defines the versioned schema of this representation of an object (sei.io/v1alpha1). ' +
      'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  ),
  kind: str(
    'Kind is a string value representing the REST resource this object represents. ' +
      'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  ),
  // The apiserver forbids anything but `type` here (metadata is implicitly specified), so no description.
  metadata: { type: 'object' },
};
