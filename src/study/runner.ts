/**
 * The worker loop: runs a study's trials on `slots` parallel slots until its budget is spent, asking
 * the sampler for a new point as soon as a slot frees (asynchronous: the running trials are passed as
 * pending). `spiketune optimize` is this loop on the machine that created the study; `spiketune
 * worker` is the same loop joining an existing study from any machine sharing the storage — processes
 * coordinate only through the storage (the ask lock, queued-trial claims, heartbeats).
 *
 * Crash safety: every slot heartbeats its trial; every loop periodically fails trials whose heartbeat
 * is older than the grace period and re-queues them (up to `maxRetries`); queued trials are claimed
 * before new points are asked. Interrupting the loop (signal) fails the running trials with the reason
 * and re-queues them, so a restarted `optimize` resumes them.
 */
import { hostname } from 'node:os';
import { createSampler, type SamplerConfig } from '../optim/index.ts';
import type { Sampler } from '../optim/types.ts';
import type { Storage, Study } from '../storage/storage.ts';
import { commandObjective } from '../workers/command.ts';
import { ThreadPool } from '../workers/pool.ts';
import type { EarlyStoppingConfig } from './early-stopping.ts';
import { bestValue, samplerInputs, studyProblem, type Trial, trialSeconds } from './model.ts';
import type { Objective } from './objective.ts';
import { type CommandObjectiveDef, type ObjectiveDef, validateObjectiveDef } from './objective-def.ts';
import { executeTrial, type StoredReport, type TrialExecResult } from './trial-exec.ts';

export interface RunProgress {
  readonly complete: number;
  readonly stopped: number;
  readonly failed: number;
  readonly running: number;
  readonly queued: number;
  readonly best: number | null;
  readonly busySlots: number;
  readonly slots: number;
  readonly elapsedSeconds: number;
}

export interface RunOptions {
  readonly storage: Storage;
  readonly study: Study;
  /** Parallel trials in this process (default 1). */
  readonly slots?: number;
  /** Name of this worker (default host:pid). */
  readonly worker?: string;
  readonly heartbeatMs?: number;
  /** A running trial without heartbeat for this long is failed and re-queued (default 60 s). */
  readonly staleMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RunProgress) => void;
  /** CUDA device per slot for external commands (see assignDevices). */
  readonly devices?: readonly (string | undefined)[];
  /**
   * A JavaScript objective to run instead of the study's stored objective definition (library use:
   * any async function of the params; it runs on this thread, so it should await its work).
   */
  readonly objective?: Objective;
}

export interface RunSummary {
  readonly reason: 'budget' | 'wall-time' | 'trial-time' | 'interrupted';
  readonly progress: RunProgress;
}

interface Running {
  readonly trial: Trial;
  readonly done: Promise<void>;
  cancel(): Promise<void>;
}

export async function runStudy(opts: RunOptions): Promise<RunSummary> {
  const { storage, study } = opts;
  const config = study.config;
  const slots = opts.slots ?? 1;
  const worker = opts.worker ?? `${hostname()}:${process.pid}`;
  const staleMs = opts.staleMs ?? 60_000;
  // Heartbeat well inside the grace period, so that a live trial is never taken for a lost one.
  const heartbeatMs = opts.heartbeatMs ?? Math.max(100, Math.min(5000, staleMs / 3));
  const objectiveDef: ObjectiveDef = validateObjectiveDef(
    config.objective,
    config.objectives.map((o) => o.name),
  );
  const earlyStopping = (config.earlyStopping ?? { rules: [] }) as unknown as EarlyStoppingConfig;
  const problem = studyProblem(config);
  const sampler: Sampler = createSampler(
    { ...(config.sampler as object), seed: config.seed, parallelism: slots } as SamplerConfig,
    problem,
  );
  // A JavaScript objective given by the caller replaces the stored definition's trainer.
  const pool =
    opts.objective === undefined && (objectiveDef.kind === 'sg' || objectiveDef.kind === 'stdp')
      ? new ThreadPool(slots)
      : null;
  const running = new Map<number, Running>();
  const started = Date.now();
  let reason: RunSummary['reason'] | null = null;
  const freeDevices = [...(opts.devices ?? [])];

  const progress = async (): Promise<RunProgress> => {
    const trials = await storage.getTrials(study.id, { reports: false });
    const count = (s: Trial['state']): number => trials.filter((t) => t.state === s).length;
    return {
      complete: count('complete'),
      stopped: count('stopped'),
      failed: count('failed'),
      running: count('running'),
      queued: count('queued'),
      best: bestValue(config, trials),
      busySlots: running.size,
      slots,
      elapsedSeconds: (Date.now() - started) / 1000,
    };
  };

  const budgetLeft = (trials: readonly Trial[]): RunSummary['reason'] | null => {
    const b = config.budget;
    if (b.wallSeconds !== undefined && (Date.now() - started) / 1000 >= b.wallSeconds) return 'wall-time';
    if (b.totalTrialSeconds !== undefined) {
      const now = Date.now();
      let spent = 0;
      for (const t of trials) spent += trialSeconds(t, now);
      if (spent >= b.totalTrialSeconds) return 'trial-time';
    }
    // A re-run (retryOf) replaces the trial it retries: it does not spend budget twice.
    if (
      b.trials !== undefined &&
      trials.length - trials.filter((t) => t.userAttrs.retryOf !== undefined).length >= b.trials
    ) {
      return 'budget';
    }
    return null;
  };

  /** Claims a queued trial or asks the sampler for a new one, under the study's ask lock. */
  /** Budget spent: no new points are asked, but queued retries are still claimed and run. */
  let exhausted: RunSummary['reason'] | null = null;
  const nextTrial = async (): Promise<Trial | null> => {
    const claimed = await storage.claimQueuedTrial(study.id, worker);
    if (claimed !== null) return claimed;
    if (exhausted !== null) return null;
    return storage.withAskLock(study.id, async () => {
      const trials = await storage.getTrials(study.id, { reports: false });
      const stop = budgetLeft(trials);
      if (stop !== null) {
        exhausted = stop;
        return null;
      }
      const { history, pending } = samplerInputs(trials);
      const [params] = sampler.ask(history, pending, 1);
      return storage.createTrial(study.id, params, { state: 'running', worker });
    });
  };

  const finish = async (trial: Trial, res: TrialExecResult): Promise<void> => {
    const nulls = res.constraints.indexOf(null);
    if (nulls >= 0) {
      await storage.finishTrial(trial.id, {
        state: 'failed',
        worker,
        error: `early-stopping rule on constraint "${config.constraints[nulls]}" never got a report for its layer: check the layer name`,
      });
      return;
    }
    const constraints = res.constraints as number[];
    const userAttrs = res.attrs;
    if (res.outcome.status === 'stopped') {
      const values = res.outcome.values?.every((v) => Number.isFinite(v)) ? res.outcome.values : null;
      await storage.finishTrial(trial.id, {
        state: 'stopped',
        worker,
        constraints,
        values,
        error: res.stopReason,
        userAttrs,
      });
      return;
    }
    const bad = res.outcome.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      await storage.finishTrial(trial.id, {
        state: 'failed',
        worker,
        error: `objective "${config.objectives[bad]?.name}" is ${res.outcome.values[bad]}: not a finite number`,
      });
      return;
    }
    await storage.finishTrial(trial.id, {
      state: 'complete',
      worker,
      values: res.outcome.values,
      constraints,
      userAttrs,
    });
  };

  const start = (trial: Trial): Running => {
    const seed = (config.seed * 1_000_003 + trial.number * 7919) >>> 0;
    const reports: Promise<void>[] = [];
    const onReport = (r: StoredReport): void => {
      reports.push(storage.addReport(trial.id, r).catch(() => undefined));
    };
    const timeoutMs = config.budget.trialSeconds !== undefined ? config.budget.trialSeconds * 1000 : null;
    let timer: NodeJS.Timeout | null = null;
    let exec: Promise<TrialExecResult>;
    let cancel: () => Promise<void>;
    if (pool !== null) {
      const h = pool.run(
        {
          def: objectiveDef,
          objectiveNames: config.objectives.map((o) => o.name),
          earlyStopping,
          params: trial.params,
          trialNumber: trial.number,
          seed,
        },
        onReport,
      );
      exec = h.result;
      cancel = h.cancel;
    } else {
      const ac = new AbortController();
      const device = freeDevices.shift();
      const objective =
        opts.objective ??
        commandObjective(objectiveDef as CommandObjectiveDef, device === undefined ? {} : { device });
      exec = executeTrial(
        objective,
        earlyStopping,
        trial.params,
        trial.number,
        seed,
        ac.signal,
        onReport,
      ).finally(() => {
        if (device !== undefined) freeDevices.push(device);
      });
      cancel = async () => ac.abort();
    }
    let timedOut = false;
    if (timeoutMs !== null) {
      timer = setTimeout(() => {
        timedOut = true;
        void cancel();
      }, timeoutMs);
    }
    const done = exec
      .then(async (res) => {
        await Promise.all(reports);
        await finish(trial, res);
      })
      .catch(async (err: Error) => {
        await Promise.all(reports);
        if (reason === 'interrupted') return;
        const why = timedOut ? `timed out after ${config.budget.trialSeconds} s` : err.message;
        await storage.finishTrial(trial.id, { state: 'failed', worker, error: why }).catch(() => undefined);
      })
      .finally(() => {
        if (timer !== null) clearTimeout(timer);
        running.delete(trial.id);
      });
    return { trial, done, cancel };
  };

  const heartbeat = setInterval(() => {
    for (const r of running.values())
      void storage.heartbeat(r.trial.id, r.trial.worker ?? worker).catch(() => undefined);
  }, heartbeatMs);
  let lastStaleCheck = 0;
  // One listener per run, removed at the end (a caller may run many studies on one signal).
  let wake: () => void = () => undefined;
  const abortedOnce = new Promise<void>((r) => {
    wake = r;
  });
  const onAbort = (): void => {
    reason = 'interrupted';
    wake();
  };
  opts.signal?.addEventListener('abort', onAbort);
  try {
    while (reason === null) {
      if (opts.signal?.aborted === true) {
        reason = 'interrupted';
        break;
      }
      if (Date.now() - lastStaleCheck > heartbeatMs) {
        lastStaleCheck = Date.now();
        await storage.failStaleTrials(study.id, staleMs, config.maxRetries);
      }
      while (running.size < slots) {
        const t = await nextTrial();
        if (t === null) break;
        running.set(t.id, start(t));
      }
      opts.onProgress?.(await progress());
      if (running.size === 0) {
        if (exhausted === 'wall-time' || exhausted === 'trial-time') {
          reason = exhausted;
          break;
        }
        if (exhausted !== null) {
          // The budget is handed out, but trials of other workers may still be running (or be lost
          // and re-queued after the grace period): stay until none is left, to run the retries.
          const open = await storage.getTrials(study.id, { states: ['running', 'queued'], reports: false });
          if (open.length === 0) {
            reason = exhausted;
            break;
          }
        }
        await storage.waitForChange(study.id, Math.min(1000, heartbeatMs));
        continue;
      }
      await Promise.race([...[...running.values()].map((r) => r.done), sleep(heartbeatMs), abortedOnce]);
    }
    if (reason === 'interrupted') {
      await Promise.all(
        [...running.values()].map(async (r) => {
          await r.cancel();
          await storage
            .finishTrial(r.trial.id, {
              state: 'failed',
              worker,
              error: 'interrupted (the run was stopped); re-queued',
            })
            .catch(() => undefined);
          await storage.createTrial(study.id, r.trial.params, {
            state: 'queued',
            attempt: r.trial.attempt + 1,
            userAttrs: { retryOf: r.trial.number },
          });
        }),
      );
    } else {
      await Promise.all([...running.values()].map((r) => r.done));
    }
  } finally {
    clearInterval(heartbeat);
    opts.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }
  const final = await progress();
  opts.onProgress?.(final);
  return { reason: reason ?? 'budget', progress: final };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
