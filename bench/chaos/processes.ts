// The parts the chaos run kills and restarts: the worker process (worker/start.ts as a child),
// the Temporal dev server (same SQLite state file and port), and the local PostgreSQL cluster.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalTemporal, type LocalTemporal } from '../../temporal/dev-server';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The worker and ingress in a child process, restartable; its JSON log is appended to `logFile`. */
export class WorkerProcess {
  private child?: ChildProcess;
  kills = 0;

  constructor(
    /** Its environment, read at each start (the dev server's address is known once it runs). */
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly healthUrl: string,
  ) {}

  /** Starts it and waits until its ingress answers /healthz. */
  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, ['--import', 'tsx', 'service/start.ts'], { cwd: root, env: { ...process.env, ...this.env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`the worker exited with ${this.child.exitCode} at start (see ${this.logFile})`);
      const ok = await fetch(this.healthUrl).then((r) => r.ok).catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the worker did not come up in 2 minutes (see ${this.logFile})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** SIGKILL: no shutdown hook runs, in-flight activities are abandoned mid-call. */
  async kill(): Promise<void> {
    if (await this.signalAndWait('SIGKILL')) this.kills += 1;
  }

  /** SIGTERM and wait: the graceful path. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM');
  }

  /** Sends `signal` to a running child and waits for it to exit; false when none was running. */
  private async signalAndWait(signal: NodeJS.Signals): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null) return false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    return true;
  }
}

/**
 * The dev server with its state in a file: a restart keeps every workflow and its history, and its
 * gRPC port (the worker's `TEMPORAL_ADDRESS`); its HTTP API and metrics ports are chosen free at
 * each start, and a start that loses one to another process is tried again on new ones.
 */
export class TemporalServer {
  private env?: LocalTemporal;
  private port = 0;
  restarts = 0;

  constructor(private readonly dbFilename: string) {}

  /** `127.0.0.1:<port>`, known once started. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // The first start takes any free gRPC port; restarts keep it.
    this.env = await startLocalTemporal({ dbFilename: this.dbFilename, port: { variable: 'TEMPORAL_PORT', port: this.port, fixed: this.port !== 0 } });
    this.port = this.env.ports.grpc;
  }

  async restart(downMs: number): Promise<void> {
    await this.env?.teardown();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
    this.restarts += 1;
  }

  async stop(): Promise<void> {
    await this.env?.teardown();
  }
}

/** The local PostgreSQL cluster (pg_ctlcluster), when this machine has one; else restarts are skipped. */
export class PostgresCluster {
  restarts = 0;
  readonly available: boolean;
  private readonly version?: string;

  constructor() {
    const dir = '/etc/postgresql';
    this.version = existsSync(dir) ? readdirSync(dir).sort().at(-1) : undefined;
    this.available = process.env.CHAOS_RESTART_POSTGRES !== '0' && this.version !== undefined && existsSync('/usr/bin/pg_ctlcluster');
  }

  /** Fast shutdown (open connections are cut) and start again. */
  async restart(): Promise<void> {
    if (!this.available) return;
    await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', this.version!, 'main', 'restart', '-m', 'fast']);
    this.restarts += 1;
  }
}
