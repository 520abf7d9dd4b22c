/**
 * A small, hand-written stand-in for cert-manager's `Certificate` CRD
 * (`certificates.cert-manager.io`, version `v1`), for installing into the test control plane with
 * `installCrds`. It is NOT the upstream CRD: it declares the part of `CertificateSpec` this project
 * renders (secretName, issuerRef, dnsNames, duration, renewBefore, privateKey, secretTemplate,
 * usages) plus a few common siblings, as a structural schema. `spec` itself is closed, so a
 * server-side apply with a misspelled or misplaced field fails ("field not declared in schema")
 * instead of being pruned; only sub-objects this project never renders (`subject`, `keystores`,
 * `nameConstraints`, `otherNames`, `additionalOutputFormats` entries) keep unknown fields.
 * `status` is left open (cert-manager — here the `CertIssuerStandIn` — writes it).
 *
 * Validation mirrors cert-manager's where cheap: `issuerRef.name` and `secretName` required, the
 * private-key algorithm/encoding/rotation enums, and the key-usage enum.
 */
import { defineResource } from '../../controller/kube/resources';

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const open: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** cert-manager's `KeyUsage` values (`spec.usages`). */
export const CERT_MANAGER_KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

/** The `Certificate` resource (`cert-manager.io/v1`, namespaced), for `KubeClient` calls. */
export const CERTIFICATE_RESOURCE = defineResource('cert-manager.io/v1', 'Certificate', 'certificates');

const certificateSpec = obj(
  {
    secretName: str({ minLength: 1, maxLength: 253 }),
    issuerRef: obj(
      {
        name: str({ minLength: 1 }),
        kind: str(),
        group: str(),
      },
      ['name'],
    ),
    commonName: str({ maxLength: 64 }),
    dnsNames: arr(str()),
    ipAddresses: arr(str()),
    uris: arr(str()),
    emailAddresses: arr(str()),
    otherNames: arr(open),
    duration: str(),
    renewBefore: str(),
    renewBeforePercentage: { type: 'integer', format: 'int32' },
    isCA: { type: 'boolean' },
    usages: arr(str({ enum: [...CERT_MANAGER_KEY_USAGES] })),
    privateKey: obj({
      algorithm: str({ enum: ['RSA', 'ECDSA', 'Ed25519'] }),
      encoding: str({ enum: ['PKCS1', 'PKCS8'] }),
      size: { type: 'integer' },
      rotationPolicy: str({ enum: ['Never', 'Always'] }),
    }),
    secretTemplate: obj({ labels: stringMap, annotations: stringMap }),
    revisionHistoryLimit: { type: 'integer', format: 'int32', minimum: 1 },
    encodeUsagesInRequest: { type: 'boolean' },
    literalSubject: str(),
    subject: open,
    nameConstraints: open,
    keystores: open,
    additionalOutputFormats: arr(open),
  },
  ['issuerRef', 'secretName'],
);

/** The `Certificate` stand-in CRD, in wire format (pass it to `installCrds`). */
export const CERTIFICATE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: 'certificates.cert-manager.io',
    labels: { 'app.kubernetes.io/name': 'cert-manager-stand-in' },
  },
  spec: {
    group: 'cert-manager.io',
    scope: 'Namespaced',
    names: {
      kind: 'Certificate',
      listKind: 'CertificateList',
      plural: 'certificates',
      singular: 'certificate',
      shortNames: ['cert', 'certs'],
      categories: ['cert-manager'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          {
            name: 'Ready',
            type: 'string',
            jsonPath: '.status.conditions[?(@.type=="Ready")].status',
          },
          { name: 'Secret', type: 'string', jsonPath: '.spec.secretName' },
          { name: 'Issuer', type: 'string', jsonPath: '.spec.issuerRef.name', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: obj(
            {
              apiVersion: str(),
              kind: str(),
              metadata: { type: 'object' },
              spec: certificateSpec,
              status: open,
            },
            ['spec'],
          ),
        },
      },
    ],
  },
} as const;
