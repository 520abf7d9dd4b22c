/**
 * The controller-side tasks of SeiNode plans (reference-seinode.md §3.1): the ones that talk to
 * the Kubernetes API rather than to the node's sidecar. The plan executor looks tasks up by `type`.
 */

import type { TaskDefinition } from '../planner/task';
import { applyRbacProxyConfigTask, applyServiceTask, applyStatefulSetTask } from './apply-workload';
import {
  awaitBootstrapCompleteTask,
  deployBootstrapJobTask,
  deployBootstrapServiceTask,
  teardownBootstrapTask,
} from './bootstrap';
import { ensureDataPvcTask } from './ensure-data-pvc';
import { observeImageTask } from './observe-image';
import { applyP2pServiceTask, awaitExternalAddressTask } from './p2p-tasks';
import { replacePodTask } from './replace-pod';
import { SIDECAR_TLS_TASKS } from './sidecar-tls-tasks';
import { validateNodeKeyTask, validateOperatorKeyringTask, validateSigningKeyTask } from './validate-secrets';

/**
 * Every controller-side task, in plan order of first use. Types are unique.
 *
 * | type | params |
 * |---|---|
 * | `ensure-data-pvc`, `apply-rbac-proxy-config`, `apply-statefulset`, `apply-service`, `replace-pod`, `observe-image` | `{nodeName, namespace}` |
 * | `validate-signing-key`, `validate-node-key` | `{secretName, namespace}` |
 * | `validate-operator-keyring` | `{secretName, keyName, passphraseSecretName, passphraseSecretKey, namespace}` |
 * | `deploy-bootstrap-service` | `{serviceName, namespace}` |
 * | `deploy-bootstrap-job`, `await-bootstrap-complete` | `{jobName, namespace}` |
 * | `teardown-bootstrap` | `{jobName, serviceName, namespace}` |
 */
export const CONTROLLER_TASKS: readonly TaskDefinition[] = [
  ensureDataPvcTask,
  validateSigningKeyTask,
  validateNodeKeyTask,
  validateOperatorKeyringTask,
  applyRbacProxyConfigTask,
  deployBootstrapServiceTask,
  deployBootstrapJobTask,
  awaitBootstrapCompleteTask,
  teardownBootstrapTask,
  applyStatefulSetTask,
  applyServiceTask,
  replacePodTask,
  observeImageTask,
  applyP2pServiceTask as unknown as TaskDefinition,
  awaitExternalAddressTask as unknown as TaskDefinition,
  ...SIDECAR_TLS_TASKS,
];
