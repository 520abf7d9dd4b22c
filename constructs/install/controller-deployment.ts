import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { type PlatformConfig, platformConfigToEnv } from '../platform-config';

/** Ports of the controller process. */
export const CONTROLLER_METRICS_PORT = 8080;
export const CONTROLLER_HEALTH_PORT = 8081;
/** Labels selecting controller pods. */
export const CONTROLLER_SELECTOR = {
  'app.kubernetes.io/name': 'sei-k8s-controller',
  'app.kubernetes.io/component': 'controller',
};

/**
 * Node.js options of the controller container (`NODE_OPTIONS`), measured with 1000 SeiNodes cached
 * and idle (docs/performance.md; live heap ~46 MiB in every case):
 * - `--max-semi-space-size=2` (MiB): a small young generation. RSS 432 → 319 MiB at 4 MiB; with the
 *   cap below, 208 MiB at 4 MiB and 184 MiB at 2 MiB; no measurable convergence cost.
 * - `--max-old-space-size=192`: V8 sizes its old generation from the machine's memory, not the
 *   container's, and grows it lazily (319 → 208 MiB RSS with this cap). 192 MiB leaves room for
 *   several thousand SeiNodes; raise it (and the memory limit) beyond that.
 * Source maps are off (`--enable-source-maps` kept ~60 MiB of parsed mappings live); the bundle is
 * not minified, so stack traces still name functions. Add `--enable-source-maps` here to map them
 * to TypeScript lines (`controller.js.map` ships in the image).
 */
export const CONTROLLER_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=2';

/** Props of {@link ControllerDeployment}. */
export interface ControllerDeploymentProps {
  /** Namespace the controller runs in. */
  readonly namespace: string;
  /** Controller image, e.g. `ghcr.io/sei-protocol/sei-k8s-controller-ts:v0.1.0`. */
  readonly image: string;
  /** ServiceAccount the controller runs as (from ControllerRbac). */
  readonly serviceAccountName: string;
  /** Platform configuration rendered into `SEI_*` env vars. */
  readonly platform: PlatformConfig;
  /**
   * Replicas. More than one requires leader election (`--leader-elect`).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Extra controller arguments.
   * @default []
   */
  readonly args?: readonly string[];
  /**
   * Deployment name.
   * @default 'sei-k8s-controller'
   */
  readonly name?: string;
  /**
   * `NODE_OPTIONS` of the controller container (heap sizing; see {@link CONTROLLER_NODE_OPTIONS}).
   * @default CONTROLLER_NODE_OPTIONS
   */
  readonly nodeOptions?: string;
}

/**
 * The controller Deployment: non-root, read-only root fs, `/healthz` and `/readyz` probes on 8081,
 * metrics on 8080, platform config as `SEI_*` env, `POD_IP`/`POD_NAME`/`POD_NAMESPACE` from the
 * downward API (the P2P routability gate judges by `POD_IP`, SPEC §7).
 */
export class ControllerDeployment extends Construct {
  readonly deployment: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ControllerDeploymentProps) {
    super(scope, id);
    const name = props.name ?? 'sei-k8s-controller';
    const env: Record<string, kplus.EnvValue> = {};
    for (const [k, v] of Object.entries(platformConfigToEnv(props.platform)))
      env[k] = kplus.EnvValue.fromValue(v);
    env.POD_IP = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP);
    env.POD_NAME = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME);
    env.POD_NAMESPACE = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE);
    env.NODE_OPTIONS = kplus.EnvValue.fromValue(props.nodeOptions ?? CONTROLLER_NODE_OPTIONS);

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: CONTROLLER_SELECTOR },
      podMetadata: { labels: CONTROLLER_SELECTOR },
      select: false,
      replicas: props.replicas ?? 1,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, 'sa', props.serviceAccountName),
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: 65532, group: 65532 },
      terminationGracePeriod: Duration.seconds(30),
      containers: [
        {
          name: 'manager',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: [
            `--metrics-bind-address=:${CONTROLLER_METRICS_PORT}`,
            `--health-probe-bind-address=:${CONTROLLER_HEALTH_PORT}`,
            ...(props.args ?? []),
          ],
          ports: [
            { number: CONTROLLER_METRICS_PORT, name: 'metrics' },
            { number: CONTROLLER_HEALTH_PORT, name: 'health' },
          ],
          envVariables: env,
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: CONTROLLER_HEALTH_PORT,
            initialDelaySeconds: Duration.seconds(15),
            periodSeconds: Duration.seconds(20),
          }),
          readiness: kplus.Probe.fromHttpGet('/readyz', {
            port: CONTROLLER_HEALTH_PORT,
            initialDelaySeconds: Duration.seconds(5),
            periodSeconds: Duration.seconds(10),
          }),
          resources: {
            cpu: { request: kplus.Cpu.millis(100) },
            memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
          },
          securityContext: {
            ensureNonRoot: true,
            user: 65532,
            group: 65532,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: CONTROLLER_SELECTOR }));
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    );
  }
}
