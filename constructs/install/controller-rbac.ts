import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONTROLLER_PERMISSIONS, type Permission, policyRules } from './permissions';

/** Props of {@link ControllerRbac}. */
export interface ControllerRbacProps {
  /** Namespace the controller runs in. */
  readonly namespace: string;
  /**
   * Name of the ServiceAccount, ClusterRole(Binding) and leader-election Role(Binding).
   * @default 'sei-k8s-controller'
   */
  readonly name?: string;
  /**
   * The permission table to grant.
   * @default CONTROLLER_PERMISSIONS
   */
  readonly permissions?: readonly Permission[];
}

/**
 * The controller's identity and grants: ServiceAccount, a ClusterRole + ClusterRoleBinding generated
 * from the permission table, and a leader-election Role + RoleBinding (leases in its own namespace),
 * plus the ClusterRole node pods' kube-rbac-proxy needs (TokenReview/SubjectAccessReview), which
 * platform teams bind to `SEI_SERVICE_ACCOUNT` in node namespaces.
 */
export class ControllerRbac extends Construct {
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    super(scope, id);
    const name = props.name ?? 'sei-k8s-controller';
    const permissions = props.permissions ?? CONTROLLER_PERMISSIONS;
    this.serviceAccountName = name;
    const labels = { 'app.kubernetes.io/name': 'sei-k8s-controller', 'app.kubernetes.io/component': 'rbac' };
    const subject = { kind: 'ServiceAccount', name, namespace: props.namespace };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: props.namespace, labels },
    });
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels },
      rules: policyRules(permissions.filter((p) => (p.scope ?? 'cluster') === 'cluster')),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [subject],
    });
    const leRole = `${name}-leader-election`;
    new k8s.KubeRole(this, 'LeaderElectionRole', {
      metadata: { name: leRole, namespace: props.namespace, labels },
      rules: policyRules(permissions.filter((p) => p.scope === 'leader-election')),
    });
    new k8s.KubeRoleBinding(this, 'LeaderElectionRoleBinding', {
      metadata: { name: leRole, namespace: props.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leRole },
      subjects: [subject],
    });
    new k8s.KubeClusterRole(this, 'NodeProxyClusterRole', {
      metadata: { name: `${name}-node-rbac-proxy`, labels },
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
    });
  }
}
