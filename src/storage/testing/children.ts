/** Runs storage tasks in child processes, all starting at the same moment (see child.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ChildTask =
  | { kind: 'create'; studyId: number; n: number; worker: string }
  | { kind: 'claim'; studyId: number; worker: string }
  | { kind: 'lock'; studyId: number; n: number; file: string; tag: string };

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

interface Running {
  ready: Promise<void>;
  result: Promise<unknown>;
}

function start(child: ChildProcess, label: string): Running {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const result = new Promise<unknown>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; result?: unknown; error?: string }) => {
      if (m.ready) markReady();
      else if (m.error !== undefined) reject(new Error(`${label} failed: ${m.error}`));
      else resolve(m.result);
    });
    child.on('close', (code) => {
      markReady();
      reject(new Error(`${label} exited with code ${code}: ${stderr.slice(-2000)}`));
    });
  });
  result.catch(() => {}); // reported by runChildren
  return { ready, result };
}

/** Forks one child per task on the storage at `url`; resolves to their results, in task order. */
export async function runChildren(url: string, tasks: readonly ChildTask[]): Promise<unknown[]> {
  const children = tasks.map((t) =>
    fork(CHILD, [url, JSON.stringify(t)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const running = children.map((c, i) => start(c, `child ${i} (${tasks[i].kind})`));
  try {
    await Promise.all(running.map((r) => r.ready));
    for (const c of children) if (c.connected) c.send('go');
    return await Promise.all(running.map((r) => r.result));
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
}
