// The scale benchmark's role processes: compiled worker-only and ingress-only copies (dist/),
// each restartable, its output appended to a log file, its memory sampled from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Resident memory of a process in MiB from /proc/<pid>/status: now (VmRSS) and its peak so far (VmHWM); undefined once it is gone. */
async function residentMemoryMb(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** One compiled role (`dist/service/start-<role>.js`) as a child process that can be killed and started again. */
export class RoleProcess {
  private child?: ChildProcess;
  private output = '';
  kills = 0;
  starts = 0;
  /** The highest VmHWM seen of any of its lives, MiB. */
  peakMb = 0;

  constructor(
    readonly name: string,
    private readonly role: 'worker' | 'ingress',
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Starts it with only its role's variables (and PATH), and waits for its banner (3 minutes at most). */
  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.output = '';
    const child = spawn(process.execPath, [`dist/service/start-${this.role}.js`], { cwd: root, env: { PATH: process.env.PATH ?? '', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts += 1;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        if (this.output.length < 100_000) this.output += chunk.toString();
      });
      stream.pipe(log);
    }
    const deadline = Date.now() + 180_000;
    while (!this.output.includes(`routy-pinterest ${this.role} is running.`)) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode} at start (see ${this.logFile}):\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not start in 3 minutes (see ${this.logFile})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Reads its memory now and keeps the peak. */
  async sample(): Promise<void> {
    const pid = this.pid;
    const memory = pid ? await residentMemoryMb(pid) : undefined;
    if (memory) this.peakMb = Math.max(this.peakMb, memory.hwm, memory.rss);
  }

  /** SIGKILL: no shutdown hook runs, its activities are abandoned mid-call. Samples its memory first. */
  async kill(): Promise<void> {
    await this.sample();
    if (await this.signalAndWait('SIGKILL')) this.kills += 1;
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.signalAndWait('SIGTERM');
    clearTimeout(timer);
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    return true;
  }
}
