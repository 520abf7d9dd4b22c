import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting for another holder after this long. Default 60 minutes (a cold build is slow). */
  timeoutMs?: number;
  /** How often to re-check a held lock. Default 2000 ms. */
  pollMs?: number;
  /** Called once when the lock is found held by another live process (for progress output). */
  onWait?: (holder: string) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * Runs `fn` while holding an exclusive, cross-process lock file at `lockPath`.
 *
 * The lock is a file created with `O_EXCL` that records the holder's pid and host. A lock left
 * behind by a dead process on this host (or an unreadable lock older than a minute) is broken.
 * The lock is removed when `fn` settles.
 *
 * @param lockPath - path of the lock file; its directory must exist.
 * @param fn - the critical section.
 * @param opts - timeouts, see {@link FileLockOptions}.
 * @returns whatever `fn` returns.
 * @throws Error when the lock is still held by a live process after `timeoutMs`; rethrows `fn`'s error.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60 * 60_000;
  const pollMs = opts.pollMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    if (tryCreate(lockPath)) break;
    const holder = readOwner(lockPath);
    if (isStale(lockPath, holder)) {
      try {
        unlinkSync(lockPath);
      } catch {
        // someone else broke it first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for lock ${lockPath} held by ${describe(holder)}`,
      );
    }
    if (!announced) {
      announced = true;
      opts.onWait?.(describe(holder));
    }
    await sleep(pollMs);
  }
  try {
    return await fn();
  } finally {
    const owner = readOwner(lockPath);
    if (owner && owner.pid === process.pid && owner.host === hostname()) {
      try {
        unlinkSync(lockPath);
      } catch {
        // already gone
      }
    }
  }
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '') };
    }
  } catch {
    // missing, or being written
  }
  return undefined;
}

function isStale(lockPath: string, owner: LockOwner | undefined): boolean {
  if (!owner) {
    try {
      return Date.now() - statSync(lockPath).mtimeMs > 60_000;
    } catch {
      return false; // vanished: the next tryCreate decides
    }
  }
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function describe(owner: LockOwner | undefined): string {
  return owner ? `pid ${owner.pid} on ${owner.host} since ${owner.since}` : 'an unknown process';
}
