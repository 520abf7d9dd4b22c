import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { CONTROLLER_PERMISSIONS } from '../../constructs/install/permissions';
import type { RequestEvent } from '../../controller/kube/request-counter';

/** The RBAC verb a client request needs (server-side apply is a `patch`). */
const rbacVerb = (e: RequestEvent): string => (e.verb === 'apply' ? 'patch' : e.verb);

/**
 * A request observer that appends every distinct `<verb> <resource>` the controller under test
 * issued (successful or not) to `path`, one per line, so the run's teardown can list grants nobody
 * used. Test-only: it does I/O on the first occurrence of each pair.
 */
export function recordRbacUsage(path: string): (e: RequestEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    const key = `${rbacVerb(e)} ${e.resource}`;
    if (seen.has(key)) return;
    seen.add(key);
    appendFileSync(path, `${key}\n`);
  };
}

/**
 * Granted (from the permission table) minus used (recorded over the whole integration run), as
 * `group/resource: verb` lines. Resources are matched by plural (the recorder does not see groups).
 */
export function unusedGrants(path: string): string[] {
  const used = new Set(existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  const out: string[] = [];
  for (const p of CONTROLLER_PERMISSIONS) {
    for (const verb of p.verbs) {
      if (!used.has(`${verb} ${p.resource}`)) out.push(`${p.apiGroup || 'core'}/${p.resource}: ${verb}`);
    }
  }
  return out;
}
