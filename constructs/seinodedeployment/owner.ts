import {
  API_VERSION,
  KIND_SEINODEDEPLOYMENT,
  type OwnerReference,
  type SeiNodeDeployment,
} from '../api/types';

/**
 * The controller owner reference of everything a SeiNodeDeployment renders (children, Services,
 * HTTPRoutes): `{apiVersion: sei.io/v1alpha1, kind: SeiNodeDeployment, name, uid, controller: true,
 * blockOwnerDeletion: true}`. Undefined before the deployment exists on the API server (no uid yet:
 * previews).
 */
export function seiNodeDeploymentOwnerReference(snd: SeiNodeDeployment): OwnerReference | undefined {
  if (!snd.metadata.uid || !snd.metadata.name) return undefined;
  return {
    apiVersion: API_VERSION,
    kind: KIND_SEINODEDEPLOYMENT,
    name: snd.metadata.name,
    uid: snd.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
