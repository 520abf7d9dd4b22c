import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** Where a benchmark ran: recorded with every result file. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly totalMemMiB: number;
  readonly freeMemMiB: number;
  /** 1-minute load average when the run started (other work on the machine skews results). */
  readonly loadAvgAtStart: number;
  readonly node: string;
  readonly platform: string;
  readonly gitCommit: string;
  /** `git status --porcelain` was not empty. */
  readonly gitDirty: boolean;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Describes this machine and checkout. */
export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpus: cpu.length,
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    freeMemMiB: Math.round(freemem() / 2 ** 20),
    loadAvgAtStart: Number((loadavg()[0] ?? 0).toFixed(2)),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    gitCommit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: git(['status', '--porcelain']) !== '',
  };
}
