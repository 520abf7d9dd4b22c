/**
 * A real local Kubernetes control plane (kube-apiserver + etcd, no Docker) for integration tests
 * and `npm run demo`. See docs/adr/0001-test-control-plane.md.
 */
export {
  type ControlPlaneBinaries,
  type ResolveBinariesOptions,
  resolveControlPlaneBinaries,
} from './binaries.js';
export { type CrdDocument, describeApiError, type InstallCrdsOptions, installCrds } from './crds.js';
export { pollUntil } from './probe.js';
export {
  type ControlPlane,
  type ControlPlaneOptions,
  SERVICE_ACCOUNT_ISSUER,
  SERVICE_CLUSTER_IP_RANGE,
  startControlPlane,
} from './start.js';
export {
  CONTROL_PLANE_CACHE_KEY,
  controlPlaneCacheDir,
  ETCD_VERSION,
  KUBERNETES_STAGING_VERSION,
  KUBERNETES_VERSION,
} from './versions.js';
