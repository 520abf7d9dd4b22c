import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';

/** Options of {@link LoadBalancerStandIn}. */
export interface LoadBalancerStandInOptions {
  /** Only act in this namespace. */
  readonly namespace: string;
  /**
   * How long after a LoadBalancer Service appears its ingress is written (ms).
   * @default 300
   */
  readonly delayMs?: number;
  /**
   * Hostname for a Service.
   * @default `<name>-<ns>.elb.us-east-2.amazonaws.com`
   */
  readonly hostnameFor?: (svc: KubeObject) => string;
  /** @default 200 */
  readonly pollMs?: number;
}

/**
 * Plays the cloud controller for `type: LoadBalancer` Services (no cloud runs here): after a delay it
 * writes `status.loadBalancer.ingress[0].hostname` like the AWS Load Balancer Controller does for an
 * NLB. Pausable, and it can blank an ingress to test the empty-host guard. Polls (a handful of
 * Services per test); stops with {@link stop}.
 */
export class LoadBalancerStandIn {
  private readonly firstSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private readonly blanked = new Set<string>();

  constructor(
    private readonly admin: KubeClient,
    private readonly opts: LoadBalancerStandInOptions,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.opts.pollMs ?? 200);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Empties a Service's ingress (a transient cloud glitch) until {@link restore}. */
  async blank(name: string): Promise<void> {
    this.blanked.add(name);
    await this.admin.patch(
      Resources.Service,
      { namespace: this.opts.namespace, name },
      { status: { loadBalancer: { ingress: [] } } },
      { subresource: 'status' },
    );
  }

  restore(name: string): void {
    this.blanked.delete(name);
  }

  private async tick(): Promise<void> {
    if (this.paused) return;
    const list = await this.admin.list<
      KubeObject & { spec?: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }
    >(Resources.Service, {
      namespace: this.opts.namespace,
    });
    for (const svc of list.items) {
      const name = svc.metadata?.name ?? '';
      if (svc.spec?.type !== 'LoadBalancer' || this.blanked.has(name)) continue;
      if (svc.status?.loadBalancer?.ingress?.length) continue;
      const key = `${name}/${svc.metadata?.uid}`;
      const seen = this.firstSeen.get(key) ?? Date.now();
      this.firstSeen.set(key, seen);
      if (Date.now() - seen < (this.opts.delayMs ?? 300)) continue;
      const hostname =
        this.opts.hostnameFor?.(svc) ?? `${name}-${this.opts.namespace}.elb.us-east-2.amazonaws.com`;
      await this.admin.patch(
        Resources.Service,
        { namespace: this.opts.namespace, name },
        { status: { loadBalancer: { ingress: [{ hostname }] } } },
        { subresource: 'status' },
      );
    }
  }
}
