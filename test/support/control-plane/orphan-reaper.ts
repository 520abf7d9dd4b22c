import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A tiny detached Node process that kills the given pids and deletes the given directories if
 * *this* process dies without cleaning up (SIGKILL, crash, Ctrl-C of a test runner). It notices
 * through its stdin pipe closing, with a once-a-second check of the parent's pid as a backstop.
 * Cleanups that happen normally should call {@link OrphanReaper.dismiss} afterwards.
 */
export interface OrphanReaper {
  /** Adds a pid to kill (SIGTERM, then SIGKILL after 3 s) if the parent dies. */
  watchPid(pid: number): void;
  /** Ends the reaper without it touching anything. Safe to call twice. */
  dismiss(): void;
}

const REAPER_SOURCE = `
const fs = require('node:fs');
const cfg = JSON.parse(process.argv[1]);
const pids = new Set(cfg.pids);
let reaping = false;
function alive(pid) { try { process.kill(pid, 0); return true; } catch { return false; } }
function reap() {
  if (reaping) return;
  reaping = true;
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch {} }
  const started = Date.now();
  const timer = setInterval(() => {
    const left = [...pids].filter(alive);
    if (left.length === 0 || Date.now() - started > 3000) {
      for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch {} }
      for (const dir of cfg.dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
      clearInterval(timer);
      process.exit(0);
    }
  }, 100);
}
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    if (line === 'dismiss') process.exit(0);
    const pid = Number(line);
    if (Number.isInteger(pid) && pid > 0) pids.add(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
setInterval(() => { if (!alive(cfg.parent)) reap(); }, 1000);
`;

/**
 * Starts an {@link OrphanReaper} for the current process.
 *
 * @param dirs - directories to delete (recursively) after the pids are dead, if the parent dies.
 * @returns a handle; the reaper process itself is unref'd and does not keep Node alive.
 */
export function startOrphanReaper(dirs: string[]): OrphanReaper {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', REAPER_SOURCE, JSON.stringify({ parent: process.pid, pids: [], dirs })],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  child.unref();
  const stdin = child.stdin;
  // The pipe must not keep the parent's event loop alive either.
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  stdin?.on('error', () => {});
  let dismissed = false;
  return {
    watchPid(pid) {
      if (!dismissed) stdin?.write(`${pid}\n`);
    },
    dismiss() {
      if (dismissed) return;
      dismissed = true;
      stdin?.end('dismiss\n');
    },
  };
}
