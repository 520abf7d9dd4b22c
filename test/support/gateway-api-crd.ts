/**
 * A small, hand-written stand-in for the Gateway API `HTTPRoute` CRD
 * (`httproutes.gateway.networking.k8s.io`, version `v1`), for installing into the test control
 * plane with `installCrds`. It is NOT the upstream CRD: it declares only the part of
 * `HTTPRouteSpec` this project renders (plus a few common siblings), as a structural schema without
 * `x-kubernetes-preserve-unknown-fields` on `spec`, so a server-side apply of a manifest with a
 * misspelled or misplaced field fails ("field not declared in schema") instead of being pruned.
 * `status` is left open (the Gateway controller writes it; no test does).
 *
 * It carries `api-approved.kubernetes.io: unapproved, …` because `*.k8s.io` groups are protected.
 *
 * Validation mirrors the Gateway API's documented limits where cheap: DNS hostnames (optionally
 * wildcard), at most 16 hostnames and 16 rules, port 1..65535, header match types, names 1..253.
 */

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
const arr = (items: Schema, maxItems?: number): Schema => ({
  type: 'array',
  items,
  ...(maxItems !== undefined ? { maxItems } : {}),
});

const objectName = str({ minLength: 1, maxLength: 253 });
const port = { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 };
const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const hostname = str({
  minLength: 1,
  maxLength: 253,
  pattern: `^(\\*\\.)?${dnsLabel}(\\.${dnsLabel})*$`,
});

const parentRef = obj(
  {
    group: str({ maxLength: 253 }),
    kind: str({ minLength: 1, maxLength: 63 }),
    namespace: str({ minLength: 1, maxLength: 63 }),
    name: objectName,
    sectionName: str({ minLength: 1, maxLength: 253 }),
    port,
  },
  ['name'],
);

const backendRef = obj(
  {
    group: str({ maxLength: 253 }),
    kind: str({ minLength: 1, maxLength: 63 }),
    namespace: str({ minLength: 1, maxLength: 63 }),
    name: objectName,
    port,
    weight: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
  },
  ['name'],
);

const headerMatch = obj(
  {
    type: str({ enum: ['Exact', 'RegularExpression'] }),
    name: str({ minLength: 1, maxLength: 256 }),
    value: str({ minLength: 1, maxLength: 4096 }),
  },
  ['name', 'value'],
);

const routeMatch = obj({
  path: obj({
    type: str({ enum: ['Exact', 'PathPrefix', 'RegularExpression'] }),
    value: str({ maxLength: 1024 }),
  }),
  headers: arr(headerMatch, 16),
  queryParams: arr(headerMatch, 16),
  method: str({ enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] }),
});

const rule = obj({
  name: str({ minLength: 1, maxLength: 253 }),
  matches: arr(routeMatch, 64),
  backendRefs: arr(backendRef, 16),
});

/** The `HTTPRoute` stand-in CRD, in wire format (pass it to `installCrds`). */
export const HTTPROUTE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: 'httproutes.gateway.networking.k8s.io',
    // `*.k8s.io` groups are protected: the API server requires this annotation. A stand-in says
    // honestly that it is not the approved API (the CRD still becomes Established).
    annotations: {
      'api-approved.kubernetes.io': 'unapproved, test-only stand-in for the Gateway API HTTPRoute',
    },
  },
  spec: {
    group: 'gateway.networking.k8s.io',
    scope: 'Namespaced',
    names: { kind: 'HTTPRoute', listKind: 'HTTPRouteList', plural: 'httproutes', singular: 'httproute' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: obj(
            {
              apiVersion: str(),
              kind: str(),
              metadata: { type: 'object' },
              spec: obj({
                parentRefs: arr(parentRef, 32),
                hostnames: arr(hostname, 16),
                rules: arr(rule, 16),
              }),
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
            ['spec'],
          ),
        },
      },
    ],
  },
} as const;
