import { describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_CONFIG, platformConfigToEnv } from '../../../constructs/platform-config';
import {
  PLATFORM_ENV,
  PlatformConfigError,
  platformConfigFromEnv,
} from '../../../controller/config/platform-env';

const validEnv = (): Record<string, string> => platformConfigToEnv(EXAMPLE_PLATFORM_CONFIG);

describe('platformConfigFromEnv', () => {
  it('round-trips the example configuration', () => {
    expect(platformConfigFromEnv(validEnv())).toEqual(EXAMPLE_PLATFORM_CONFIG);
  });

  it('reports every missing required variable in one error', () => {
    let error: unknown;
    try {
      platformConfigFromEnv({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformConfigError);
    const required = PLATFORM_ENV.filter((v) => v.required).map((v) => v.name);
    expect(required.length).toBeGreaterThan(20);
    expect((error as PlatformConfigError).problems).toHaveLength(required.length);
    for (const name of required) expect((error as Error).message).toContain(`${name} is required`);
  });

  it('reports invalid values together with missing ones', () => {
    const env = validEnv();
    env.SEI_STORAGE_SIZE_DEFAULT = 'lots';
    env.SEI_VPC_CIDR = '10.0.0.0/8, 300.1.0.0/16';
    env.SEI_NLB_TARGET_TYPE = 'alb';
    delete env.SEI_SIDECAR_IMAGE;
    try {
      platformConfigFromEnv(env);
      expect.unreachable();
    } catch (e) {
      const problems = (e as PlatformConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/SEI_STORAGE_SIZE_DEFAULT="lots" must be a Kubernetes quantity/);
      expect(problems.join('\n')).toMatch(/not a CIDR: 300\.1\.0\.0\/16/);
      expect(problems.join('\n')).toMatch(/SEI_NLB_TARGET_TYPE="alb" must be ip or instance/);
      expect(problems.join('\n')).toMatch(/SEI_SIDECAR_IMAGE is required/);
    }
  });

  it('treats whitespace-only as missing and applies optional defaults', () => {
    const env = validEnv();
    env.SEI_NODEPOOL_NAME = '   ';
    expect(() => platformConfigFromEnv(env)).toThrow(/SEI_NODEPOOL_NAME is required/);
    const minimal = validEnv();
    delete minimal.SEI_VPC_CIDR;
    delete minimal.SEI_NLB_TARGET_TYPE;
    delete minimal.SEI_GATEWAY_PUBLIC_DOMAIN;
    const cfg = platformConfigFromEnv(minimal);
    expect(cfg.vpcCidrs).toEqual([]);
    expect(cfg.nlbTargetType).toBe('ip');
    expect(cfg.gatewayPublicDomain).toBeUndefined();
  });

  it('accepts the quantity forms Kubernetes accepts', () => {
    for (const q of ['4', '500m', '0.5', '32Gi', '40Ti', '1e3', '2000G']) {
      const env = validEnv();
      env.SEI_RESOURCE_CPU_DEFAULT = q;
      expect(platformConfigFromEnv(env).resourceCpuDefault).toBe(q);
    }
  });

  it('requires the result-export bucket and region together', () => {
    const env = validEnv();
    delete env.SEI_RESULT_EXPORT_REGION;
    expect(() => platformConfigFromEnv(env)).toThrow(/must be set together/);
  });
});
