import ipaddr from 'ipaddr.js';
import type { PlatformConfig } from '../../constructs/platform-config';

export { platformConfigToEnv } from '../../constructs/platform-config';

/** A Kubernetes resource quantity such as `4`, `500m`, `32Gi`, `40Ti`, `1e3`. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[mkMGTPE]|[eE][+-]?\d+)?$/;
/** A DNS-1123 subdomain (names of pools, classes, service accounts, gateway). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label/taint key: optional DNS prefix and a name. */
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** An OCI image reference: no whitespace, at least one character. */
const IMAGE = /^[^\s]+$/;
const NON_EMPTY = /^\S.*$/;

type Check = (value: string) => string | undefined;

const matches =
  (re: RegExp, what: string): Check =>
  (v) =>
    re.test(v) ? undefined : `must be ${what}`;

const cidrList: Check = (v) => {
  const bad = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !isCidr(s));
  return bad.length ? `must be comma-separated CIDRs; not a CIDR: ${bad.join(', ')}` : undefined;
};

function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * One row per `SEI_*` variable: the table is the single source for parsing, validation, the README
 * table and the install chart's Deployment env.
 */
export interface PlatformEnvVar {
  /** Environment variable name, e.g. `SEI_NODEPOOL_NAME`. */
  readonly name: string;
  /** What it configures (documentation). */
  readonly description: string;
  /** Whether startup fails when it is missing. */
  readonly required: boolean;
  /** Validation; returns a message fragment when invalid. */
  readonly check: Check;
}

/**
 * Every platform variable the controller reads. Source: reference-seinode.md §8, SPEC §7 and §10.
 * Unlike the reference, `SEI_COSMOS_EXPORTER_IMAGE` is required at startup (the reference only
 * failed later, terminally, in apply-statefulset), and the unused `SEI_STORAGE_CLASS_DEFAULT` and
 * result-export variables are optional.
 */
export const PLATFORM_ENV: readonly PlatformEnvVar[] = [
  {
    name: 'SEI_NODEPOOL_NAME',
    description: 'Karpenter NodePool for non-archive node pods',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_NODEPOOL_ARCHIVE',
    description: 'Karpenter NodePool for archive node pods',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_TOLERATION_KEY',
    description: 'Taint key node pods tolerate (value = pool name, NoSchedule)',
    required: true,
    check: matches(QUALIFIED_NAME, 'a qualified label key such as sei.io/workload'),
  },
  {
    name: 'SEI_SERVICE_ACCOUNT',
    description: 'ServiceAccount of node pods',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_STORAGE_CLASS_PERF',
    description: 'StorageClass for full, replayer and validator data volumes',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_STORAGE_CLASS_ARCHIVE',
    description: 'StorageClass for archive data volumes',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_STORAGE_CLASS_DEFAULT',
    description: 'Fallback StorageClass (unused; accepted for compatibility)',
    required: false,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_STORAGE_SIZE_DEFAULT',
    description: 'Data volume size for non-archive nodes (quantity)',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 2000Gi'),
  },
  {
    name: 'SEI_STORAGE_SIZE_ARCHIVE',
    description: 'Data volume size for archive nodes (quantity)',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 40Ti'),
  },
  {
    name: 'SEI_RESOURCE_CPU_ARCHIVE',
    description: 'seid CPU request for archive nodes',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 8 or 7500m'),
  },
  {
    name: 'SEI_RESOURCE_MEM_ARCHIVE',
    description: 'seid memory request for archive nodes',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 48Gi'),
  },
  {
    name: 'SEI_RESOURCE_CPU_DEFAULT',
    description: 'seid CPU request for other nodes',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 4'),
  },
  {
    name: 'SEI_RESOURCE_MEM_DEFAULT',
    description: 'seid memory request for other nodes',
    required: true,
    check: matches(QUANTITY, 'a Kubernetes quantity such as 32Gi'),
  },
  {
    name: 'SEI_SNAPSHOT_BUCKET',
    description: 'S3 bucket of state-sync snapshots (sidecar)',
    required: true,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_SNAPSHOT_REGION',
    description: 'Region of the snapshot bucket',
    required: true,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_GENESIS_BUCKET',
    description: 'S3 bucket of custom-chain genesis files (sidecar)',
    required: true,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_GENESIS_REGION',
    description: 'Region of the genesis bucket',
    required: true,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_RESULT_EXPORT_BUCKET',
    description: 'S3 bucket for replayer result exports',
    required: false,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_RESULT_EXPORT_REGION',
    description: 'Region of the result-export bucket',
    required: false,
    check: matches(NON_EMPTY, 'non-empty'),
  },
  {
    name: 'SEI_RESULT_EXPORT_PREFIX',
    description: 'Key prefix for result exports',
    required: false,
    check: () => undefined,
  },
  {
    name: 'SEI_GATEWAY_NAME',
    description: 'Gateway API Gateway that SeiNodeDeployment HTTPRoutes attach to',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_GATEWAY_NAMESPACE',
    description: 'Namespace of that Gateway',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS-1123 name'),
  },
  {
    name: 'SEI_GATEWAY_DOMAIN',
    description: 'Internal DNS domain of SeiNodeDeployment routes',
    required: true,
    check: matches(DNS_SUBDOMAIN, 'a DNS domain'),
  },
  {
    name: 'SEI_GATEWAY_PUBLIC_DOMAIN',
    description: 'Public DNS domain of SeiNodeDeployment routes',
    required: false,
    check: matches(DNS_SUBDOMAIN, 'a DNS domain'),
  },
  {
    name: 'SEI_SIDECAR_IMAGE',
    description: 'Default seictl sidecar image',
    required: true,
    check: matches(IMAGE, 'an image reference'),
  },
  {
    name: 'SEI_KUBE_RBAC_PROXY_IMAGE',
    description: 'kube-rbac-proxy image',
    required: true,
    check: matches(IMAGE, 'an image reference'),
  },
  {
    name: 'SEI_COSMOS_EXPORTER_IMAGE',
    description: 'cosmos-exporter image',
    required: true,
    check: matches(IMAGE, 'an image reference'),
  },
  {
    name: 'SEI_VPC_CIDR',
    description: 'Comma-separated VPC CIDRs in which pod IPs are NLB-routable (P2P publishing)',
    required: false,
    check: cidrList,
  },
  {
    name: 'SEI_NLB_TARGET_TYPE',
    description: 'NLB target type of <node>-p2p Services: ip (default) or instance',
    required: false,
    check: (v) => (v === 'ip' || v === 'instance' ? undefined : 'must be ip or instance'),
  },
];

/** Thrown by {@link platformConfigFromEnv} with every problem listed, one per line. */
export class PlatformConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid platform configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'PlatformConfigError';
  }
}

/**
 * Reads and validates the platform configuration from environment variables.
 *
 * @param env - the environment, usually `process.env`
 * @returns the parsed configuration
 * @throws PlatformConfigError listing every missing or invalid variable at once (never just the first)
 */
export function platformConfigFromEnv(env: Readonly<Record<string, string | undefined>>): PlatformConfig {
  const problems: string[] = [];
  const values = new Map<string, string>();
  for (const v of PLATFORM_ENV) {
    const raw = env[v.name]?.trim() ?? '';
    if (raw === '') {
      if (v.required) problems.push(`${v.name} is required (${v.description})`);
      continue;
    }
    const bad = v.check(raw);
    if (bad) problems.push(`${v.name}=${JSON.stringify(raw)} ${bad}`);
    else values.set(v.name, raw);
  }
  const exportVars = ['SEI_RESULT_EXPORT_BUCKET', 'SEI_RESULT_EXPORT_REGION'].filter((n) => values.has(n));
  if (exportVars.length === 1) {
    problems.push('SEI_RESULT_EXPORT_BUCKET and SEI_RESULT_EXPORT_REGION must be set together');
  }
  if (problems.length) throw new PlatformConfigError(problems);

  const get = (name: string): string => values.get(name) as string;
  const opt = (name: string): string | undefined => values.get(name);
  return {
    nodepoolName: get('SEI_NODEPOOL_NAME'),
    nodepoolArchive: get('SEI_NODEPOOL_ARCHIVE'),
    tolerationKey: get('SEI_TOLERATION_KEY'),
    serviceAccount: get('SEI_SERVICE_ACCOUNT'),
    storageClassPerf: get('SEI_STORAGE_CLASS_PERF'),
    storageClassArchive: get('SEI_STORAGE_CLASS_ARCHIVE'),
    storageClassDefault: opt('SEI_STORAGE_CLASS_DEFAULT'),
    storageSizeDefault: get('SEI_STORAGE_SIZE_DEFAULT'),
    storageSizeArchive: get('SEI_STORAGE_SIZE_ARCHIVE'),
    resourceCpuArchive: get('SEI_RESOURCE_CPU_ARCHIVE'),
    resourceMemArchive: get('SEI_RESOURCE_MEM_ARCHIVE'),
    resourceCpuDefault: get('SEI_RESOURCE_CPU_DEFAULT'),
    resourceMemDefault: get('SEI_RESOURCE_MEM_DEFAULT'),
    snapshotBucket: get('SEI_SNAPSHOT_BUCKET'),
    snapshotRegion: get('SEI_SNAPSHOT_REGION'),
    genesisBucket: get('SEI_GENESIS_BUCKET'),
    genesisRegion: get('SEI_GENESIS_REGION'),
    resultExport: opt('SEI_RESULT_EXPORT_BUCKET')
      ? {
          bucket: get('SEI_RESULT_EXPORT_BUCKET'),
          region: get('SEI_RESULT_EXPORT_REGION'),
          prefix: opt('SEI_RESULT_EXPORT_PREFIX') ?? '',
        }
      : undefined,
    gatewayName: get('SEI_GATEWAY_NAME'),
    gatewayNamespace: get('SEI_GATEWAY_NAMESPACE'),
    gatewayDomain: get('SEI_GATEWAY_DOMAIN'),
    gatewayPublicDomain: opt('SEI_GATEWAY_PUBLIC_DOMAIN'),
    sidecarImage: get('SEI_SIDECAR_IMAGE'),
    kubeRbacProxyImage: get('SEI_KUBE_RBAC_PROXY_IMAGE'),
    cosmosExporterImage: get('SEI_COSMOS_EXPORTER_IMAGE'),
    vpcCidrs: (opt('SEI_VPC_CIDR') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    nlbTargetType: (opt('SEI_NLB_TARGET_TYPE') ?? 'ip') as 'ip' | 'instance',
  };
}
