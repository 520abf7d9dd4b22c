/**
 * A faithful, in-process simulator of the seictl sidecar HTTP API (reference-seictl-sidecar-api.md
 * §3–§5, §9), for unit tests, integration tests and `npm run demo`. One HTTP(S) server on
 * 127.0.0.1 serves many nodes under `/nodes/{namespace}/{name}/v0/…`, matching the controller's
 * URL template `http://127.0.0.1:<port>/nodes/{namespace}/{name}`. Nodes are created on first
 * request.
 *
 * Modelled: the route table, status codes and error envelopes; idempotency by task id; re-run of
 * a failed task on resubmission (`run+1`, new params, new `submittedAt`); the list endpoint;
 * in-memory readiness (`/v0/healthz` 503 until a mark-ready completes since the last restart);
 * `/v0/status`; `/v0/node-id` (500 until generate-identity ran); unknown type → 400; bad params →
 * 201 then `failed`; genesis-ceremony gating (configure-genesis and set-genesis-peers fail until
 * assemble-and-upload-genesis uploaded the chain's genesis; assemble fails until every listed node
 * uploaded its artifacts). Scripting: per node (or all nodes) and type, latency, failures and
 * hangs. Faults: HTTP status, malformed JSON, dropped connections, slow answers, lost rows, sidecar
 * restart, bearer-token checks (kube-rbac-proxy's 401), stop/resume listening. Every request is
 * recorded with its headers and body.
 *
 * This file has no test-framework imports: it is plain library code.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** The 19 task types registered on a v0.0.50 sidecar (reference §6, §9.3). */
export const V0_0_50_TASK_TYPES: readonly string[] = [
  'snapshot-restore',
  'configure-genesis',
  'config-apply',
  'discover-peers',
  'configure-state-sync',
  'config-validate',
  'mark-ready',
  'snapshot-upload',
  'generate-identity',
  'generate-gentx',
  'upload-genesis-artifacts',
  'assemble-and-upload-genesis',
  'set-genesis-peers',
  'await-condition',
  'gov-vote',
  'gov-software-upgrade',
  'config-patch',
  'config-reload',
  'result-export',
];

/** Paths kube-rbac-proxy forwards without authentication (`--ignore-paths`). */
const BYPASS_PATHS = new Set(['/v0/healthz', '/v0/startupz', '/v0/livez', '/v0/metrics']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONFIG_MODES = new Set(['validator', 'full', 'seed', 'archive', 'rpc', 'indexer']);

/** A node, as `{namespace, name}` or `"namespace/name"`; `'*'` (where allowed) means every node. */
export type SimNodeRef = { readonly namespace: string; readonly name: string } | string;

/**
 * How a task type behaves on a node. Without a script a task completes instantly (before the POST
 * is answered), except `snapshot-upload`, which never completes.
 */
export interface TaskScript {
  /** Finish this many ms after (re)submission or restart. */
  delayMs?: number;
  /** Answer `running` to this many GETs of the task; the next GET finishes it. */
  afterPolls?: number;
  /** Fail with this message (the sidecar's `error`). */
  fail?: string;
  /** How many runs fail with `fail` before runs succeed (1 = fail once). @default Infinity */
  failTimes?: number;
  /** Never finish (until {@link SidecarSimulator.finishTask} or a re-script plus restart). */
  hang?: boolean;
}

/** Where a fault applies and how often. */
interface FaultScope {
  /** Only requests with this method. @default any */
  method?: 'GET' | 'POST' | 'DELETE';
  /** Only this node-relative path (e.g. `/v0/tasks`) or prefix ending in `*` (`/v0/tasks/*`). @default any */
  path?: string;
  /** Apply to this many matching requests, then disappear. @default Infinity */
  times?: number;
}

/** An injected fault on a node's requests (checked before authentication and routing). */
export type SimFault =
  /** Answer with `status`; body `{"error":"injected HTTP <status>"}` or the given plain text. */
  | (FaultScope & { kind: 'status'; status: number; body?: string })
  /** Route normally but replace a JSON body with invalid JSON. */
  | (FaultScope & { kind: 'malformed' })
  /** Destroy the connection without answering (the client sees a reset). */
  | (FaultScope & { kind: 'drop' })
  /** Answer only after `ms` (client timeouts). */
  | (FaultScope & { kind: 'delay'; ms: number });

/** One request as received, for wire-format assertions. */
export interface RecordedRequest {
  /** `namespace/name` of the node. */
  readonly node: string;
  readonly method: string;
  /** Node-relative path with query, e.g. `/v0/tasks/…`. */
  readonly path: string;
  /** The full request path, e.g. `/nodes/ns/n1/v0/tasks`. */
  readonly rawPath: string;
  /** Lower-cased header names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  /** The raw body ('' when none). */
  readonly body: string;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  readonly json: unknown;
}

/** A task row as `GET /v0/tasks/{id}` returns it. */
export interface SimTaskResult {
  id: string;
  type: string;
  status: 'running' | 'completed' | 'failed';
  run: number;
  params?: Record<string, unknown>;
  error?: string;
  submittedAt: string;
  completedAt?: string;
}

/** Options of {@link SidecarSimulator}. */
export interface SidecarSimulatorOptions {
  /** Task types with a handler. @default V0_0_50_TASK_TYPES */
  acceptedTypes?: Iterable<string>;
  /** When set, non-bypass requests need `Authorization: Bearer <token>` (else 401 plain text). */
  token?: string;
  /** Serve HTTPS with this PEM key and certificate instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
  /**
   * Cap on recorded requests (long demo runs): when full, the oldest tenth is dropped; `0` records
   * nothing. @default 100000
   */
  maxRecordedRequests?: number;
}

/** What {@link SidecarSimulator.start} returns. */
export interface SimulatorHandle {
  /** The listening port. */
  readonly port: number;
  /** URL template for the controller, e.g. `http://127.0.0.1:43121/nodes/{namespace}/{name}`. */
  readonly urlTemplate: string;
  /** Stops the server and all timers (state is dropped with the simulator). */
  stop(): Promise<void>;
}

interface Row {
  id: string;
  type: string;
  status: 'running' | 'completed' | 'failed';
  run: number;
  params: Record<string, unknown> | undefined;
  error: string | undefined;
  submittedNs: bigint;
  completedNs: bigint | undefined;
  seq: number;
  polls: number;
  /** Identifies the current execution; timers of older executions are ignored. */
  execution: number;
  /** How the current execution finishes: instant, on a timer, after polls, on a height, never. */
  waitFor: 'polls' | 'height' | 'never' | 'timer' | 'done';
  afterPolls: number;
  timer: NodeJS.Timeout | undefined;
}

interface NodeState {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  rows: Map<string, Row>;
  ready: boolean;
  identity: boolean;
  gentx: boolean;
  chainId: string | undefined;
  height: number;
  scripts: Map<string, TaskScript>;
  failures: Map<string, number>;
  faults: SimFault[];
}

interface ChainState {
  genesis: boolean;
  peers: string[];
  /** `{nodeName}` whose gentx/identity were uploaded. */
  artifacts: Set<string>;
}

/**
 * The deterministic CometBFT node id the simulator reports for a node: the first 40 hex
 * characters of SHA-256(`sim-node-key/<name>`).
 */
export function simulatedNodeId(name: string): string {
  return createHash('sha256').update(`sim-node-key/${name}`).digest('hex').slice(0, 40);
}

function keyOf(ref: SimNodeRef): string {
  return typeof ref === 'string' ? ref : `${ref.namespace}/${ref.name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let lastNs = 0n;
/** Wall-clock time in ns, strictly increasing within the process. */
function nowNs(): bigint {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastNs = ns > lastNs ? ns : lastNs + 1n;
  return lastNs;
}

/** Go's `time.RFC3339Nano` in UTC (trailing fractional zeros trimmed). */
function rfc3339Nano(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString(); // …T12:34:56.789Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

/**
 * The simulator. Create it, {@link start} it, point the controller at `urlTemplate`, then script,
 * inject faults and inspect requests and task rows per node.
 */
export class SidecarSimulator {
  private readonly nodes = new Map<string, NodeState>();
  private readonly chains = new Map<string, ChainState>();
  private readonly records: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly defaultScripts = new Map<string, TaskScript>([['snapshot-upload', { hang: true }]]);
  private accepted: Set<string>;
  private token: string | undefined;
  private server: Server | undefined;
  private port = 0;
  private seq = 0;
  private executions = 0;
  /** TCP (or TLS) connections accepted since start (keep-alive assertions). */
  connections = 0;

  /** @param options See {@link SidecarSimulatorOptions}. */
  constructor(private readonly options: SidecarSimulatorOptions = {}) {
    this.accepted = new Set(options.acceptedTypes ?? V0_0_50_TASK_TYPES);
    this.token = options.token;
  }

  /**
   * Starts listening on 127.0.0.1.
   *
   * @returns the port, the URL template for the controller and a `stop()`.
   * @throws Error when already started or the port is taken.
   */
  async start(): Promise<SimulatorHandle> {
    if (this.server) throw new Error('sidecar simulator already started');
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, 'text/plain', `simulator error: ${String(err)}\n`);
      });
    };
    const server = this.options.tls
      ? createHttpsServer({ key: this.options.tls.key, cert: this.options.tls.cert }, handler)
      : createHttpServer(handler);
    server.keepAliveTimeout = 30_000;
    server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await this.listen(this.options.port ?? 0);
    const scheme = this.options.tls ? 'https' : 'http';
    return {
      port: this.port,
      urlTemplate: `${scheme}://127.0.0.1:${this.port}/nodes/{namespace}/{name}`,
      stop: () => this.stop(),
    };
  }

  /** Stops the server, drops every connection and cancels all task timers. Idempotent. */
  async stop(): Promise<void> {
    for (const node of this.nodes.values()) for (const row of node.rows.values()) clearTimeout(row.timer);
    const server = this.server;
    this.server = undefined;
    if (server) await this.close(server);
  }

  /**
   * Stops accepting connections and drops open ones (clients see connection refused) while keeping
   * all state and timers; {@link resumeListening} listens again on the same port.
   */
  async stopListening(): Promise<void> {
    if (this.server?.listening) await this.close(this.server);
  }

  /** Listens again on the same port after {@link stopListening}. */
  async resumeListening(): Promise<void> {
    if (this.server && !this.server.listening) await this.listen(this.port);
  }

  /** Requires `Authorization: Bearer <token>` from now on (`undefined` = no auth; simulates rotation). */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /** Replaces the set of task types with a handler (e.g. a newer sidecar without discover-peers). */
  setAcceptedTypes(types: Iterable<string>): void {
    this.accepted = new Set(types);
  }

  /**
   * Scripts a task type on a node (`'*'`: on every node without its own script for that type).
   * Applies to executions started afterwards (new submissions, re-runs, restarts).
   */
  script(node: SimNodeRef | '*', type: string, script: TaskScript): void {
    if (node === '*') {
      this.defaultScripts.set(type, script);
      for (const n of this.nodes.values()) n.failures.delete(type);
    } else {
      const n = this.state(node);
      n.scripts.set(type, script);
      n.failures.delete(type);
    }
  }

  /** Adds a fault to a node's requests (faults are checked in insertion order; the first match wins). */
  inject(node: SimNodeRef, fault: SimFault): void {
    this.state(node).faults.push({ ...fault });
  }

  /** Removes a node's faults (all nodes' when omitted). */
  clearFaults(node?: SimNodeRef): void {
    for (const n of node === undefined ? this.nodes.values() : [this.state(node)]) n.faults = [];
  }

  /**
   * Simulates a sidecar process restart (§5): readiness is lost, completed and failed rows stay,
   * rows still `running` are re-run with the same run number (rows whose type has no handler any
   * more fail with `no handler registered for task type`).
   */
  restart(node: SimNodeRef): void {
    const n = this.state(node);
    n.ready = false;
    for (const row of n.rows.values()) {
      if (row.status !== 'running') continue;
      clearTimeout(row.timer);
      if (!this.accepted.has(row.type)) this.complete(row, 'no handler registered for task type');
      else this.execute(n, row);
    }
  }

  /** Deletes a task row as if the sidecar lost it (GET → 404; a re-POST creates it anew, run 1). */
  loseTask(node: SimNodeRef, id: string): void {
    const n = this.state(node);
    clearTimeout(n.rows.get(id)?.timer);
    n.rows.delete(id);
  }

  /**
   * Finishes a running task now (e.g. a hung one): completed, or failed with `error`. Success runs
   * the type's side effects (readiness, identity, genesis upload …), but not its preconditions.
   *
   * @throws Error when the task does not exist or is not running.
   */
  finishTask(node: SimNodeRef, id: string, error?: string): void {
    const n = this.state(node);
    const row = n.rows.get(id);
    if (row?.status !== 'running') throw new Error(`task ${id} on ${n.key} is not running`);
    clearTimeout(row.timer);
    if (error === undefined) this.applyEffects(n, row);
    this.complete(row, error);
  }

  /** Sets a node's simulated chain height (await-condition tasks complete once it is reached). */
  setHeight(node: SimNodeRef, height: number): void {
    const n = this.state(node);
    n.height = height;
    for (const row of n.rows.values()) this.checkHeight(n, row);
  }

  /**
   * Sets a node's chain id (otherwise learned from generate-identity/generate-gentx params). A node
   * with a chain id waits for that chain's genesis in configure-genesis.
   */
  setChain(node: SimNodeRef, chainId: string): void {
    this.state(node).chainId = chainId;
  }

  /** Marks a chain's genesis.json and peers.json as uploaded (or not) in the fake S3. */
  setGenesisUploaded(chainId: string, uploaded = true): void {
    this.chain(chainId).genesis = uploaded;
  }

  /** Whether the chain's genesis.json is in the fake S3. */
  isGenesisUploaded(chainId: string): boolean {
    return this.chains.get(chainId)?.genesis ?? false;
  }

  /** The peers.json of a chain (`nodeId@host:26656`), empty before assembly. */
  genesisPeers(chainId: string): readonly string[] {
    return [...(this.chains.get(chainId)?.peers ?? [])];
  }

  /** Whether `/v0/healthz` answers 200 (a mark-ready completed since the last restart). */
  isReady(node: SimNodeRef): boolean {
    return this.nodes.get(keyOf(node))?.ready ?? false;
  }

  /** A node's task rows as the API shows them, newest submission first. */
  tasks(node: SimNodeRef): SimTaskResult[] {
    const n = this.nodes.get(keyOf(node));
    return n ? this.sorted(n).map((r) => this.view(r)) : [];
  }

  /** One task row as the API shows it, or undefined. */
  task(node: SimNodeRef, id: string): SimTaskResult | undefined {
    const row = this.nodes.get(keyOf(node))?.rows.get(id);
    return row ? this.view(row) : undefined;
  }

  /** Requests received, in order (one node's when given). */
  requests(node?: SimNodeRef): RecordedRequest[] {
    const key = node === undefined ? undefined : keyOf(node);
    return this.records.filter((r) => key === undefined || r.node === key);
  }

  /** Parsed bodies of a node's `POST /v0/tasks` requests, in order. */
  submissions(node: SimNodeRef): unknown[] {
    return this.requests(node)
      .filter((r) => r.method === 'POST' && r.path === '/v0/tasks')
      .map((r) => r.json);
  }

  /** Forgets recorded requests (one node's when given). */
  clearRequests(node?: SimNodeRef): void {
    const key = node === undefined ? undefined : keyOf(node);
    for (let i = this.records.length - 1; i >= 0; i--) {
      if (key === undefined || this.records[i]?.node === key) this.records.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  private listen(port: number): Promise<void> {
    const server = this.server as Server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private close(server: Server): Promise<void> {
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sim');
    const m = /^\/nodes\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) {
      this.send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
      return;
    }
    const node = this.state({
      namespace: decodeURIComponent(m[1] as string),
      name: decodeURIComponent(m[2] as string),
    });
    const path = m[3] ?? '/';
    const method = req.method ?? 'GET';
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const max = this.options.maxRecordedRequests ?? 100_000;
    // drop a tenth at a time so a full buffer does not cost a splice per request
    if (max > 0 && this.records.length >= max) this.records.splice(0, Math.max(1, Math.ceil(max / 10)));
    if (max > 0)
      this.records.push({
        node: node.key,
        method,
        path: path + url.search,
        rawPath: url.pathname + url.search,
        headers: { ...req.headers },
        body,
        json,
      });

    const fault = this.takeFault(node, method, path);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      if (fault.body !== undefined) this.send(res, fault.status, 'text/plain; charset=utf-8', fault.body);
      else this.json(res, fault.status, { error: `injected HTTP ${fault.status}` });
      return;
    }

    // kube-rbac-proxy: bearer token on everything but the ignored paths.
    if (this.token !== undefined && !BYPASS_PATHS.has(path)) {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        this.send(res, 401, 'text/plain; charset=utf-8', 'Unauthorized\n');
        return;
      }
    }

    const out = this.route(node, method, path, body);
    if (fault?.kind === 'malformed' && out.contentType === 'application/json') {
      this.send(res, out.status, out.contentType, '{"id": "truncated\n');
      return;
    }
    this.send(res, out.status, out.contentType, out.body, out.headers);
  }

  private takeFault(node: NodeState, method: string, path: string): SimFault | undefined {
    const i = node.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.path === undefined ||
          (f.path.endsWith('*') ? path.startsWith(f.path.slice(0, -1)) : f.path === path)),
    );
    const fault = node.faults[i];
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times--;
      if (fault.times <= 0) node.faults.splice(i, 1);
    }
    return fault;
  }

  private send(
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      ...(body ? { 'content-type': contentType } : {}),
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    this.send(res, status, 'application/json', `${JSON.stringify(value)}\n`);
  }

  private route(
    node: NodeState,
    method: string,
    path: string,
    body: string,
  ): { status: number; contentType: string; body: string; headers?: Record<string, string> } {
    const json = (status: number, value: unknown) => ({
      status,
      contentType: 'application/json',
      body: `${JSON.stringify(value)}\n`,
    });
    const empty = (status: number) => ({ status, contentType: 'text/plain', body: '' });
    const notAllowed = (allow: string) => ({
      status: 405,
      contentType: 'text/plain; charset=utf-8',
      body: 'Method Not Allowed\n',
      headers: { allow },
    });
    const isGet = method === 'GET' || method === 'HEAD';

    if (path === '/v0/tasks') {
      if (method === 'POST') {
        const r = this.submit(node, body);
        return json(r.status, r.body);
      }
      if (isGet)
        return json(
          200,
          this.sorted(node)
            .slice(0, 100)
            .map((r) => this.view(r)),
        );
      return notAllowed('GET, HEAD, POST');
    }
    if (path.startsWith('/v0/tasks/') && !path.slice('/v0/tasks/'.length).includes('/')) {
      const id = decodeURIComponent(path.slice('/v0/tasks/'.length));
      if (isGet) {
        if (!id) return json(400, { error: 'missing task ID' });
        const row = node.rows.get(id);
        if (!row) return json(404, { error: 'task not found' });
        this.poll(node, row);
        return json(200, this.view(row));
      }
      if (method === 'DELETE') {
        const row = node.rows.get(id);
        if (!row) return json(404, { error: 'task not found' });
        clearTimeout(row.timer);
        node.rows.delete(id);
        return empty(204);
      }
      return notAllowed('DELETE, GET, HEAD');
    }
    switch (path) {
      case '/v0/healthz':
      case '/v0/startupz':
        return isGet ? empty(node.ready ? 200 : 503) : notAllowed('GET, HEAD');
      case '/v0/livez':
        return isGet ? empty(200) : notAllowed('GET, HEAD');
      case '/v0/status':
        return isGet ? json(200, { status: node.ready ? 'Ready' : 'Initializing' }) : notAllowed('GET, HEAD');
      case '/v0/node-id':
        if (!isGet) return notAllowed('GET, HEAD');
        return node.identity
          ? json(200, { nodeId: simulatedNodeId(node.name) })
          : json(500, { error: 'node_key.json not found — generate-identity may not have run yet' });
      case '/v0/metrics':
        if (!isGet) return notAllowed('GET, HEAD');
        return {
          status: 200,
          contentType: 'text/plain; version=0.0.4',
          body: `# TYPE seictl_sidecar_tasks gauge\nseictl_sidecar_tasks ${node.rows.size}\n`,
        };
      default:
        return { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Engine (§5)

  private submit(node: NodeState, text: string): { status: number; body: unknown } {
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: 'invalid request body' } };
    }
    if (!isObject(req)) return { status: 400, body: { error: 'invalid request body' } };
    const { id, type, params } = req;
    if (
      (id !== undefined && id !== null && typeof id !== 'string') ||
      (type !== undefined && type !== null && typeof type !== 'string') ||
      (params !== undefined && params !== null && !isObject(params))
    ) {
      return { status: 400, body: { error: 'invalid request body' } };
    }
    if (!type) return { status: 400, body: { error: 'type is required' } };
    if (!this.accepted.has(type)) return { status: 400, body: { error: `unknown task type: ${type}` } };
    if (id && !UUID.test(id)) {
      return { status: 400, body: { error: `task ID must be a valid UUID: ${JSON.stringify(id)}` } };
    }
    const taskId = id || randomUUID();
    const p = isObject(params) && Object.keys(params).length > 0 ? structuredClone(params) : undefined;
    const existing = node.rows.get(taskId);
    if (existing && existing.status !== 'failed') return { status: 201, body: { id: taskId } };
    const row: Row = existing ?? {
      id: taskId,
      type,
      status: 'running',
      run: 0,
      params: undefined,
      error: undefined,
      submittedNs: 0n,
      completedNs: undefined,
      seq: 0,
      polls: 0,
      execution: 0,
      waitFor: 'done',
      afterPolls: 0,
      timer: undefined,
    };
    Object.assign(row, {
      type,
      status: 'running',
      run: row.run + 1,
      params: p,
      error: undefined,
      submittedNs: nowNs(),
      completedNs: undefined,
      seq: ++this.seq,
    });
    node.rows.set(taskId, row);
    this.execute(node, row);
    return { status: 201, body: { id: taskId } };
  }

  /** Starts (or restarts) the handler of a running row according to its script. */
  private execute(node: NodeState, row: Row): void {
    const execution = ++this.executions;
    row.execution = execution;
    row.polls = 0;
    row.timer = undefined;
    const problem = paramProblem(row.type, row.params);
    if (problem) {
      this.complete(row, problem);
      return;
    }
    const script = node.scripts.get(row.type) ?? this.defaultScripts.get(row.type) ?? {};
    if (script.hang) {
      row.waitFor = 'never';
    } else if (row.type === 'await-condition') {
      row.waitFor = 'height';
      this.checkHeight(node, row);
    } else if (script.afterPolls !== undefined && script.afterPolls > 0) {
      row.waitFor = 'polls';
      row.afterPolls = script.afterPolls;
    } else if (script.delayMs !== undefined && script.delayMs > 0) {
      row.waitFor = 'timer';
      row.timer = setTimeout(() => {
        if (row.execution === execution && row.status === 'running') this.finish(node, row);
      }, script.delayMs);
      row.timer.unref();
    } else {
      this.finish(node, row);
    }
  }

  private poll(node: NodeState, row: Row): void {
    if (row.status !== 'running') return;
    row.polls++;
    if (row.waitFor === 'polls' && row.polls > row.afterPolls) this.finish(node, row);
    else if (row.waitFor === 'height') this.checkHeight(node, row);
  }

  private checkHeight(node: NodeState, row: Row): void {
    if (row.status !== 'running' || row.waitFor !== 'height') return;
    if (node.height >= Number(row.params?.targetHeight ?? 0)) this.finish(node, row);
  }

  /** Decides the outcome of a finished execution: scripted failure, a precondition, or success. */
  private finish(node: NodeState, row: Row): void {
    const script = node.scripts.get(row.type) ?? this.defaultScripts.get(row.type) ?? {};
    if (script.fail !== undefined) {
      const done = node.failures.get(row.type) ?? 0;
      if (done < (script.failTimes ?? Number.POSITIVE_INFINITY)) {
        node.failures.set(row.type, done + 1);
        this.complete(row, script.fail);
        return;
      }
    }
    const problem = this.precondition(node, row);
    if (problem) {
      this.complete(row, problem);
      return;
    }
    this.applyEffects(node, row);
    this.complete(row, undefined);
  }

  private complete(row: Row, error: string | undefined): void {
    row.status = error === undefined ? 'completed' : 'failed';
    row.error = error;
    row.completedNs = nowNs();
    row.waitFor = 'done';
    clearTimeout(row.timer);
    row.timer = undefined;
  }

  /** Genesis-ceremony preconditions of the handlers (§6 "What each task does"). */
  private precondition(node: NodeState, row: Row): string | undefined {
    const chainId = node.chainId ?? (row.params?.chainId as string | undefined);
    switch (row.type) {
      case 'configure-genesis':
        if (node.chainId !== undefined && !this.isGenesisUploaded(node.chainId)) {
          return `configure-genesis: genesis.json not found at s3://sei-genesis/${node.chainId}/genesis.json`;
        }
        return undefined;
      case 'generate-gentx':
        return node.identity
          ? undefined
          : 'generate-gentx: node not initialized (generate-identity has not run)';
      case 'upload-genesis-artifacts':
        return node.gentx ? undefined : 'upload-genesis-artifacts: no gentx found in config/gentx';
      case 'set-genesis-peers':
        return chainId !== undefined && this.isGenesisUploaded(chainId)
          ? undefined
          : `set-genesis-peers: peers.json not found at s3://sei-genesis/${chainId ?? ''}/peers.json`;
      case 'assemble-and-upload-genesis': {
        const chain = this.assemblyChain(node, row);
        if (chain === undefined)
          return 'assemble-and-upload-genesis: chain id unknown (no node ran generate-identity)';
        const missing = ((row.params?.nodes ?? []) as { name: string }[]).find(
          (n) => !this.chain(chain).artifacts.has(n.name),
        );
        return missing
          ? `assemble-and-upload-genesis: gentx not found at s3://sei-genesis/${chain}/${missing.name}/gentx.json`
          : undefined;
      }
      default:
        return undefined;
    }
  }

  private assemblyChain(node: NodeState, row: Row): string | undefined {
    if (node.chainId !== undefined) return node.chainId;
    const ns = row.params?.namespace as string;
    for (const n of (row.params?.nodes ?? []) as { name: string }[]) {
      const chainId = this.nodes.get(`${ns}/${n.name}`)?.chainId;
      if (chainId !== undefined) return chainId;
    }
    return undefined;
  }

  /** What a successful handler leaves behind. */
  private applyEffects(node: NodeState, row: Row): void {
    const p = row.params ?? {};
    switch (row.type) {
      case 'mark-ready':
        node.ready = true;
        break;
      case 'generate-identity':
        node.identity = true;
        if (typeof p.chainId === 'string') node.chainId ??= p.chainId;
        break;
      case 'generate-gentx':
        node.gentx = true;
        if (typeof p.chainId === 'string') node.chainId ??= p.chainId;
        break;
      case 'upload-genesis-artifacts':
        if (node.chainId !== undefined) this.chain(node.chainId).artifacts.add(String(p.nodeName));
        break;
      case 'assemble-and-upload-genesis': {
        const chainId = this.assemblyChain(node, row);
        if (chainId === undefined) break;
        const chain = this.chain(chainId);
        const ns = String(p.namespace);
        chain.genesis = true;
        chain.peers = (p.nodes as { name: string }[]).map(
          (n) => `${simulatedNodeId(n.name)}@${n.name}-0.${n.name}.${ns}.svc.cluster.local:26656`,
        );
        break;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State

  private state(ref: SimNodeRef): NodeState {
    const key = keyOf(ref);
    let node = this.nodes.get(key);
    if (!node) {
      const [namespace = '', name = ''] =
        typeof ref === 'string' ? (ref.split('/', 2) as [string, string]) : [ref.namespace, ref.name];
      node = {
        key,
        namespace,
        name,
        rows: new Map(),
        ready: false,
        identity: false,
        gentx: false,
        chainId: undefined,
        height: 0,
        scripts: new Map(),
        failures: new Map(),
        faults: [],
      };
      this.nodes.set(key, node);
    }
    return node;
  }

  private chain(chainId: string): ChainState {
    let chain = this.chains.get(chainId);
    if (!chain) {
      chain = { genesis: false, peers: [], artifacts: new Set() };
      this.chains.set(chainId, chain);
    }
    return chain;
  }

  private sorted(node: NodeState): Row[] {
    return [...node.rows.values()].sort((a, b) =>
      a.submittedNs === b.submittedNs ? b.seq - a.seq : a.submittedNs < b.submittedNs ? 1 : -1,
    );
  }

  private view(row: Row): SimTaskResult {
    return {
      id: row.id,
      type: row.type,
      status: row.status,
      run: row.run,
      ...(row.params ? { params: structuredClone(row.params) } : {}),
      ...(row.error ? { error: row.error } : {}),
      submittedAt: rfc3339Nano(row.submittedNs),
      ...(row.completedNs !== undefined ? { completedAt: rfc3339Nano(row.completedNs) } : {}),
    };
  }
}

/**
 * The simulated handlers' own param checks: bad params are accepted at POST (201) and the task
 * fails right away with this message (§3 "Task params are not validated at POST time").
 */
function paramProblem(type: string, params: Record<string, unknown> | undefined): string | undefined {
  const p = params ?? {};
  const need = (...keys: string[]) => {
    const missing = keys.find((k) => typeof p[k] !== 'string' || p[k] === '');
    return missing ? `${type}: missing required param ${JSON.stringify(missing)}` : undefined;
  };
  switch (type) {
    case 'generate-identity':
      return need('chainId', 'moniker');
    case 'generate-gentx':
      return need('chainId', 'stakingAmount', 'accountBalance');
    case 'upload-genesis-artifacts':
      return need('nodeName');
    case 'result-export':
      return need('bucket', 'region');
    case 'assemble-and-upload-genesis':
      return (
        need('accountBalance', 'namespace') ??
        (Array.isArray(p.nodes) &&
        p.nodes.length > 0 &&
        p.nodes.every((n) => isObject(n) && typeof n.name === 'string')
          ? undefined
          : `${type}: at least one node is required`)
      );
    case 'discover-peers':
      return Array.isArray(p.sources) && p.sources.length > 0 ? undefined : 'discover-peers: no peers found';
    case 'config-apply': {
      const diagnostics: { severity: string; field: string; message: string }[] = [];
      if (p.incremental !== true && !CONFIG_MODES.has(String(p.mode ?? ''))) {
        diagnostics.push({
          severity: 'error',
          field: 'mode',
          message: `unknown mode ${JSON.stringify(p.mode ?? '')}`,
        });
      }
      for (const key of Object.keys(isObject(p.overrides) ? p.overrides : {})) {
        if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$/.test(key)) {
          diagnostics.push({
            severity: 'error',
            field: key,
            message: `unknown config field ${JSON.stringify(key)}`,
          });
        }
      }
      return diagnostics.length > 0 ? `config validation failed: ${JSON.stringify(diagnostics)}` : undefined;
    }
    case 'await-condition':
      return p.condition === 'height' && Number(p.targetHeight) > 0
        ? undefined
        : 'await-condition: condition must be "height" with targetHeight > 0';
    default:
      return undefined;
  }
}
