/**
 * A pool of worker threads running trials of the built-in trainer, one trial per thread at a time.
 * Training is synchronous CPU work, so a trial cannot be interrupted from inside: `cancel` terminates
 * its thread (a fresh one replaces it on the next run).
 */
import { Worker } from 'node:worker_threads';
import type { ParamValues } from '../space/index.ts';
import type { StoredReport, TrialExecResult } from '../study/trial-exec.ts';
import type { ThreadRequest, ThreadResponse } from './protocol.ts';

const entry = new URL('./thread-entry.mjs', import.meta.url);

export interface ThreadTask {
  readonly def: unknown;
  readonly objectiveNames: readonly string[];
  readonly earlyStopping: unknown;
  readonly params: ParamValues;
  readonly trialNumber: number;
  readonly seed: number;
}

interface Slot {
  worker: Worker | null;
  busy: boolean;
}

export class ThreadPool {
  private readonly slots: Slot[];
  private nextId = 1;

  constructor(readonly size: number) {
    this.slots = Array.from({ length: size }, () => ({ worker: null, busy: false }));
  }

  get idle(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  /**
   * Runs a task on a free thread; `onReport` receives its reports. Returns a handle whose `result`
   * settles with the outcome (or rejects with the objective's error), and `cancel()` to kill it.
   */
  run(
    task: ThreadTask,
    onReport: (r: StoredReport) => void,
  ): { result: Promise<TrialExecResult>; cancel: () => Promise<void> } {
    const slot = this.slots.find((s) => !s.busy);
    if (slot === undefined) throw new Error('thread pool: no free thread');
    slot.busy = true;
    if (slot.worker === null) slot.worker = new Worker(entry);
    const worker = slot.worker;
    const id = this.nextId++;
    let settle: ((err: Error | null, r?: TrialExecResult) => void) | null = null;
    const result = new Promise<TrialExecResult>((resolve, reject) => {
      settle = (err, r) => {
        settle = null;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        slot.busy = false;
        if (err !== null) reject(err);
        else resolve(r as TrialExecResult);
      };
    });
    const onMessage = (m: ThreadResponse): void => {
      if (m.id !== id) return;
      if (m.type === 'report') onReport(m.report);
      else if (m.type === 'done') settle?.(null, m.result);
      else settle?.(new Error(m.message));
    };
    const onError = (err: Error): void => {
      slot.worker = null;
      settle?.(new Error(`trial thread crashed: ${err.message}`));
    };
    const onExit = (code: number): void => {
      slot.worker = null;
      settle?.(new Error(`trial thread exited (code ${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const req: ThreadRequest = { id, ...task };
    worker.postMessage(req);
    return {
      result,
      cancel: async () => {
        if (settle === null) return;
        slot.worker = null;
        await worker.terminate();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const s of this.slots) s.worker = null;
  }
}
