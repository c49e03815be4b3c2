/**
 * Worker processes for distributed.test.ts: forked tsx workers (worker-child.ts) that start together,
 * `spiketune worker` CLI processes, and the clean-up that leaves no process behind. Every process is
 * started in its own process group (detached), so that killing the group takes whatever it started.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../runner.ts';

export interface WorkerChildOptions {
  readonly slots?: number;
  readonly heartbeatMs?: number;
  readonly staleMs?: number;
  /** Run a JavaScript objective sleeping in [lo, hi] ms instead of the study's stored objective. */
  readonly sleepMs?: readonly [number, number];
}

/** The value the JavaScript objective of worker-child.ts returns. */
export function distributedValue(params: Readonly<Record<string, unknown>>): number {
  return Number(params.x) + 2 * Number(params.y);
}

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO, 'bin/spiketune.js');

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name). */
  readonly exit: Promise<number | string>;
  stdout(): string;
  stderr(): string;
}

/** Every process started here, to be killed (with its group) by `killAll`. */
const started = new Set<number>();

function track(child: ChildProcess): WorkerProcess {
  if (child.pid === undefined) throw new Error('the worker process did not start');
  const pid = child.pid;
  started.add(pid);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      started.delete(pid);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, pid, exit, stdout: () => out, stderr: () => err };
}

export interface ForkedWorker extends WorkerProcess {
  readonly ready: Promise<void>;
  /** The worker's runStudy summary (rejects if it failed or exited without one). */
  readonly summary: Promise<RunSummary>;
}

/** Forks `n` worker-child.ts processes on the study; call `go` once they are all `ready`. */
export function forkWorkers(
  url: string,
  studyName: string,
  n: number,
  opts: WorkerChildOptions,
): { workers: ForkedWorker[]; go: () => void } {
  const workers = Array.from({ length: n }, (_, i): ForkedWorker => {
    const child = fork(CHILD, [url, studyName, JSON.stringify(opts)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const w = track(child);
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const summary = new Promise<RunSummary>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean; summary?: RunSummary; error?: string }) => {
        if (m.ready === true) markReady();
        else if (m.error !== undefined) reject(new Error(`worker ${i} failed: ${m.error}`));
        else if (m.summary !== undefined) resolve(m.summary);
      });
      // 'exit' can be emitted before the last IPC message (the summary, sent just before exiting) is
      // delivered: give it a moment before calling the worker lost.
      void w.exit.then((code) => {
        markReady();
        setTimeout(() => {
          reject(new Error(`worker ${i} exited (${code}) without a summary: ${w.stderr().slice(-2000)}`));
        }, 500);
      });
    });
    summary.catch(() => undefined); // awaited by the test
    return { ...w, ready, summary };
  });
  const go = (): void => {
    for (const w of workers) if (w.child.connected) w.child.send('go');
  };
  return { workers, go };
}

/** Starts `node bin/spiketune.js worker --storage URL --study NAME --quiet …args`. */
export function spawnCliWorker(url: string, studyName: string, args: readonly string[]): WorkerProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--storage', url, '--study', studyName, '--quiet', ...args],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  return track(child);
}

/** SIGKILLs a process group (and the process itself, should it have left its group); ignores ESRCH. */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills every process started here, with its group, and each pid given (e.g. external commands). */
export function killAll(extra: readonly number[] = []): void {
  for (const pid of [...started, ...extra]) killGroup(pid);
  started.clear();
}

/** True while the process exists and is not a zombie (an orphan whose reaper has not waited yet). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone in between
  }
}

/** Pids recorded by the trainer fixture's `sleep` mode (one file per process in `dir`). */
export function trainerPids(dir: string): number[] {
  return readdirSync(dir)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** The pid of the trainer fixture (`sleep` mode) running trial `number`, once it has started. */
export function trainerOf(dir: string, number: number): number | undefined {
  return trainerPids(dir).find((pid) => {
    try {
      return (JSON.parse(readFileSync(join(dir, String(pid)), 'utf8')) as { trial: number }).trial === number;
    } catch {
      return false; // being written
    }
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
