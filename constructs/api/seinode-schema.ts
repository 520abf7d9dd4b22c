/**
 * OpenAPI v3 schema of the `SeiNode` kind (`sei.io/v1alpha1`): spec, status and the root object.
 *
 * Sources: SPEC.md §3.1 (fields and rules), §7 (networking, status.externalAddress), §8 (sidecar.tls,
 * status.currentSidecarTLS); reference-seinode.md §1.2 (every field, validation and CEL rule) and §1.3
 * (status). Where they differ, SPEC wins (chainId is a DNS-1123 label, PeerSource has a seinodeDeployment
 * variant, networking and paused exist on SeiNodeSpec, there is no spec.externalAddress).
 *
 * Beyond the reference, checks that its planner made at reconcile time (and retried forever) are done at
 * admission: replayer needs an S3 snapshot, bootstrapImage needs s3, snapshotGeneration needs tendermint,
 * resultExport needs shadowResult, keys cannot be combined with a genesis ceremony, and removing
 * `dataVolume` altogether cannot unset an import.
 */
import {
  bool,
  conditionsSchema,
  DNS1035_LABEL_PATTERN,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_PATTERN,
  exactlyOneOf,
  immutableSecretName,
  int32,
  int64,
  type JSONSchemaProps,
  NetworkingConfigSchema,
  objectMetaProperties,
  PeerSourceSchema,
  ResourceRequirementsSchema,
  SECRET_KEY_PATTERN,
  SnapshotGenerationConfigSchema,
  SnapshotSourceSchema,
  str,
  stringMap,
  TaskPlanSchema,
  timestamp,
} from './common-schema';

/** Longest SeiNode name: the StatefulSet's controller-revision-hash label (`<name>-<10 chars>`) must fit 63. */
export const SEINODE_NAME_MAX_LENGTH = 52;

/** The four mutually exclusive mode sub-specs, in precedence order. */
export const SEINODE_MODES = ['fullNode', 'archive', 'replayer', 'validator'] as const;

/** `spec.sidecar.tls`: serve the sidecar API over TLS with a cert-manager certificate (seed #247). */
export const SidecarTlsConfigSchema: JSONSchemaProps = {
  title: 'SidecarTlsConfig',
  type: 'object',
  description:
    'Serve the sidecar API (kube-rbac-proxy on port 8443) over TLS, with a cert-manager Certificate ' +
    '<node>-sidecar-tls issued by the given issuer. Enabling, disabling or changing it on a running node rolls ' +
    'the pod once.',
  properties: {
    issuerName: str('Name of the cert-manager Issuer or ClusterIssuer that signs the certificate.', {
      minLength: 1,
      maxLength: 253,
    }),
    issuerKind: str('Kind of the issuer: Issuer (namespaced, the default) or ClusterIssuer.', {
      enum: ['Issuer', 'ClusterIssuer'],
      default: 'Issuer',
    }),
  },
  required: ['issuerName'],
};

/** `spec.sidecar`: the seictl sidecar container. */
export const SidecarConfigSchema: JSONSchemaProps = {
  title: 'SidecarConfig',
  type: 'object',
  description: 'The seictl sidecar that the controller drives over HTTP.',
  properties: {
    image: str('Sidecar image. Defaults to the platform SEI_SIDECAR_IMAGE.', {
      minLength: 1,
      maxLength: 512,
    }),
    port: int32('Port the sidecar listens on inside the pod. Defaults to 7777.', {
      minimum: 1,
      maximum: 65535,
      default: 7777,
    }),
    resources: ResourceRequirementsSchema,
    tls: SidecarTlsConfigSchema,
  },
};

/** `spec.dataVolume`: import an existing PVC instead of creating `data-<name>`. */
export const DataVolumeSpecSchema: JSONSchemaProps = {
  title: 'DataVolumeSpec',
  type: 'object',
  description: 'The data volume of the node. Without import the controller creates PVC data-<name>.',
  properties: {
    import: {
      type: 'object',
      description:
        'Use an existing PVC in the same namespace as the data volume. The controller never modifies or ' +
        'deletes it. Cannot be unset once configured.',
      properties: {
        pvcName: str('Name of the PVC to use. Immutable.', {
          minLength: 1,
          maxLength: 253,
          pattern: DNS1123_SUBDOMAIN_PATTERN,
          'x-kubernetes-validations': [
            {
              rule: 'self == oldSelf',
              message:
                'pvcName is immutable: the node data lives on that PVC; create a new SeiNode to use another one',
            },
          ],
        }),
      },
      required: ['pvcName'],
    },
  },
};

/** `fullNode`: an RPC full node. */
export const FullNodeSpecSchema: JSONSchemaProps = {
  title: 'FullNodeSpec',
  type: 'object',
  description: 'Run an RPC full node.',
  properties: {
    snapshot: SnapshotSourceSchema,
    snapshotGeneration: SnapshotGenerationConfigSchema,
  },
};

/** `archive`: an archive node (always block-syncs from genesis). */
export const ArchiveSpecSchema: JSONSchemaProps = {
  title: 'ArchiveSpec',
  type: 'object',
  description: 'Run an archive node. It always block-syncs from genesis, so it takes no snapshot source.',
  properties: {
    snapshotGeneration: SnapshotGenerationConfigSchema,
  },
};

/** `replayer.resultExport`: where a shadow replayer exports its results. */
export const ResultExportConfigSchema: JSONSchemaProps = {
  title: 'ResultExportConfig',
  type: 'object',
  description: 'Periodic export of replay results (recurring result-export task).',
  properties: {
    shadowResult: {
      type: 'object',
      description: 'Compare the replayed results against a canonical chain RPC.',
      properties: {
        canonicalRpc: str('Tendermint RPC URL of the canonical chain to compare against.', {
          minLength: 1,
          maxLength: 2048,
        }),
      },
      required: ['canonicalRpc'],
    },
  },
  required: ['shadowResult'],
};

/** `replayer`: a shadow replayer. */
export const ReplayerSpecSchema: JSONSchemaProps = {
  title: 'ReplayerSpec',
  type: 'object',
  description: 'Run a shadow replayer: restore an S3 snapshot and replay blocks fetched from peers.',
  properties: {
    snapshot: SnapshotSourceSchema,
    resultExport: ResultExportConfigSchema,
  },
  required: ['snapshot'],
  'x-kubernetes-validations': [
    {
      rule: 'has(self.snapshot.s3)',
      message: 'a replayer requires an S3 snapshot source: set replayer.snapshot.s3.targetHeight',
      fieldPath: '.snapshot',
    },
  ],
};

/** `validator.genesisCeremony`: set by the SeiNodeDeployment controller on ceremony children. */
export const GenesisCeremonyNodeConfigSchema: JSONSchemaProps = {
  title: 'GenesisCeremonyNodeConfig',
  type: 'object',
  description:
    'Genesis-ceremony parameters of this validator. Set by the SeiNodeDeployment controller on the children of ' +
    'a deployment with spec.genesis; not meant to be written by hand.',
  properties: {
    chainId: str('Chain ID of the new network.', {
      minLength: 1,
      maxLength: 63,
      pattern: DNS1123_LABEL_PATTERN,
    }),
    stakingAmount: str('Self-delegation of the validator gentx, e.g. 10000000usei.', {
      minLength: 1,
      maxLength: 1024,
    }),
    accountBalance: str('Initial balance of the validator account (comma-separated coins).', {
      minLength: 1,
      maxLength: 1024,
    }),
    index: int32('Ordinal of this validator within the ceremony.', { minimum: 0 }),
  },
  required: ['chainId', 'stakingAmount', 'accountBalance', 'index'],
};

/** `validator.signingKey`: the consensus key, from a Secret holding `priv_validator_key.json`. */
export const SigningKeySourceSchema: JSONSchemaProps = {
  title: 'SigningKeySource',
  type: 'object',
  description: 'Source of the validator consensus signing key (priv_validator_key.json).',
  properties: {
    secret: {
      type: 'object',
      description: 'Read the key from a Secret in the node namespace with data key priv_validator_key.json.',
      properties: {
        secretName: immutableSecretName(
          'Name of the Secret. Immutable.',
          'secretName is immutable: create a new SeiNode to use a different signing key Secret',
        ),
      },
      required: ['secretName'],
    },
  },
  'x-kubernetes-validations': [
    {
      rule: exactlyOneOf(['secret']),
      message: 'exactly one signing key source must be set: set signingKey.secret.secretName',
    },
  ],
};

/** `validator.nodeKey`: the P2P identity, from a Secret holding `node_key.json`. */
export const NodeKeySourceSchema: JSONSchemaProps = {
  title: 'NodeKeySource',
  type: 'object',
  description: 'Source of the node P2P identity key (node_key.json).',
  properties: {
    secret: {
      type: 'object',
      description: 'Read the key from a Secret in the node namespace with data key node_key.json.',
      properties: {
        secretName: immutableSecretName(
          'Name of the Secret. Immutable.',
          'secretName is immutable: create a new SeiNode to use a different node key Secret',
        ),
      },
      required: ['secretName'],
    },
  },
  'x-kubernetes-validations': [
    {
      rule: exactlyOneOf(['secret']),
      message: 'exactly one node key source must be set: set nodeKey.secret.secretName',
    },
  ],
};

/** `validator.operatorKeyring`: the operator account keyring, mounted on the sidecar only. */
export const OperatorKeyringSourceSchema: JSONSchemaProps = {
  title: 'OperatorKeyringSource',
  type: 'object',
  description:
    'Source of the operator account keyring, mounted on the sidecar only. Without secret the validator uses ' +
    'the test-backend keyring in $SEI_HOME/keyring-test/.',
  properties: {
    secret: {
      type: 'object',
      description: 'Read a file-backend keyring from a Secret in the node namespace.',
      properties: {
        secretName: immutableSecretName(
          'Name of the keyring Secret. Immutable.',
          'secretName is immutable: create a new SeiNode to use a different operator keyring Secret',
        ),
        keyName: str('Name of the key in the keyring. Defaults to node_admin.', {
          minLength: 1,
          maxLength: 64,
          pattern: '^[a-zA-Z0-9_-]+$',
          default: 'node_admin',
        }),
        passphraseSecretRef: {
          type: 'object',
          description:
            'The Secret key holding the keyring passphrase. Must be a different Secret from the keyring.',
          properties: {
            secretName: immutableSecretName(
              'Name of the passphrase Secret. Immutable.',
              'passphrase secretName is immutable: create a new SeiNode to use a different passphrase Secret',
            ),
            key: str('Data key of the passphrase in that Secret.', {
              minLength: 1,
              maxLength: 253,
              pattern: SECRET_KEY_PATTERN,
            }),
          },
          required: ['secretName', 'key'],
        },
      },
      required: ['secretName', 'passphraseSecretRef'],
      'x-kubernetes-validations': [
        {
          rule: 'self.secretName != self.passphraseSecretRef.secretName',
          message:
            'operatorKeyring passphraseSecretRef must reference a different Secret than the keyring itself: ' +
            'store the passphrase in its own Secret',
        },
      ],
    },
  },
};

const hasSigning = 'has(self.signingKey) && has(self.signingKey.secret)';
const hasNodeKey = 'has(self.nodeKey) && has(self.nodeKey.secret)';
const hasKeyring = 'has(self.operatorKeyring) && has(self.operatorKeyring.secret)';

/** `validator`: a consensus validator, with its keys from Secrets (or from a genesis ceremony). */
export const ValidatorSpecSchema: JSONSchemaProps = {
  title: 'ValidatorSpec',
  type: 'object',
  description:
    'Run a validator. signingKey and nodeKey are set together or not at all; all referenced Secrets must be ' +
    'distinct; Secret names are immutable.',
  properties: {
    snapshot: SnapshotSourceSchema,
    genesisCeremony: GenesisCeremonyNodeConfigSchema,
    signingKey: SigningKeySourceSchema,
    nodeKey: NodeKeySourceSchema,
    operatorKeyring: OperatorKeyringSourceSchema,
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.signingKey) == has(self.nodeKey)',
      message: 'signingKey and nodeKey must be set together (validators get both or neither)',
    },
    {
      rule: `!(${hasSigning}) || !(${hasNodeKey}) || self.signingKey.secret.secretName != self.nodeKey.secret.secretName`,
      message: 'signingKey and nodeKey must reference different Secrets',
    },
    {
      rule: `!(${hasKeyring}) || !(${hasSigning}) || self.operatorKeyring.secret.secretName != self.signingKey.secret.secretName`,
      message: 'operatorKeyring and signingKey must reference different Secrets',
    },
    {
      rule: `!(${hasKeyring}) || !(${hasNodeKey}) || self.operatorKeyring.secret.secretName != self.nodeKey.secret.secretName`,
      message: 'operatorKeyring and nodeKey must reference different Secrets',
    },
    {
      rule: `!(${hasKeyring}) || !(${hasSigning}) || self.operatorKeyring.secret.passphraseSecretRef.secretName != self.signingKey.secret.secretName`,
      message: 'operatorKeyring passphraseSecretRef and signingKey must reference different Secrets',
    },
    {
      rule: `!(${hasKeyring}) || !(${hasNodeKey}) || self.operatorKeyring.secret.passphraseSecretRef.secretName != self.nodeKey.secret.secretName`,
      message: 'operatorKeyring passphraseSecretRef and nodeKey must reference different Secrets',
    },
    {
      rule: '!has(self.genesisCeremony) || (!has(self.signingKey) && !has(self.nodeKey))',
      message:
        'signingKey and nodeKey cannot be combined with genesisCeremony (ceremony validators generate their own ' +
        'keys): remove the keys or the ceremony',
    },
  ],
};

/** SeiNode `spec` (SPEC §3.1). */
export const SeiNodeSpecSchema: JSONSchemaProps = {
  title: 'SeiNodeSpec',
  type: 'object',
  description:
    'Desired state of a Sei node. Exactly one of fullNode, archive, replayer or validator selects the mode.',
  properties: {
    chainId: str(
      'Chain ID, e.g. pacific-1. Must be a DNS-1123 label (lowercase alphanumerics and -, at most 63 ' +
        'characters) because it is composed into hostnames.',
      { minLength: 1, maxLength: 63, pattern: DNS1123_LABEL_PATTERN },
    ),
    image: str('The seid container image.', { minLength: 1, maxLength: 512 }),
    peers: {
      type: 'array',
      description: 'Where the node finds its peers. Required (at least one entry) for replayers.',
      maxItems: 32,
      items: PeerSourceSchema,
    },
    overrides: stringMap(
      'sei-config overrides keyed by dotted key (e.g. evm.http_port), merged over the controller-computed ' +
        'configuration. Unknown keys fail the node plan visibly.',
      'Override value, as a string.',
      { maxProperties: 512 },
    ),
    sidecar: SidecarConfigSchema,
    podLabels: stringMap(
      'Extra labels merged into the pod template labels; system labels (sei.io/*) win on conflict.',
      'Label value.',
      { maxProperties: 64 },
    ),
    dataVolume: DataVolumeSpecSchema,
    networking: NetworkingConfigSchema,
    paused: bool(
      'Freeze orchestration: no new plans are started and the StatefulSet is scaled to 0. Defaults to false.',
    ),
    fullNode: FullNodeSpecSchema,
    archive: ArchiveSpecSchema,
    replayer: ReplayerSpecSchema,
    validator: ValidatorSpecSchema,
  },
  required: ['chainId', 'image'],
  'x-kubernetes-validations': [
    {
      rule: exactlyOneOf(SEINODE_MODES),
      message:
        'exactly one of fullNode, archive, replayer, or validator must be set: keep one mode block, remove the others',
    },
    {
      rule: '!has(self.replayer) || (has(self.peers) && size(self.peers) > 0)',
      message: 'peers is required when replayer mode is set: add at least one peer source',
      fieldPath: '.peers',
    },
    {
      rule:
        '!has(oldSelf.dataVolume) || !has(oldSelf.dataVolume.import) || ' +
        '(has(self.dataVolume) && has(self.dataVolume.import))',
      message:
        'dataVolume.import cannot be unset once configured: the node data lives on the imported PVC; ' +
        'create a new SeiNode instead',
    },
  ],
};

/** `status.currentSidecarTLS`: the sidecar TLS the running pod was last converged to (seed #247). */
export const SidecarTlsStatusSchema: JSONSchemaProps = {
  title: 'SidecarTlsStatus',
  type: 'object',
  description: 'Sidecar TLS settings the running pod serves with (stamped by the observe-sidecar-tls task).',
  properties: {
    issuerName: str('Issuer name of the certificate in use.'),
    issuerKind: str('Issuer kind of the certificate in use.', { enum: ['Issuer', 'ClusterIssuer'] }),
  },
  required: ['issuerName', 'issuerKind'],
};

/** `status.statefulSet`: the StatefulSet the node runs in. */
export const StatefulSetRefSchema: JSONSchemaProps = {
  title: 'StatefulSetRef',
  type: 'object',
  description: 'The StatefulSet the node runs in.',
  properties: {
    name: str('StatefulSet name.'),
    uid: str('StatefulSet UID.'),
  },
  required: ['name'],
};

/** SeiNode `status` (SPEC §3.1). Written only by the controller, through the status subresource. */
export const SeiNodeStatusSchema: JSONSchemaProps = {
  title: 'SeiNodeStatus',
  type: 'object',
  description: 'Observed state of a Sei node, written by the controller.',
  properties: {
    phase: str('Lifecycle phase.', { enum: ['Pending', 'Initializing', 'Running', 'Failed', 'Terminating'] }),
    mode: str('Mode of the node (which of fullNode, archive, replayer, validator is set); shown as Mode.', {
      enum: ['fullNode', 'archive', 'replayer', 'validator'],
    }),
    observedGeneration: int64('metadata.generation last processed by the controller.', { minimum: 0 }),
    conditions: conditionsSchema(
      'Current conditions (one per type; always present once introduced, with stable CamelCase reasons).',
    ),
    phaseTransitionTime: timestamp('When phase last changed.'),
    plan: TaskPlanSchema,
    currentImage: str('seid image the running pod was last converged to (stamped by observe-image).'),
    currentSidecarTLS: SidecarTlsStatusSchema,
    currentConfigHash: str(
      'Hash of the configuration intent (overrides, peers, external address) the node last converged to; ' +
        'used for drift detection.',
    ),
    currentPodTemplateHash: str('Hash of the pod template the running pod was last converged to.'),
    resolvedPeers: {
      type: 'array',
      description:
        'Peers resolved from spec.peers, sorted and de-duplicated (host:port or nodeId@host:port).',
      items: str('One resolved peer address.'),
    },
    externalAddress: str(
      'Published P2P address <host>:26656 from the <node>-p2p load balancer (networking.tcp); advertised as ' +
        'p2p.external_address.',
    ),
    statefulSet: StatefulSetRefSchema,
  },
};

/** The full SeiNode object schema (`openAPIV3Schema`). */
export const SeiNodeSchema: JSONSchemaProps = {
  type: 'object',
  description:
    'SeiNode is one Sei blockchain node (validator, RPC full node, archive node or shadow replayer) run as a ' +
    'single-replica StatefulSet with the seictl sidecar, driven by plans recorded in status.plan.',
  properties: {
    ...objectMetaProperties,
    spec: SeiNodeSpecSchema,
    status: SeiNodeStatusSchema,
  },
  required: ['spec'],
  'x-kubernetes-validations': [
    {
      rule: `size(self.metadata.name) <= ${SEINODE_NAME_MAX_LENGTH}`,
      message: `SeiNode names must be at most ${SEINODE_NAME_MAX_LENGTH} characters (the name prefixes the StatefulSet, its Services and pod hostnames)`,
    },
    {
      rule: `self.metadata.name.matches('${DNS1035_LABEL_PATTERN}')`,
      message:
        'SeiNode names must be DNS-1035 labels (lowercase letters, digits and -, starting with a letter) because ' +
        'they name Services',
    },
  ],
};
