/**
 * Runs an experiment (src/study/experiment.ts): every run's study in turn, in one storage (a finished
 * run is resumed, i.e. skipped), then the retraining of each run's best configuration.
 */
import type { Storage } from '../storage/storage.ts';
import {
  type ExperimentRun,
  type ExperimentSpec,
  experimentRuns,
  type RunSummary,
  summarizeRun,
} from './experiment.ts';
import type { ExperimentResults } from './experiment-report.ts';
import type { Objective } from './objective.ts';
import { validateObjectiveDef } from './objective-def.ts';
import { type RetrainOptions, type RetrainResult, retrainBest } from './retrain.ts';
import { type RunProgress, runStudy } from './runner.ts';

export interface ExperimentOptions {
  /** Parallel trials per run (default 1: runs of one experiment compare best at equal parallelism). */
  readonly slots?: number;
  readonly signal?: AbortSignal;
  readonly onRunStart?: (run: ExperimentRun, index: number, total: number) => void;
  readonly onProgress?: (run: ExperimentRun, p: RunProgress) => void;
  /** Retraining results already known (by study name): not retrained again. */
  readonly retrained?: Readonly<Record<string, RetrainResult>>;
  readonly onRetrain?: (study: string, r: RetrainResult) => void;
  /** Skip retraining even when the experiment asks for it. */
  readonly noRetrain?: boolean;
  /** Library use and tests: a JavaScript objective instead of the studies' own. */
  readonly objective?: Objective;
  /** Tests: retraining options (e.g. small data). */
  readonly retrainData?: RetrainOptions['data'];
}

export async function runExperiment(
  spec: ExperimentSpec,
  storage: Storage,
  opts: ExperimentOptions = {},
): Promise<ExperimentResults> {
  const runs = experimentRuns(spec);
  const summaries: RunSummary[] = [];
  for (const [i, run] of runs.entries()) {
    if (opts.signal?.aborted === true) break;
    const study = await storage.getOrCreateStudy(run.config);
    opts.onRunStart?.(run, i, runs.length);
    const r = await runStudy({
      storage,
      study,
      slots: opts.slots ?? 1,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.objective !== undefined ? { objective: opts.objective } : {}),
      onProgress: (p) => opts.onProgress?.(run, p),
    });
    if (r.reason === 'interrupted') break;
    const trials = await storage.getTrials(study.id, { reports: false });
    summaries.push(summarizeRun(run.arm.name, run.seed, study.config, trials));
  }
  const retrain: Record<string, RetrainResult> = { ...(opts.retrained ?? {}) };
  if (spec.retrain !== null && opts.noRetrain !== true && opts.signal?.aborted !== true) {
    for (const s of summaries) {
      if (s.bestParams === null || retrain[s.study] !== undefined) continue;
      const run = runs.find((x) => x.config.name === s.study) as ExperimentRun;
      const def = validateObjectiveDef(
        run.config.objective,
        run.config.objectives.map((o) => o.name),
      );
      const r = await retrainBest(def, s.bestParams as Record<string, string | number | boolean>, {
        seed: run.seed,
        ...(spec.retrain.epochs !== undefined ? { epochs: spec.retrain.epochs } : {}),
        ...(opts.retrainData !== undefined ? { data: opts.retrainData } : {}),
      });
      retrain[s.study] = r;
      opts.onRetrain?.(s.study, r);
    }
  }
  const { base: _base, ...rest } = spec;
  const first = runs[0]?.config.objectives[0] ?? { name: 'value', direction: 'maximize' as const };
  return { spec: rest, objective: first, runs: summaries, retrain };
}
