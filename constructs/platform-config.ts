/**
 * Cluster-level settings the constructs need that are not part of any SeiNode spec: where node pods
 * are scheduled, which storage classes and sizes they get, which images run beside seid, and the
 * buckets the sidecar reads from. The controller reads them from `SEI_*` environment variables
 * (see `controller/config/platform-env.ts`); the static charts use an example value.
 *
 * Source: reference-seinode.md §8 (platform config), SPEC §7 (`SEI_VPC_CIDR`, `SEI_NLB_TARGET_TYPE`)
 * and §6 (`SEI_GATEWAY_*`).
 */
export interface PlatformConfig {
  /** Karpenter NodePool (node affinity and toleration value) for non-archive nodes. `SEI_NODEPOOL_NAME`. */
  readonly nodepoolName: string;
  /** Karpenter NodePool for archive nodes. `SEI_NODEPOOL_ARCHIVE`. */
  readonly nodepoolArchive: string;
  /** Taint key node pods tolerate (value = the pool name, effect NoSchedule). `SEI_TOLERATION_KEY`. */
  readonly tolerationKey: string;
  /** ServiceAccount node pods run as (kube-rbac-proxy uses its token). `SEI_SERVICE_ACCOUNT`. */
  readonly serviceAccount: string;
  /** StorageClass for full, replayer and validator data volumes. `SEI_STORAGE_CLASS_PERF`. */
  readonly storageClassPerf: string;
  /** StorageClass for archive data volumes. `SEI_STORAGE_CLASS_ARCHIVE`. */
  readonly storageClassArchive: string;
  /**
   * Fallback StorageClass. Accepted for compatibility with the reference (where it is unreachable):
   * every mode has a class of its own. `SEI_STORAGE_CLASS_DEFAULT`.
   * @default - unset
   */
  readonly storageClassDefault?: string;
  /** Data volume size (Kubernetes quantity) for non-archive nodes; also the import minimum. `SEI_STORAGE_SIZE_DEFAULT`. */
  readonly storageSizeDefault: string;
  /** Data volume size for archive nodes; also the import minimum. `SEI_STORAGE_SIZE_ARCHIVE`. */
  readonly storageSizeArchive: string;
  /** seid CPU request for archive nodes (quantity). `SEI_RESOURCE_CPU_ARCHIVE`. */
  readonly resourceCpuArchive: string;
  /** seid memory request for archive nodes (quantity). `SEI_RESOURCE_MEM_ARCHIVE`. */
  readonly resourceMemArchive: string;
  /** seid CPU request for other modes (quantity). `SEI_RESOURCE_CPU_DEFAULT`. */
  readonly resourceCpuDefault: string;
  /** seid memory request for other modes (quantity). `SEI_RESOURCE_MEM_DEFAULT`. */
  readonly resourceMemDefault: string;
  /** S3 bucket holding state-sync snapshots, passed to the sidecar. `SEI_SNAPSHOT_BUCKET`. */
  readonly snapshotBucket: string;
  /** Region of {@link snapshotBucket}. `SEI_SNAPSHOT_REGION`. */
  readonly snapshotRegion: string;
  /** S3 bucket holding genesis files of custom chains, passed to the sidecar. `SEI_GENESIS_BUCKET`. */
  readonly genesisBucket: string;
  /** Region of {@link genesisBucket}. `SEI_GENESIS_REGION`. */
  readonly genesisRegion: string;
  /**
   * Where replayer result exports go (`SEI_RESULT_EXPORT_BUCKET`, `_REGION`, `_PREFIX`).
   * @default - unset; replayers with `resultExport` then fail validation with a clear message
   */
  readonly resultExport?: { readonly bucket: string; readonly region: string; readonly prefix: string };
  /** Gateway API Gateway that HTTPRoutes attach to. `SEI_GATEWAY_NAME` / `SEI_GATEWAY_NAMESPACE`. */
  readonly gatewayName: string;
  readonly gatewayNamespace: string;
  /** Internal DNS domain for SeiNodeDeployment routes. `SEI_GATEWAY_DOMAIN`. */
  readonly gatewayDomain: string;
  /**
   * Public DNS domain for SeiNodeDeployment routes. `SEI_GATEWAY_PUBLIC_DOMAIN`.
   * @default - unset: no public hostnames
   */
  readonly gatewayPublicDomain?: string;
  /** Default seictl sidecar image. `SEI_SIDECAR_IMAGE`. */
  readonly sidecarImage: string;
  /** kube-rbac-proxy image. `SEI_KUBE_RBAC_PROXY_IMAGE`. */
  readonly kubeRbacProxyImage: string;
  /** cosmos-exporter image (required: every node pod runs it). `SEI_COSMOS_EXPORTER_IMAGE`. */
  readonly cosmosExporterImage: string;
  /**
   * VPC CIDRs in which pod IPs are routable from an ip-target NLB (SPEC §7). `SEI_VPC_CIDR`,
   * comma-separated.
   * @default [] - publishing P2P fails closed with `VPCCIDRNotConfigured`
   */
  readonly vpcCidrs: readonly string[];
  /**
   * NLB target type annotation value for `<node>-p2p` Services. `SEI_NLB_TARGET_TYPE`.
   * @default 'ip'
   */
  readonly nlbTargetType: 'ip' | 'instance';
}

/**
 * A complete, realistic platform configuration used by the static charts (previews) and by tests.
 * Values follow the reference's test fixture (reference-seinode.md §4.5, §8).
 */
export const EXAMPLE_PLATFORM_CONFIG: PlatformConfig = {
  nodepoolName: 'sei-node',
  nodepoolArchive: 'sei-archive',
  tolerationKey: 'sei.io/workload',
  serviceAccount: 'seid-node',
  storageClassPerf: 'gp3-10k-750',
  storageClassArchive: 'gp3-archive',
  storageClassDefault: 'gp3',
  storageSizeDefault: '2000Gi',
  storageSizeArchive: '40Ti',
  resourceCpuArchive: '8',
  resourceMemArchive: '48Gi',
  resourceCpuDefault: '4',
  resourceMemDefault: '32Gi',
  snapshotBucket: 'sei-snapshots',
  snapshotRegion: 'us-east-2',
  genesisBucket: 'sei-genesis',
  genesisRegion: 'us-east-2',
  resultExport: { bucket: 'sei-shadow-results', region: 'us-east-2', prefix: 'shadow/' },
  gatewayName: 'sei-gateway',
  gatewayNamespace: 'gateway',
  gatewayDomain: 'sei.internal.example.com',
  gatewayPublicDomain: 'sei.example.com',
  sidecarImage: 'ghcr.io/sei-protocol/seictl:v0.0.50',
  kubeRbacProxyImage: 'quay.io/brancz/kube-rbac-proxy:v0.19.1',
  cosmosExporterImage: 'ghcr.io/sei-protocol/sei-cosmos-exporter:v0.3.0',
  vpcCidrs: ['10.0.0.0/8'],
  nlbTargetType: 'ip',
};

/**
 * The inverse of `platformConfigFromEnv` (controller/config/platform-env.ts): the env entries that reproduce `config`. Used by the
 * install chart's Deployment and by tests/demo to start the controller.
 */
export function platformConfigToEnv(config: PlatformConfig): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SEI_NODEPOOL_NAME: config.nodepoolName,
    SEI_NODEPOOL_ARCHIVE: config.nodepoolArchive,
    SEI_TOLERATION_KEY: config.tolerationKey,
    SEI_SERVICE_ACCOUNT: config.serviceAccount,
    SEI_STORAGE_CLASS_PERF: config.storageClassPerf,
    SEI_STORAGE_CLASS_ARCHIVE: config.storageClassArchive,
    SEI_STORAGE_CLASS_DEFAULT: config.storageClassDefault,
    SEI_STORAGE_SIZE_DEFAULT: config.storageSizeDefault,
    SEI_STORAGE_SIZE_ARCHIVE: config.storageSizeArchive,
    SEI_RESOURCE_CPU_ARCHIVE: config.resourceCpuArchive,
    SEI_RESOURCE_MEM_ARCHIVE: config.resourceMemArchive,
    SEI_RESOURCE_CPU_DEFAULT: config.resourceCpuDefault,
    SEI_RESOURCE_MEM_DEFAULT: config.resourceMemDefault,
    SEI_SNAPSHOT_BUCKET: config.snapshotBucket,
    SEI_SNAPSHOT_REGION: config.snapshotRegion,
    SEI_GENESIS_BUCKET: config.genesisBucket,
    SEI_GENESIS_REGION: config.genesisRegion,
    SEI_RESULT_EXPORT_BUCKET: config.resultExport?.bucket,
    SEI_RESULT_EXPORT_REGION: config.resultExport?.region,
    SEI_RESULT_EXPORT_PREFIX: config.resultExport?.prefix,
    SEI_GATEWAY_NAME: config.gatewayName,
    SEI_GATEWAY_NAMESPACE: config.gatewayNamespace,
    SEI_GATEWAY_DOMAIN: config.gatewayDomain,
    SEI_GATEWAY_PUBLIC_DOMAIN: config.gatewayPublicDomain,
    SEI_SIDECAR_IMAGE: config.sidecarImage,
    SEI_KUBE_RBAC_PROXY_IMAGE: config.kubeRbacProxyImage,
    SEI_COSMOS_EXPORTER_IMAGE: config.cosmosExporterImage,
    SEI_VPC_CIDR: config.vpcCidrs.length ? config.vpcCidrs.join(',') : undefined,
    SEI_NLB_TARGET_TYPE: config.nlbTargetType,
  };
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}
