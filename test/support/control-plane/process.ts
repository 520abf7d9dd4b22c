import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A long-running child process whose stdout and stderr go to one log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last `lines` lines of the log file (empty string if unreadable). */
  logTail(lines?: number): string;
  /**
   * SIGTERM, then SIGKILL after `graceMs` (default 5000). Resolves once the process is gone.
   * Safe to call on an exited process and more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `bin args…` with stdout and stderr appended to `logPath` (a file, not a pipe, so nothing
 * keeps the Node event loop alive and the log survives the parent). The child is unref'd.
 *
 * @throws Error when the executable cannot be spawned (e.g. ENOENT); the log holds nothing then.
 */
export async function startProcess(
  name: string,
  bin: string,
  args: string[],
  opts: { logPath: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<ManagedProcess> {
  const fd = openSync(opts.logPath, 'a');
  const child = spawn(bin, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) => reject(new Error(`cannot start ${name} (${bin}): ${err.message}`)));
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${name}: no pid`);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const logTail = (lines = 40) => tailFile(opts.logPath, lines);
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    logPath: opts.logPath,
    exited,
    hasExited: () => done,
    logTail,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (done) return;
        child.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!graceful && !done) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}

/** Last `lines` lines of a text file, or '' when it cannot be read. */
export function tailFile(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}
