/**
 * The one table of everything the controller may touch. The install chart's ClusterRole and
 * leader-election Role are generated from it (never hand-maintained), and the integration tests run
 * the controller impersonating its ServiceAccount with exactly those grants, so a missing row fails
 * a test.
 */
export interface Permission {
  /** API group; `''` is the core group. */
  readonly apiGroup: string;
  /** Resource plural, optionally with a subresource (`seinodes/status`). */
  readonly resource: string;
  /** Verbs granted. */
  readonly verbs: readonly string[];
  /** Why the controller needs it (shown as a comment in docs and tests). */
  readonly why: string;
  /**
   * `cluster`: granted by the ClusterRole in every namespace; `leader-election`: granted by a Role
   * in the controller's own namespace only.
   * @default 'cluster'
   */
  readonly scope?: 'cluster' | 'leader-election';
}

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
const READ = ['get', 'list', 'watch'] as const;

/** Source: reference-seinode.md §6 (RBAC markers), reference-seinodedeployment.md §2.13, SPEC §7–§8, §10. */
export const CONTROLLER_PERMISSIONS: readonly Permission[] = [
  {
    apiGroup: 'sei.io',
    resource: 'seinodes',
    verbs: ALL,
    why: 'reconcile SeiNodes; SeiNodeDeployments create, update and delete their children',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodes/status',
    verbs: ['get', 'update', 'patch'],
    why: 'write SeiNode status (plan, phase, conditions)',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodes/finalizers',
    verbs: ['update'],
    why: 'set owner references with blockOwnerDeletion on SeiNode children',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodedeployments',
    verbs: ALL,
    why: 'reconcile SeiNodeDeployments; resolve seinodeDeployment peers',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodedeployments/status',
    verbs: ['get', 'update', 'patch'],
    why: 'write SeiNodeDeployment status',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodedeployments/finalizers',
    verbs: ['update'],
    why: 'own child SeiNodes with blockOwnerDeletion',
  },
  {
    apiGroup: 'sei.io',
    resource: 'seinodetasks',
    verbs: ['get', 'create'],
    why: 'kube-rbac-proxy authorizes sidecar API calls as SubjectAccessReviews on seinodetasks',
  },
  { apiGroup: 'apps', resource: 'statefulsets', verbs: ALL, why: 'apply each node StatefulSet' },
  {
    apiGroup: '',
    resource: 'services',
    verbs: ALL,
    why: 'headless, P2P LoadBalancer and SeiNodeDeployment Services',
  },
  { apiGroup: '', resource: 'configmaps', verbs: ALL, why: 'kube-rbac-proxy ConfigMap per node' },
  {
    apiGroup: '',
    resource: 'persistentvolumeclaims',
    verbs: ALL,
    why: 'create, validate (import) and delete data volumes',
  },
  {
    apiGroup: '',
    resource: 'persistentvolumes',
    verbs: READ,
    why: 'validate imported PVCs against their bound volume',
  },
  {
    apiGroup: '',
    resource: 'pods',
    verbs: [...READ, 'delete'],
    why: 'replace-pod cycles node pods; P2P routability reads pod IPs',
  },
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: [...READ, 'delete'],
    why: 'validate key Secrets; read the sidecar TLS CA; delete the sidecar TLS Secret when TLS is turned off (only Secrets cert-manager issued for that node)',
  },
  { apiGroup: '', resource: 'events', verbs: ['create', 'patch'], why: 'record Kubernetes Events (core/v1)' },
  {
    apiGroup: 'events.k8s.io',
    resource: 'events',
    verbs: ['create', 'patch'],
    why: 'record Kubernetes Events (events.k8s.io/v1)',
  },
  { apiGroup: 'batch', resource: 'jobs', verbs: ALL, why: 'bootstrap Jobs' },
  {
    apiGroup: 'gateway.networking.k8s.io',
    resource: 'httproutes',
    verbs: ALL,
    why: 'SeiNodeDeployment HTTPRoutes',
  },
  { apiGroup: 'cert-manager.io', resource: 'certificates', verbs: ALL, why: 'sidecar TLS Certificates' },
  {
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ALL,
    why: 'leader election',
    scope: 'leader-election',
  },
];

/** A Kubernetes PolicyRule. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/**
 * Groups permissions into PolicyRules: one rule per (apiGroup, verb set), resources sorted, so the
 * generated RBAC is compact and stable.
 */
export function policyRules(permissions: readonly Permission[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const p of permissions) {
    const verbs = [...p.verbs].sort();
    const key = `${p.apiGroup}|${verbs.join(',')}`;
    const rule = byKey.get(key) ?? { apiGroups: [p.apiGroup], resources: [], verbs };
    rule.resources.push(p.resource);
    byKey.set(key, rule);
  }
  return [...byKey.values()]
    .map((r) => ({ ...r, resources: [...r.resources].sort() }))
    .sort((a, b) =>
      `${a.apiGroups[0]}|${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}|${b.resources[0]}`),
    );
}
