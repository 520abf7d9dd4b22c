/**
 * Everything `SeiNodeDeploymentResources` renders — child SeiNodes, the internal and external
 * Services, the Gateway API HTTPRoutes — is valid for a REAL kube-apiserver: each object passes a
 * server-side dry-run apply, and the object the server would store contains every field we sent
 * (nothing pruned, nothing rewritten). The sei.io CRDs come from the integration global setup; the
 * HTTPRoute CRD is our own strict stand-in (test/support/gateway-api-crd.ts), installed here.
 *
 * Sources: reference-seinodedeployment.md §2.8, SPEC §6, §12.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SeiNodeDeployment } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { synthInMemory } from '../../../constructs/render';
import {
  HTTPROUTE_API_VERSION,
  KIND_HTTPROUTE,
  PLURAL_HTTPROUTES,
} from '../../../constructs/seinodedeployment/http-routes';
import { SeiNodeDeploymentResources } from '../../../constructs/seinodedeployment/seinodedeployment-resources';
import type { KubeClient } from '../../../controller/kube/client';
import { InvalidError } from '../../../controller/kube/errors';
import { defineResource, findResource, Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import { installCrds } from '../../support/control-plane/index';
import { adminClient, ensureNamespace, subsetDiff } from '../../support/controller-harness';
import { exampleDeployment } from '../../support/examples';
import { HTTPROUTE_CRD } from '../../support/gateway-api-crd';

const NS = 'snd-networking-admission';
const HTTPRoute = defineResource(HTTPROUTE_API_VERSION, KIND_HTTPROUTE, PLURAL_HTTPROUTES);
const EXAMPLES = ['genesis-validators-deployment.yaml', 'rpc-pool-deployment.yaml'];

let admin: KubeClient;

type Route = KubeObject & { spec: { rules: Record<string, unknown>[]; hostnames: string[] } };

beforeAll(async () => {
  admin = adminClient();
  expect(await installCrds(admin.kubeConfig, [HTTPROUTE_CRD])).toEqual([
    'httproutes.gateway.networking.k8s.io',
  ]);
  await ensureNamespace(admin, NS);
});

function deployment(file: string): SeiNodeDeployment {
  const snd = exampleDeployment(file);
  snd.metadata.namespace = NS;
  return snd;
}

function render(snd: SeiNodeDeployment): KubeObject[] {
  return synthInMemory(
    (chart) => new SeiNodeDeploymentResources(chart, 'snd', { deployment: snd, platform }),
  ) as unknown as KubeObject[];
}

const resourceOf = (o: KubeObject) =>
  o.kind === KIND_HTTPROUTE ? HTTPRoute : findResource(o.apiVersion ?? '', o.kind ?? '');

/** Dry-run applies every object and checks the would-be stored object contains all we sent. */
async function dryRunAll(objs: KubeObject[]): Promise<KubeObject[]> {
  const stored: KubeObject[] = [];
  for (const o of objs) {
    const what = `${o.kind}/${o.metadata?.name}`;
    const resource = resourceOf(o);
    expect(resource, what).toBeDefined();
    if (!resource) continue;
    const live = await admin.apply(resource, o, {
      dryRun: 'All',
      fieldManager: 'seinodedeployment-controller',
    });
    expect(subsetDiff(o, live), what).toEqual([]);
    stored.push(live);
  }
  return stored;
}

describe('SeiNodeDeploymentResources against a real API server (server-side dry run)', () => {
  for (const file of EXAMPLES) {
    it(`accepts every object rendered for examples/${file} (preview: no owner)`, async () => {
      const objs = render(deployment(file));
      expect(objs.length).toBeGreaterThan(1);
      await dryRunAll(objs);
    });

    it(`accepts every object rendered for examples/${file} owned by the live SeiNodeDeployment`, async () => {
      const live = await admin.apply<SeiNodeDeployment>(Resources.SeiNodeDeployment, deployment(file), {
        fieldManager: 'integration-test',
      });
      try {
        expect(live.metadata.uid).toBeTruthy();
        const stored = await dryRunAll(render(live));
        for (const o of stored) {
          expect(o.metadata?.ownerReferences, `${o.kind}/${o.metadata?.name}`).toEqual([
            expect.objectContaining({ kind: 'SeiNodeDeployment', uid: live.metadata.uid, controller: true }),
          ]);
        }
      } finally {
        await admin.delete(Resources.SeiNodeDeployment, { namespace: NS, name: live.metadata.name ?? '' });
      }
    });
  }

  it('accepts the p2p-only external Service of an HTTP-published validator deployment', async () => {
    expect(
      render(deployment('rpc-pool-deployment.yaml')).filter((o) => o.kind === KIND_HTTPROUTE),
    ).toHaveLength(4);
    const validators = deployment('genesis-validators-deployment.yaml');
    validators.spec.networking = {};
    const objs = render(validators);
    expect(objs.map((o) => `${o.kind}/${o.metadata?.name}`)).toContain('Service/devnet-external');
    await dryRunAll(objs.filter((o) => o.kind === 'Service'));
  });

  it('the HTTPRoute stand-in CRD is strict: a misplaced field or an invalid hostname is rejected', async () => {
    const route = render(deployment('rpc-pool-deployment.yaml')).find((o) => o.kind === KIND_HTTPROUTE);
    if (!route) throw new Error('no HTTPRoute rendered');
    const misplaced = structuredClone(route) as Route;
    misplaced.spec.rules[0] = { backendRef: misplaced.spec.rules[0]?.backendRefs };
    await expect(admin.apply(HTTPRoute, misplaced, { dryRun: 'All' })).rejects.toThrow(
      /\.spec\.rules\[0\]\.backendRef: field not declared in schema/,
    );
    const badHost = structuredClone(route) as Route;
    badHost.spec.hostnames = ['Not_A_Hostname'];
    const err = await admin.apply(HTTPRoute, badHost, { dryRun: 'All' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).message).toMatch(/spec\.hostnames\[0\]: Invalid value: "Not_A_Hostname"/);
  });
});
