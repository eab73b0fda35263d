import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** An app instance in its own node process (test/helpers/multi-instance.main.ts), with its log lines kept. */
export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  lines: string[];
  /** SIGKILL: no shutdown hook runs, leases and in-flight intents are left behind as after a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');

/** Starts one instance and resolves once it listens (or rejects with its output if it dies first). */
export function startAppProcess(
  name: string,
  port: number,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'test/helpers/multi-instance.main.ts'],
    {
      cwd: ROOT,
      // Transpile only (with swc): the type check is tsc's job, and it keeps start-up to a few seconds.
      env: { ...process.env, ...env, PORT: String(port), TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_SWC: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: AppProcess = {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    lines,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`));
    }, timeoutMs);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.trim() === 'READY') {
          clearTimeout(timer);
          resolveReady(proc);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${lines.slice(-30).join('\n')}`));
    });
  });
}

/** Log lines of a pino JSON stream whose msg is `msg`. */
export function logEntries(proc: AppProcess, msg: string): Array<Record<string, unknown>> {
  return proc.lines.flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return o.msg === msg ? [o] : [];
    } catch {
      return [];
    }
  });
}
