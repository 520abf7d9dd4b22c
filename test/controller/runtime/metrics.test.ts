import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Resources } from '../../../controller/kube/resources.js';
import { RuntimeMetrics } from '../../../controller/runtime/metrics.js';

describe('RuntimeMetrics', () => {
  it('turns runtime hooks into controller-runtime-style Prometheus metrics', async () => {
    const registry = new Registry();
    const m = new RuntimeMetrics(registry);
    m.hooks.reconciled?.('seinode', 'success', 12);
    m.hooks.reconciled?.('seinode', 'error', 3, new Error('x'));
    m.hooks.depth?.('seinode', 4);
    m.hooks.add?.('seinode', 'ns/a');
    m.hooks.retry?.('seinode', 'ns/a');
    m.hooks.queueLatency?.('seinode', 5);
    m.hooks.workDuration?.('seinode', 7);
    m.requestObserver({ verb: 'apply', resource: 'statefulsets', namespace: 'ns', code: 200, durationMs: 4 });
    m.watchRestart(Resources.SeiNode, '', 'gone');
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="seinode",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="seinode"} 1');
    expect(text).toContain('workqueue_depth{name="seinode"} 4');
    expect(text).toContain('workqueue_retries_total{name="seinode"} 1');
    expect(text).toContain('rest_client_requests_total{verb="apply",resource="statefulsets",code="200"} 1');
    expect(text).toContain(
      'sei_controller_watch_restarts_total{resource="seinodes",namespace="*",reason="gone"} 1',
    );
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="seinode"} 1');
  });
});
