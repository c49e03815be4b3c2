/**
 * The tables of an experiment (markdown), from its run summaries: per arm, medians over seeds with
 * their range; compute to reach the reference arm's best; the silence probe against the rule; every run.
 */

import { computeToReach, type ExperimentSpec, median, type RunSummary } from './experiment.ts';
import type { RetrainResult } from './retrain.ts';

export interface ExperimentResults {
  readonly spec: Omit<ExperimentSpec, 'base'>;
  readonly objective: { readonly name: string; readonly direction: 'maximize' | 'minimize' };
  readonly runs: readonly RunSummary[];
  /** Retraining of each run's best configuration, by study name. */
  readonly retrain: Readonly<Record<string, RetrainResult>>;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null, d = 0): string => (x === null ? '—' : x.toFixed(d));

/** "median [min–max]" of the values (nulls dropped; "—" when none). */
function range(xs: readonly (number | null)[], f: (x: number) => string): string {
  const v = xs.filter((x): x is number => x !== null);
  const m = median(v);
  if (m === null) return '—';
  if (v.length === 1) return f(m);
  return `${f(m)} [${f(Math.min(...v))}–${f(Math.max(...v))}]`;
}

export interface ReachRow {
  readonly arm: string;
  readonly seed: number;
  /** The reference run's final best (same seed). */
  readonly target: number | null;
  readonly seconds: number | null;
  readonly referenceSeconds: number | null;
}

/** Per seed: the compute each arm needs to reach the reference arm's final best of the same seed. */
export function reachRows(r: ExperimentResults): ReachRow[] {
  const ref = r.spec.reference;
  if (ref === null) return [];
  const rows: ReachRow[] = [];
  for (const run of r.runs) {
    const base = r.runs.find((x) => x.arm === ref && x.seed === run.seed);
    const target = base?.best ?? null;
    rows.push({
      arm: run.arm,
      seed: run.seed,
      target,
      seconds: target === null ? null : computeToReach(run, target, r.objective.direction),
      referenceSeconds:
        target === null || base === undefined ? null : computeToReach(base, target, r.objective.direction),
    });
  }
  return rows;
}

export function experimentMarkdown(r: ExperimentResults): string {
  const { spec } = r;
  const out: string[] = [];
  const label = (arm: string): string => spec.arms.find((a) => a.name === arm)?.label ?? arm;
  out.push(
    `Experiment **${spec.name}**: ${spec.arms.length} arms × ${spec.seeds.length} seeds, each run with budget ${JSON.stringify(spec.budget)}. ` +
      `Objective: ${r.objective.name} (${r.objective.direction}) on the hold-out set. Medians over seeds, [min–max].`,
    '',
    '| arm | best hold-out | trials | stopped or silent | compute (min) | on silent networks | testing stopped networks | would save (observe) | retrained test |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const arm of spec.arms) {
    const runs = r.runs.filter((x) => x.arm === arm.name);
    const retrained = runs.map((x) => r.retrain[x.study]?.testAccuracy ?? null);
    out.push(
      `| ${arm.label} | ${range(
        runs.map((x) => x.best),
        (v) => pct(v),
      )} | ${range(
        runs.map((x) => x.trials),
        (v) => num(v),
      )} | ${range(
        runs.map((x) => x.silentFraction),
        (v) => pct(v),
      )} | ${range(
        runs.map((x) => x.computeSeconds / 60),
        (v) => num(v, 1),
      )} | ${range(
        runs.map((x) => (x.computeSeconds > 0 ? x.silentSeconds / x.computeSeconds : null)),
        (v) => pct(v),
      )} | ${range(
        runs.map((x) => (x.computeSeconds > 0 ? x.evalAfterStopSeconds / x.computeSeconds : null)),
        (v) => pct(v),
      )} | ${range(
        runs.map((x) =>
          x.computeSeconds > 0 && x.wouldSaveSeconds > 0 ? x.wouldSaveSeconds / x.computeSeconds : null,
        ),
        (v) => pct(v),
      )} | ${range(retrained, (v) => pct(v))} |`,
    );
  }
  const reach = reachRows(r);
  if (reach.length > 0 && spec.reference !== null) {
    out.push(
      '',
      `Compute (CPU-minutes) to reach the best hold-out value of **${label(spec.reference)}** of the same seed (— never reached):`,
      '',
      `| arm | ${spec.seeds.map((s) => `seed ${s}`).join(' | ')} | median ratio to the reference |`,
      `|---|${spec.seeds.map(() => '---|').join('')}---|`,
    );
    for (const arm of spec.arms) {
      const cells: string[] = [];
      const ratios: number[] = [];
      for (const seed of spec.seeds) {
        const row = reach.find((x) => x.arm === arm.name && x.seed === seed);
        cells.push(row?.seconds === null || row === undefined ? '—' : num(row.seconds / 60, 1));
        if (row?.seconds != null && row.referenceSeconds != null && row.referenceSeconds > 0)
          ratios.push(row.seconds / row.referenceSeconds);
      }
      const m = median(ratios);
      out.push(
        `| ${arm.label} | ${cells.join(' | ')} | ${m === null ? '—' : `${m.toFixed(2)}× (${ratios.length}/${spec.seeds.length} seeds reached it)`} |`,
      );
    }
  }
  const probes = r.runs.map((x) => x.probe).filter((p) => p !== null);
  if (probes.length > 0) {
    const t = probes.reduce((a, p) => ({
      tp: a.tp + p.tp,
      fp: a.fp + p.fp,
      fn: a.fn + p.fn,
      tn: a.tn + p.tn,
    }));
    const precision = t.tp + t.fp > 0 ? t.tp / (t.tp + t.fp) : null;
    const recall = t.tp + t.fn > 0 ? t.tp / (t.tp + t.fn) : null;
    out.push(
      '',
      'Silence probe (untrained network, before training) against the silent rule (during training), over all trials of all runs:',
      '',
      '| | rule fired | rule did not fire |',
      '|---|---|---|',
      `| probe: silent | ${t.tp} | ${t.fp} |`,
      `| probe: not silent | ${t.fn} | ${t.tn} |`,
      '',
      `Precision ${pct(precision)}, recall ${pct(recall)}.`,
    );
  }
  out.push(
    '',
    '<details><summary>Every run</summary>',
    '',
    '| arm | seed | trials | complete | stopped | failed | best | best trial | compute (min) | wall (min) | silent (min) | retrained test |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.runs) {
    out.push(
      `| ${label(x.arm)} | ${x.seed} | ${x.trials} | ${x.complete} | ${x.stopped} | ${x.failed} | ${pct(x.best)} | ${x.bestTrial ?? '—'} | ${num(x.computeSeconds / 60, 1)} | ${num(x.wallSeconds / 60, 1)} | ${num(x.silentSeconds / 60, 1)} | ${pct(r.retrain[x.study]?.testAccuracy ?? null)} |`,
    );
  }
  out.push('', '</details>', '');
  return out.join('\n');
}
