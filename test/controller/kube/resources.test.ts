import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  KubeApiError,
  kubeApiError,
  NotFoundError,
} from '../../../controller/kube/errors.js';
import { apiGroup, findResource, Resources, resourcePath } from '../../../controller/kube/resources.js';
import { errorFromBody } from '../../../controller/kube/transport.js';
import { controllerOf, objectKey, splitKey } from '../../../controller/kube/types.js';

describe('resource paths', () => {
  it('builds core, grouped, namespaced, cluster-scoped and subresource paths', () => {
    expect(resourcePath(Resources.ConfigMap, { namespace: 'ns', name: 'c' })).toBe(
      '/api/v1/namespaces/ns/configmaps/c',
    );
    expect(resourcePath(Resources.ConfigMap)).toBe('/api/v1/configmaps');
    expect(resourcePath(Resources.StatefulSet, { namespace: 'ns' })).toBe(
      '/apis/apps/v1/namespaces/ns/statefulsets',
    );
    expect(resourcePath(Resources.SeiNode, { namespace: 'ns', name: 'n', subresource: 'status' })).toBe(
      '/apis/sei.io/v1alpha1/namespaces/ns/seinodes/n/status',
    );
    expect(resourcePath(Resources.PersistentVolume, { namespace: 'ignored', name: 'pv' })).toBe(
      '/api/v1/persistentvolumes/pv',
    );
    expect(resourcePath(Resources.Lease, { namespace: 'kube-system', name: 'a b' })).toBe(
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/a%20b',
    );
  });

  it('refuses a namespaced name without a namespace, and a subresource without a name', () => {
    expect(() => resourcePath(Resources.Pod, { name: 'p' })).toThrow(TypeError);
    expect(() => resourcePath(Resources.Pod, { namespace: 'n', subresource: 'status' })).toThrow(TypeError);
  });

  it('registry lookups', () => {
    expect(findResource('sei.io/v1alpha1', 'SeiNodeDeployment')?.plural).toBe('seinodedeployments');
    expect(findResource('v1', 'Nope')).toBeUndefined();
    expect(apiGroup(Resources.Event)).toBe('events.k8s.io');
    expect(apiGroup('v1')).toBe('');
    expect(Object.isFrozen(Resources.SeiNode)).toBe(true);
  });
});

describe('typed errors', () => {
  it.each([
    [404, 'NotFound', NotFoundError],
    [409, 'Conflict', ConflictError],
    [409, 'AlreadyExists', AlreadyExistsError],
    [410, 'Expired', GoneError],
    [403, 'Forbidden', ForbiddenError],
    [422, 'Invalid', InvalidError],
    [500, 'InternalError', KubeApiError],
  ])('%d %s', (code, reason, cls) => {
    const err = kubeApiError(code, { kind: 'Status', code, reason, message: `msg ${reason}` });
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.code).toBe(code);
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(`msg ${reason}`);
  });

  it('decodes Status bodies (422 causes) and tolerates non-JSON bodies', () => {
    const body = JSON.stringify({
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'SeiNode "x" is invalid: spec.chainId: Invalid value',
      details: { causes: [{ field: 'spec.chainId', reason: 'FieldValueInvalid', message: 'bad' }] },
    });
    const err = errorFromBody(422, body) as InvalidError;
    expect(err).toBeInstanceOf(InvalidError);
    expect(err.causes[0]?.field).toBe('spec.chainId');
    expect(err.message).toContain('spec.chainId');
    const raw = errorFromBody(502, 'bad gateway') as KubeApiError;
    expect(raw.code).toBe(502);
    expect(raw.message).toBe('bad gateway');
  });
});

describe('keys', () => {
  it('namespace/name keys and controller refs', () => {
    expect(objectKey({ metadata: { namespace: 'a', name: 'b' } })).toBe('a/b');
    expect(objectKey({ metadata: { name: 'pv' } })).toBe('pv');
    expect(splitKey('a/b')).toEqual({ namespace: 'a', name: 'b' });
    expect(splitKey('pv')).toEqual({ namespace: '', name: 'pv' });
    expect(() => objectKey({ metadata: {} })).toThrow(TypeError);
    const ref = { apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u', controller: true };
    expect(
      controllerOf({ metadata: { ownerReferences: [{ ...ref, controller: false, name: 'p' }, ref] } }),
    ).toBe(ref);
  });
});
