import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root (bench/lib/..). */
export const ROOT = resolve(__dirname, '..', '..');
/** The compiled app and sandbox under test: `dist` (npm run build), or a frozen copy named by BENCH_DIST. */
export const DIST = process.env.BENCH_DIST ?? 'dist';

/** A child process started by a benchmark, with its output kept for diagnostics. */
export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: string[];
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** Current resident set size (VmRSS), in bytes. */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A free loopback port (the app must know its own port before it boots: notice_url and redirects use it). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts `node <script>` (compiled JS from dist/) and resolves once a line of its output matches `ready`.
 * `cpu` pins it to one core with taskset when given, so the load generator and the server do not share a core.
 */
export async function startNode(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  opts: { cpu?: number; timeoutMs?: number; ts?: boolean; nodeArgs?: string[] } = {},
): Promise<Proc> {
  // TypeScript scripts (the bench's own servers) are transpiled once at load by ts-node; the app runs from dist/.
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(opts.ts ? ['-r', 'ts-node/register/transpile-only'] : []),
    resolve(ROOT, script),
  ];
  const cmd = opts.cpu === undefined ? process.execPath : 'taskset';
  const argv = opts.cpu === undefined ? args : ['-c', String(opts.cpu), process.execPath, ...args];
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const pid = child.pid!;
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(
      () =>
        fail(new Error(`${script} not ready after ${opts.timeoutMs ?? 30_000} ms:\n${output.join('').slice(-2000)}`)),
      opts.timeoutMs ?? 30_000,
    );
    const onData = (b: Buffer) => {
      const s = b.toString('utf8');
      output.push(s);
      if (output.length > (Number(process.env.BENCH_KEEP_OUTPUT) || 200))
        output.splice(0, output.length - (Number(process.env.BENCH_KEEP_OUTPUT) || 200));
      if (ready.test(s)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${script} exited with ${code}:\n${output.join('').slice(-2000)}`));
    });
  });
  return {
    child,
    pid,
    output,
    peakRss: () => statusField(pid, 'VmHWM'),
    rss: () => statusField(pid, 'VmRSS'),
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          ok();
        });
        child.kill(signal);
      }),
  };
}

/** The PG sandbox in its own process (dist build), with injected latency. */
export async function startSandbox(latencyMs: number, opts: { cpu?: number } = {}): Promise<Proc & { url: string }> {
  const port = await freePort();
  // BENCH_SANDBOX_PROFILE_DIR=dir writes a V8 CPU profile of the sandbox when it exits (is it the bottleneck?).
  const profile = process.env.BENCH_SANDBOX_PROFILE_DIR;
  // BENCH_SANDBOX_NODE_ARGS="…" adds V8/Node flags to the sandbox's command line (as BENCH_NODE_ARGS does for the app).
  const nodeArgs = [
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    ...(process.env.BENCH_SANDBOX_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const proc = await startNode(
    `${DIST}/libs/pg-sandbox/src/main.js`,
    { SANDBOX_PORT: String(port), SANDBOX_LATENCY_MS: String(latencyMs), NODE_ENV: 'development' },
    /pg-sandbox listening/,
    { ...opts, nodeArgs },
  );
  return Object.assign(proc, { url: `http://127.0.0.1:${port}/sandbox` });
}
