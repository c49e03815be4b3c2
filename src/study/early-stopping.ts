/**
 * Early-stopping rules: one small interface (Optuna's pruner is one method), three rules.
 *
 * An objective reports while it trains (`TrainingReport`: step = training samples seen, per-layer spike
 * counts of the samples since the previous report, metrics). After every report the trial's stopper
 * decides to go on or to stop, and every rule also yields the **constraint values** the optimizer
 * sees, so a stopped trial still teaches the optimizer where silence is.
 *
 * ## The silent-network rule (Firmin et al. 2024)
 * For a monitored layer, a sample is *silent* when it emits fewer than `minSpikes` spikes over all its
 * time steps. The rule is checked every `checkEvery` samples; it stops the trial when the silent
 * fraction exceeds `maxSilentFraction`. Its constraint value is `silentFraction − maxSilentFraction`
 * (> 0: infeasible).
 *
 * Denominator. The seed paper divides the count of silent samples by the size of the whole training
 * set, so early in an epoch the fraction is necessarily small and a silent network can only be
 * stopped late — the cost this rule exists to avoid. spiketune divides by the number of samples the
 * fraction is measured on: by default the samples of the last window (`window: 'recent'`, the last
 * `checkEvery` samples), so an untrained silent network is stopped at the first check, and a network
 * that recovers as it learns is judged on what it does now; `window: 'cumulative'` uses every sample
 * seen so far (an unbiased running estimate of the paper's end-of-epoch fraction).
 *
 * Several silent rules (e.g. Diehl & Cook: fewer than 5 excitatory spikes OR fewer than 1 inhibitory
 * spike) combine with `combine: 'any'` (stop when one fires) or `'all'` (stop when all fire); each
 * keeps its own constraint.
 */
import { ValidationError } from '../core/errors.ts';
import { checkInt, checkNumber } from '../core/validate.ts';

/** What an objective reports while training. */
export interface TrainingReport {
  /** Training samples processed so far. */
  readonly step: number;
  /**
   * Per monitored layer, the spike count of each sample since the previous report (all time steps),
   * or, when an external trainer prefers, `{ silentFraction: { layer: f } }` below.
   */
  readonly sampleSpikes?: Readonly<Record<string, ArrayLike<number>>>;
  /** Precomputed silent fraction per layer over the samples since the previous report (external trainers). */
  readonly silentFraction?: Readonly<Record<string, number>>;
  /** Number of samples the silentFraction entries were measured on. */
  readonly samples?: number;
  readonly metrics?: Readonly<Record<string, number>>;
}

export type SilentRule = {
  readonly kind: 'silent';
  /** Monitored layer name (e.g. 'output', 'hidden1', 'excitatory'). */
  readonly layer: string;
  /** A sample is silent with fewer than this many spikes in the layer (over all steps). */
  readonly minSpikes: number;
  readonly maxSilentFraction: number;
  readonly checkEvery: number;
  readonly window?: 'recent' | 'cumulative';
};

export type ThresholdRule = {
  readonly kind: 'threshold';
  readonly metric: string;
  /** Stop when the metric falls below `lower` or rises above `upper` (after `afterStep`). */
  readonly lower?: number;
  readonly upper?: number;
  readonly afterStep?: number;
};

export type MedianRule = {
  readonly kind: 'median';
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
  /** No stopping before this step. */
  readonly warmupStep?: number;
  /** Needs at least this many earlier trials with a report at this step (default 5). */
  readonly minTrials?: number;
};

export type EarlyStoppingRule = SilentRule | ThresholdRule | MedianRule;

/**
 * What happens when the rules fire:
 * - 'stop' (default): training stops and the network is not evaluated (spiketune's behaviour);
 * - 'stop-and-evaluate': training stops, then the network is still tested on the full hold-out set
 *   (the seed paper's behaviour; its cost is what the ablation measures). The trial is stored as
 *   stopped, with the values it got, so the optimizer sees exactly what it sees with 'stop';
 * - 'observe': nothing is stopped; the first firing (step, seconds into the trial, reason) is recorded
 *   in the trial's attributes, to measure what stopping would have saved.
 */
export type EarlyStoppingAction = 'stop' | 'stop-and-evaluate' | 'observe';
export const earlyStoppingActions: readonly EarlyStoppingAction[] = ['stop', 'stop-and-evaluate', 'observe'];

/**
 * The silence probe: before training, the untrained network runs on the first `samples` training
 * samples (inference, no weight update) and the silent rules are applied to them all at once (same
 * `minSpikes` and `maxSilentFraction`, whatever `checkEvery`). Its verdict is recorded on the trial
 * (`probe: {silent, fractions}`); with `act: true` a trial predicted silent is stopped before training.
 */
export interface SilenceProbeConfig {
  readonly samples: number;
  readonly act?: boolean;
}

export interface EarlyStoppingConfig {
  readonly rules: readonly EarlyStoppingRule[];
  readonly combine?: 'any' | 'all';
  readonly action?: EarlyStoppingAction;
  readonly probe?: SilenceProbeConfig;
}

/** Constraint names contributed by silent rules, in order (e.g. "silent:output"). */
export function silentConstraintNames(config: EarlyStoppingConfig): string[] {
  return config.rules.filter((r): r is SilentRule => r.kind === 'silent').map((r) => `silent:${r.layer}`);
}

export function validateEarlyStopping(c: EarlyStoppingConfig, field = 'earlyStopping'): EarlyStoppingConfig {
  if (c.combine !== undefined && c.combine !== 'any' && c.combine !== 'all') {
    throw new ValidationError(`${field}.combine`, c.combine, 'expected any or all');
  }
  if (!Array.isArray(c.rules)) throw new ValidationError(`${field}.rules`, c.rules, 'expected a list');
  if (c.action !== undefined && !earlyStoppingActions.includes(c.action)) {
    throw new ValidationError(`${field}.action`, c.action, `expected ${earlyStoppingActions.join(', ')}`);
  }
  if (c.probe !== undefined) {
    if (typeof c.probe !== 'object' || c.probe === null)
      throw new ValidationError(`${field}.probe`, c.probe, 'expected {samples, act}');
    checkInt(`${field}.probe.samples`, c.probe.samples, 1);
    if (c.probe.act !== undefined && typeof c.probe.act !== 'boolean')
      throw new ValidationError(`${field}.probe.act`, c.probe.act, 'expected true or false');
    if (!c.rules.some((r) => r.kind === 'silent'))
      throw new ValidationError(`${field}.probe`, c.probe, 'the probe applies the silent rules: add one');
  }
  c.rules.forEach((r, i) => {
    const f = `${field}.rules[${i}]`;
    switch (r.kind) {
      case 'silent':
        if (typeof r.layer !== 'string' || r.layer === '')
          throw new ValidationError(`${f}.layer`, r.layer, 'expected a layer name');
        checkNumber(`${f}.minSpikes`, r.minSpikes, 0);
        checkNumber(`${f}.maxSilentFraction`, r.maxSilentFraction, 0, 1);
        checkInt(`${f}.checkEvery`, r.checkEvery, 1);
        if (r.window !== undefined && r.window !== 'recent' && r.window !== 'cumulative') {
          throw new ValidationError(`${f}.window`, r.window, 'expected recent or cumulative');
        }
        return;
      case 'threshold':
        if (r.lower === undefined && r.upper === undefined) {
          throw new ValidationError(`${f}.lower`, undefined, 'a threshold rule needs lower and/or upper');
        }
        return;
      case 'median':
        if (r.direction !== 'maximize' && r.direction !== 'minimize') {
          throw new ValidationError(`${f}.direction`, r.direction, 'expected maximize or minimize');
        }
        return;
      default:
        throw new ValidationError(
          `${f}.kind`,
          (r as { kind: unknown }).kind,
          'expected silent, threshold or median',
        );
    }
  });
  return c;
}

/** The silence probe's verdict on a set of samples. */
export interface ProbeVerdict {
  readonly silent: boolean;
  /** Silent fraction per monitored layer of the silent rules (layers not reported are absent). */
  readonly fractions: Record<string, number>;
  readonly reason: string | null;
}

/**
 * Applies the silent rules to per-sample spike counts of an untrained network (all samples at once),
 * combined as the stopper combines them. Layers missing from `sampleSpikes` do not fire.
 */
export function probeVerdict(
  config: EarlyStoppingConfig,
  sampleSpikes: Readonly<Record<string, ArrayLike<number>>>,
): ProbeVerdict {
  const fractions: Record<string, number> = {};
  const fired: string[] = [];
  let silentRules = 0;
  for (const r of config.rules) {
    if (r.kind !== 'silent') continue;
    silentRules++;
    const counts = sampleSpikes[r.layer];
    if (counts === undefined || counts.length === 0) continue;
    let n = 0;
    for (let i = 0; i < counts.length; i++) if (counts[i] < r.minSpikes) n++;
    const f = n / counts.length;
    fractions[r.layer] = f;
    if (f > r.maxSilentFraction) {
      fired.push(
        `probe: silent:${r.layer}: ${(100 * f).toFixed(1)}% of ${counts.length} untrained samples under ${r.minSpikes} spike(s)`,
      );
    }
  }
  const silent = fired.length > 0 && (config.combine === 'all' ? fired.length === silentRules : true);
  return { silent, fractions, reason: silent ? fired.join('; ') : null };
}

/** Metric history of earlier trials, for the median rule: value of `metric` at `step` per trial. */
export interface PeerHistory {
  valuesAt(metric: string, step: number): readonly number[];
}

export type StopDecision = { readonly stop: false } | { readonly stop: true; readonly reason: string };

/** Per-trial state of all rules. */
export class EarlyStopper {
  private readonly config: EarlyStoppingConfig;
  private readonly silent: {
    rule: SilentRule;
    windowN: number;
    windowSilent: number;
    totalN: number;
    totalSilent: number;
    lastFraction: number | null;
  }[];

  constructor(config: EarlyStoppingConfig) {
    this.config = validateEarlyStopping(config);
    this.silent = config.rules
      .filter((r): r is SilentRule => r.kind === 'silent')
      .map((rule) => ({ rule, windowN: 0, windowSilent: 0, totalN: 0, totalSilent: 0, lastFraction: null }));
  }

  /** Current constraint values of the silent rules (silentFraction − max; null before the first check). */
  constraints(): (number | null)[] {
    return this.silent.map((s) =>
      s.lastFraction === null ? null : s.lastFraction - s.rule.maxSilentFraction,
    );
  }

  /**
   * Constraint values when the trial ends (null for a layer never reported): 'recent' — the fraction
   * over the samples since the last check when they are at least half a window (or there was no
   * check), else the last checked fraction; 'cumulative' — over every sample seen.
   */
  finalConstraints(): (number | null)[] {
    return this.silent.map((s) => {
      let f: number | null;
      if (s.rule.window === 'cumulative') f = s.totalN > 0 ? s.totalSilent / s.totalN : null;
      else if (s.windowN > 0 && (s.lastFraction === null || 2 * s.windowN >= s.rule.checkEvery))
        f = s.windowSilent / s.windowN;
      else f = s.lastFraction;
      return f === null ? null : f - s.rule.maxSilentFraction;
    });
  }

  /** Feeds one report; returns whether to stop now. */
  observe(report: TrainingReport, peers?: PeerHistory): StopDecision {
    const fired: string[] = [];
    let evaluated = 0;
    for (const s of this.silent) {
      const { rule } = s;
      let n = 0;
      let silentN = 0;
      const counts = report.sampleSpikes?.[rule.layer];
      if (counts !== undefined) {
        n = counts.length;
        for (let i = 0; i < n; i++) if (counts[i] < rule.minSpikes) silentN++;
      } else if (report.silentFraction?.[rule.layer] !== undefined) {
        n = report.samples ?? 1;
        silentN = (report.silentFraction[rule.layer] as number) * n;
      } else {
        continue;
      }
      s.windowN += n;
      s.windowSilent += silentN;
      s.totalN += n;
      s.totalSilent += silentN;
      if (s.windowN < rule.checkEvery) continue;
      const fraction = rule.window === 'cumulative' ? s.totalSilent / s.totalN : s.windowSilent / s.windowN;
      s.lastFraction = fraction;
      s.windowN = 0;
      s.windowSilent = 0;
      evaluated++;
      if (fraction > rule.maxSilentFraction) {
        fired.push(
          `silent:${rule.layer}: ${(100 * fraction).toFixed(1)}% of samples under ${rule.minSpikes} spike(s) (max ${(100 * rule.maxSilentFraction).toFixed(1)}%) at step ${report.step}`,
        );
      }
    }
    for (const r of this.config.rules) {
      if (r.kind === 'threshold') {
        const v = report.metrics?.[r.metric];
        if (v === undefined || report.step < (r.afterStep ?? 0)) continue;
        evaluated++;
        if (
          Number.isNaN(v) ||
          (r.lower !== undefined && v < r.lower) ||
          (r.upper !== undefined && v > r.upper)
        ) {
          fired.push(
            `threshold: ${r.metric} = ${v} outside [${r.lower ?? '-inf'}, ${r.upper ?? 'inf'}] at step ${report.step}`,
          );
        }
      } else if (r.kind === 'median') {
        const v = report.metrics?.[r.metric];
        if (v === undefined || peers === undefined || report.step < (r.warmupStep ?? 0)) continue;
        const others = [...peers.valuesAt(r.metric, report.step)].sort((a, b) => a - b);
        if (others.length < (r.minTrials ?? 5)) continue;
        evaluated++;
        const mid = others.length >> 1;
        const median = others.length % 2 === 1 ? others[mid] : (others[mid - 1] + others[mid]) / 2;
        if (r.direction === 'maximize' ? v < median : v > median) {
          fired.push(
            `median: ${r.metric} = ${v} worse than the median ${median} of ${others.length} trials at step ${report.step}`,
          );
        }
      }
    }
    if (fired.length === 0) return { stop: false };
    const all = this.config.combine === 'all';
    if (all && fired.length < this.config.rules.length) return { stop: false };
    if (all && evaluated === 0) return { stop: false };
    return { stop: true, reason: fired.join('; ') };
  }
}
