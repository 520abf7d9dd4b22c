/**
 * OpenAPI v3 schema of the `SeiNodeDeployment` kind (`sei.io/v1alpha1`): spec, status and the root object.
 *
 * Sources: SPEC.md §3.2 (fields, CEL, status, conditions), §6 (behaviour), §7 (networking.tcp);
 * reference-seinodedeployment.md §1 (fields, defaults, CEL, status). SPEC wins where they differ
 * (maxCeremonyDuration is honoured and defaults to 15m; `Paused` printer column and phase).
 */
import {
  bool,
  conditionsSchema,
  DNS1035_LABEL_PATTERN,
  DNS1123_LABEL_PATTERN,
  DURATION_PATTERN,
  int32,
  int64,
  type JSONSchemaProps,
  NetworkingConfigSchema,
  objectMetaProperties,
  str,
  stringMap,
  TaskPlanSchema,
  timestamp,
} from './common-schema';
import { SEINODE_NAME_MAX_LENGTH, SeiNodeSpecSchema } from './seinode-schema';

/** Highest replica count. */
export const SND_MAX_REPLICAS = 100;

/** Longest SeiNodeDeployment name: children are named `<snd>-<ordinal>` and must fit SeiNode's limit. */
export const SND_NAME_MAX_LENGTH = SEINODE_NAME_MAX_LENGTH - `-${SND_MAX_REPLICAS - 1}`.length;

/** Default self-delegation of each ceremony gentx (reference-seinodedeployment.md §1.2). */
export const DEFAULT_GENESIS_STAKING_AMOUNT = '10000000usei';

/** Default initial balance of each ceremony validator account (reference-seinodedeployment.md §1.2). */
export const DEFAULT_GENESIS_ACCOUNT_BALANCE =
  '1000000000000000000000usei,1000000000000000000000uusdc,1000000000000000000000uatom';

/** Default bound on a genesis ceremony (SPEC §3.2: honour maxCeremonyDuration). */
export const DEFAULT_MAX_CEREMONY_DURATION = '15m';

/** `spec.template`: metadata and spec stamped onto each child SeiNode. */
export const SeiNodeTemplateSchema: JSONSchemaProps = {
  title: 'SeiNodeTemplate',
  type: 'object',
  description: 'Template of the child SeiNodes <deployment>-<ordinal>.',
  properties: {
    metadata: {
      type: 'object',
      description: 'Labels and annotations merged onto each child SeiNode (labels also onto its pod).',
      properties: {
        labels: stringMap(
          'Labels of each child SeiNode; system labels (sei.io/*) win on conflict.',
          'Label value.',
          {
            maxProperties: 64,
          },
        ),
        annotations: stringMap('Annotations of each child SeiNode.', 'Annotation value.', {
          maxProperties: 64,
        }),
      },
    },
    spec: SeiNodeSpecSchema,
  },
  required: ['spec'],
};

/** `spec.genesis`: run a genesis ceremony for a new network (validator templates only; immutable). */
export const GenesisCeremonyConfigSchema: JSONSchemaProps = {
  title: 'GenesisCeremonyConfig',
  type: 'object',
  description:
    'Create a new network: the children run a genesis ceremony (gentx per validator, assembled genesis uploaded ' +
    'to the genesis bucket, peers set). Only valid with a validator template; immutable once set.',
  properties: {
    chainId: str('Chain ID of the new network; must equal template.spec.chainId. A DNS-1123 label.', {
      minLength: 1,
      maxLength: 63,
      pattern: DNS1123_LABEL_PATTERN,
    }),
    stakingAmount: str(
      `Self-delegation in each validator gentx. Defaults to ${DEFAULT_GENESIS_STAKING_AMOUNT}.`,
      {
        minLength: 1,
        maxLength: 1024,
        default: DEFAULT_GENESIS_STAKING_AMOUNT,
      },
    ),
    accountBalance: str(
      `Initial balance of each validator account, comma-separated coins. Defaults to ${DEFAULT_GENESIS_ACCOUNT_BALANCE}.`,
      { minLength: 1, maxLength: 1024, default: DEFAULT_GENESIS_ACCOUNT_BALANCE },
    ),
    accounts: {
      type: 'array',
      description: 'Extra funded (non-validator) genesis accounts.',
      maxItems: 1000,
      items: {
        type: 'object',
        description: 'One funded genesis account.',
        properties: {
          address: str('Bech32 account address (sei1...).', { minLength: 1, maxLength: 128 }),
          balance: str('Initial balance, comma-separated coins, e.g. 1000usei.', {
            minLength: 1,
            maxLength: 1024,
          }),
        },
        required: ['address', 'balance'],
      },
    },
    overrides: {
      type: 'object',
      description:
        'Genesis overrides keyed by dotted snake_case path (e.g. staking.params.unbonding_time), merged over the ' +
        'sei-config genesis defaults. Values are arbitrary JSON.',
      maxProperties: 256,
      additionalProperties: {
        description: 'Override value (any JSON).',
        'x-kubernetes-preserve-unknown-fields': true,
        tsType: 'unknown',
      },
    },
    maxCeremonyDuration: str(
      `How long the ceremony may take before its plan fails, as a Go duration. Defaults to ${DEFAULT_MAX_CEREMONY_DURATION}.`,
      { maxLength: 64, pattern: DURATION_PATTERN, default: DEFAULT_MAX_CEREMONY_DURATION },
    ),
  },
  required: ['chainId'],
};

/** SeiNodeDeployment `spec` (SPEC §3.2). */
export const SeiNodeDeploymentSpecSchema: JSONSchemaProps = {
  title: 'SeiNodeDeploymentSpec',
  type: 'object',
  description: 'Desired state of a group of identical SeiNodes created from a template.',
  properties: {
    replicas: int32(`Number of child SeiNodes, 1 to ${SND_MAX_REPLICAS}. Defaults to 1.`, {
      minimum: 1,
      maximum: SND_MAX_REPLICAS,
      default: 1,
    }),
    template: SeiNodeTemplateSchema,
    deletionPolicy: str(
      'What happens to the children and networking resources when the deployment is deleted: Delete (the ' +
        'default) deletes them, Retain orphans them.',
      { enum: ['Delete', 'Retain'], default: 'Delete' },
    ),
    genesis: GenesisCeremonyConfigSchema,
    networking: NetworkingConfigSchema,
    updateStrategy: {
      type: 'object',
      description: 'How template changes are rolled out to existing children. Defaults to {type: InPlace}.',
      properties: {
        type: str('Rollout strategy. InPlace (the only one) updates each child in place.', {
          enum: ['InPlace'],
          default: 'InPlace',
        }),
      },
      required: ['type'],
      default: { type: 'InPlace' },
    },
    paused: bool(
      'Freeze orchestration: the active plan is frozen, no rollout starts, and the children are paused. ' +
        'Defaults to false.',
    ),
  },
  required: ['template'],
  'x-kubernetes-validations': [
    {
      rule: '!has(self.genesis) || has(self.template.spec.validator)',
      message:
        'genesis is only valid with a validator template: set template.spec.validator or remove genesis ' +
        '(full nodes get genesis from the ceremony artifacts)',
      fieldPath: '.genesis',
    },
    {
      rule: '!has(self.genesis) || self.genesis.chainId == self.template.spec.chainId',
      message: 'genesis.chainId must equal template.spec.chainId',
      fieldPath: '.genesis.chainId',
    },
    {
      rule:
        '!has(self.genesis) || !has(self.template.spec.validator) || ' +
        '(!has(self.template.spec.validator.signingKey) && !has(self.template.spec.validator.nodeKey))',
      message:
        'a genesis ceremony generates the validator keys: remove template.spec.validator.signingKey and nodeKey, ' +
        'or remove genesis',
      fieldPath: '.genesis',
    },
    {
      rule: '!has(oldSelf.genesis) || (has(self.genesis) && self.genesis == oldSelf.genesis)',
      message:
        'spec.genesis is immutable once set (it cannot be changed or removed): create a new SeiNodeDeployment ' +
        'for a new ceremony',
      fieldPath: '.genesis',
    },
  ],
};

/** SeiNodeDeployment `status` (SPEC §3.2; reference-seinodedeployment.md §1.6). */
export const SeiNodeDeploymentStatusSchema: JSONSchemaProps = {
  title: 'SeiNodeDeploymentStatus',
  type: 'object',
  description: 'Observed state of the deployment, written by the controller.',
  properties: {
    observedGeneration: int64(
      'metadata.generation last fully processed (not while a plan or rollout runs).',
      {
        minimum: 0,
      },
    ),
    templateHash: str('Hash of the template the children last converged to; the rollout baseline.'),
    phase: str('Aggregate phase.', {
      enum: ['Pending', 'Initializing', 'Ready', 'Upgrading', 'Degraded', 'Failed', 'Paused', 'Terminating'],
    }),
    replicas: int32('Desired number of children (spec.replicas).', { minimum: 0 }),
    readyReplicas: int32('Number of children in phase Running.', { minimum: 0 }),
    nodes: {
      type: 'array',
      description: 'The child SeiNodes and their phases.',
      items: {
        type: 'object',
        description: 'One child SeiNode.',
        properties: {
          name: str('Child SeiNode name.'),
          phase: str('Child SeiNode phase.'),
        },
        required: ['name'],
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
    plan: TaskPlanSchema,
    incumbentNodes: {
      type: 'array',
      description: 'Names of the children that exist (planner input).',
      items: str('Child SeiNode name.'),
    },
    rollout: {
      type: 'object',
      description: 'The rollout in progress; absent when none.',
      properties: {
        targetHash: str('Template hash being rolled out.'),
        startedAt: timestamp('When the rollout started.'),
      },
      required: ['targetHash'],
    },
    networkingStatus: {
      type: 'object',
      description: 'Published endpoints.',
      properties: {
        routes: {
          type: 'array',
          description: 'HTTPRoute hostnames, one entry per hostname and protocol.',
          items: {
            type: 'object',
            description: 'One published hostname.',
            properties: {
              hostname: str('Hostname served by the Gateway.'),
              protocol: str('Protocol behind it: evm, rpc, rest or grpc.'),
            },
            required: ['hostname', 'protocol'],
          },
        },
        p2pEndpoints: {
          type: 'array',
          description: "Children's published P2P addresses (networking.tcp), by ordinal.",
          items: {
            type: 'object',
            description: 'One published child.',
            properties: {
              ordinal: int32('Child ordinal.', { minimum: 0 }),
              seiNodeName: str('Child SeiNode name.'),
              address: str("The child's status.externalAddress, <host>:26656."),
            },
            required: ['ordinal', 'seiNodeName'],
          },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['ordinal'],
        },
      },
    },
    internalService: {
      type: 'object',
      description: 'The in-cluster ClusterIP Service <deployment>-internal in front of all children.',
      properties: {
        name: str('Service name.'),
        namespace: str('Service namespace.'),
        ports: {
          type: 'object',
          description: 'Service ports.',
          properties: {
            rpc: int32('Tendermint RPC port (26657).'),
            evmHttp: int32('EVM JSON-RPC port (8545).'),
            rest: int32('Cosmos REST port (1317).'),
          },
        },
      },
      required: ['name', 'namespace'],
    },
    perPodServices: {
      type: 'array',
      description: 'The headless Service of each child, sorted by ordinal.',
      items: {
        type: 'object',
        description: 'One headless Service.',
        properties: {
          name: str('Service name (the child name).'),
          namespace: str('Service namespace.'),
          ports: {
            type: 'object',
            description: 'Service ports.',
            properties: {
              evmHttp: int32('EVM JSON-RPC port (8545).'),
              evmWs: int32('EVM WebSocket port (8546).'),
            },
          },
        },
        required: ['name', 'namespace'],
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
    endpoints: {
      type: 'object',
      description: 'In-cluster URLs of the deployment and of each child.',
      properties: {
        tendermintRpc: str('Tendermint RPC URL of the internal Service.'),
        tendermintRest: str('REST URL of the internal Service.'),
        evmJsonRpc: str('EVM JSON-RPC URL of the internal Service.'),
        nodes: {
          type: 'array',
          description: 'Per-child URLs.',
          items: {
            type: 'object',
            description: 'URLs of one child.',
            properties: {
              name: str('Child SeiNode name.'),
              evmJsonRpc: str('EVM JSON-RPC URL of the child.'),
              evmWs: str('EVM WebSocket URL of the child.'),
            },
            required: ['name'],
          },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
      },
    },
    conditions: conditionsSchema(
      'Current conditions, always present: NodesReady, NetworkingReady, GenesisCeremonyComplete, PlanInProgress, ' +
        'RolloutInProgress, Paused.',
    ),
  },
};

/** The full SeiNodeDeployment object schema (`openAPIV3Schema`). */
export const SeiNodeDeploymentSchema: JSONSchemaProps = {
  type: 'object',
  description:
    'SeiNodeDeployment manages a group of identical SeiNodes from a template: scaling, in-place rollouts, ' +
    'shared Services and HTTP routes, and optionally a genesis ceremony for a new network.',
  properties: {
    ...objectMetaProperties,
    spec: SeiNodeDeploymentSpecSchema,
    status: SeiNodeDeploymentStatusSchema,
  },
  required: ['spec'],
  'x-kubernetes-validations': [
    {
      rule: `size(self.metadata.name) <= ${SND_NAME_MAX_LENGTH}`,
      message: `SeiNodeDeployment names must be at most ${SND_NAME_MAX_LENGTH} characters (children are named <name>-<ordinal>)`,
    },
    {
      rule: `self.metadata.name.matches('${DNS1035_LABEL_PATTERN}')`,
      message:
        'SeiNodeDeployment names must be DNS-1035 labels (lowercase letters, digits and -, starting with a letter) ' +
        'because they name Services and child SeiNodes',
    },
  ],
};
