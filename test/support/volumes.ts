import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';

/**
 * Creates a PersistentVolume and a PersistentVolumeClaim bound to it, as the PV controller and a
 * provisioner would leave them (neither runs on the test control plane): both `Bound`, the claim
 * with `volumeName`, ReadWriteOnce and the given capacity.
 */
export async function createBoundClaim(
  admin: KubeClient,
  namespace: string,
  name: string,
  capacity: string,
): Promise<void> {
  const pv = `${namespace}-${name}`;
  await admin.create(Resources.PersistentVolume, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pv },
    spec: {
      capacity: { storage: capacity },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: `/tmp/${pv}` },
      claimRef: { namespace, name },
      persistentVolumeReclaimPolicy: 'Retain',
    },
  });
  await admin.patch(
    Resources.PersistentVolume,
    { name: pv },
    { status: { phase: 'Bound' } },
    { subresource: 'status' },
  );
  await admin.create(Resources.PersistentVolumeClaim, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: capacity } },
      volumeName: pv,
      storageClassName: '',
    },
  });
  await admin.patch(
    Resources.PersistentVolumeClaim,
    { namespace, name },
    { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: capacity } } },
    { subresource: 'status' },
  );
}
