/**
 * The dashboard's chart definitions: pure functions from a study and its trials to echarts option
 * objects. The same functions build the live page's charts (this module is bundled for the browser at
 * request time, see assets.ts) and the report's SVG/PNG files (rendered server-side, see render.ts), so
 * both show the same plots.
 *
 * Browser-safe: no runtime imports but escape.ts (type imports only). Every user-supplied string that
 * can reach HTML (echarts renders tooltips as HTML) goes through `escapeHtml` in the formatters below;
 * titles, axis and legend labels are drawn by echarts as text (canvas or SVG text nodes), never as HTML.
 */
import { escapeHtml } from './escape.ts';

export type ParamValue = string | number | boolean;
export type TrialState = 'queued' | 'running' | 'complete' | 'stopped' | 'failed';

/** A parameter of the search space (the list form of the spec, `SpaceSpecJson`). */
export interface ChartParamSpec {
  readonly name: string;
  readonly type: 'float' | 'int' | 'categorical' | 'fixed';
  readonly low?: number;
  readonly high?: number;
  readonly log?: boolean;
  readonly choices?: readonly ParamValue[];
}

/** What the charts need of a study (a stored `Study` fits). */
export interface ChartStudy {
  readonly name: string;
  readonly config: {
    readonly objectives: readonly { readonly name: string; readonly direction: 'maximize' | 'minimize' }[];
    readonly constraints: readonly string[];
    readonly space: { readonly params: readonly ChartParamSpec[] };
  };
}

export interface ChartReport {
  readonly step: number;
  readonly spikes: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly at: number;
}

/** What the charts need of a trial (a stored `Trial` fits, and so does the API's JSON of one). */
export interface ChartTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly values: readonly number[] | null;
  readonly constraints: readonly number[] | null;
  readonly error: string | null;
  readonly worker: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly reports?: readonly ChartReport[];
}

/** An echarts option object (kept loose: echarts validates it). */
export type ChartOption = Record<string, unknown>;

/** How a trial is shown: complete trials split by feasibility, stopped trials are the silent ones. */
export type TrialClass = 'feasible' | 'infeasible' | 'stopped' | 'failed' | 'running' | 'queued';

export const classOrder: readonly TrialClass[] = [
  'feasible',
  'infeasible',
  'stopped',
  'failed',
  'running',
  'queued',
];
export const classLabels: Readonly<Record<TrialClass, string>> = {
  feasible: 'feasible',
  infeasible: 'infeasible',
  stopped: 'silent (stopped)',
  failed: 'failed',
  running: 'running',
  queued: 'queued',
};
export const classColors: Readonly<Record<TrialClass, string>> = {
  feasible: '#2e7d32',
  infeasible: '#8d6e63',
  stopped: '#ef6c00',
  failed: '#c62828',
  running: '#1565c0',
  queued: '#9e9e9e',
};
const classSymbols: Readonly<Record<TrialClass, string>> = {
  feasible: 'circle',
  infeasible: 'emptyCircle',
  stopped: 'triangle',
  failed: 'diamond',
  running: 'rect',
  queued: 'rect',
};
const BEST_COLOR = '#6a1b9a';
const DOMINATED_COLOR = '#bdbdbd';

/** True when every constraint is ≤ 0 (no constraints: feasible); as `isFeasible` in study/model.ts. */
export function isFeasibleTrial(study: ChartStudy, t: Pick<ChartTrial, 'constraints'>): boolean {
  const n = study.config.constraints.length;
  if (n === 0) return true;
  if (t.constraints === null || t.constraints.length < n) return false;
  return t.constraints.every((c) => c <= 0);
}

export function trialClass(study: ChartStudy, t: Pick<ChartTrial, 'state' | 'constraints'>): TrialClass {
  if (t.state === 'complete') return isFeasibleTrial(study, t) ? 'feasible' : 'infeasible';
  return t.state;
}

/** A number for people: integers as is, else 4 significant digits (exponent when tiny or huge). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

export function formatParam(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

/** Seconds for people: "0.25 s", "42 s" under a minute, else m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const a = Math.max(0, seconds);
  if (a < 60) return `${a < 10 && a !== Math.round(a) ? Number(a.toPrecision(2)) : Math.round(a)} s`;
  const s = Math.round(a);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The varying parameters of the space (fixed ones carry no information). */
export function chartParams(study: ChartStudy): ChartParamSpec[] {
  return study.config.space.params.filter((p) => p.type !== 'fixed');
}

/** Best value of the first objective among complete feasible trials, as in study/model.ts. */
export function bestFeasible(study: ChartStudy, trials: readonly ChartTrial[]): ChartTrial | null {
  const sign = study.config.objectives[0]?.direction === 'maximize' ? 1 : -1;
  let best: ChartTrial | null = null;
  for (const t of trials) {
    const v = t.values?.[0];
    if (t.state !== 'complete' || v === undefined || !isFeasibleTrial(study, t)) continue;
    if (best === null || sign * v > sign * (best.values as readonly number[])[0]) best = t;
  }
  return best;
}

/** Trials per state. */
export function countStates(trials: readonly Pick<ChartTrial, 'state'>[]): Record<TrialState, number> {
  const c: Record<TrialState, number> = { queued: 0, running: 0, complete: 0, stopped: 0, failed: 0 };
  for (const t of trials) c[t.state]++;
  return c;
}

/** Escaped HTML describing a trial, for tooltips. */
export function trialTooltip(study: ChartStudy, t: ChartTrial | undefined): string {
  if (t === undefined) return '';
  const cls = trialClass(study, t);
  const lines = [
    `<b>trial #${escapeHtml(t.number)}</b> · <span style="color:${classColors[cls]}">${escapeHtml(classLabels[cls])}</span>`,
  ];
  study.config.objectives.forEach((o, i) => {
    const v = t.values?.[i];
    if (v !== undefined) lines.push(`${escapeHtml(o.name)}: ${escapeHtml(formatNumber(v))}`);
  });
  study.config.constraints.forEach((c, i) => {
    const v = t.constraints?.[i];
    if (v !== undefined) lines.push(`${escapeHtml(c)}: ${escapeHtml(formatNumber(v))}`);
  });
  for (const [k, v] of Object.entries(t.params))
    lines.push(`${escapeHtml(k)} = ${escapeHtml(formatParam(v))}`);
  if (t.worker !== null) lines.push(`worker: ${escapeHtml(t.worker)}`);
  if (t.startedAt !== null && t.finishedAt !== null)
    lines.push(`duration: ${escapeHtml(formatDuration((t.finishedAt - t.startedAt) / 1000))}`);
  if (t.error !== null) {
    const e = t.error.length > 200 ? `${t.error.slice(0, 200)}…` : t.error;
    lines.push(`<span style="color:${classColors.failed}">${escapeHtml(e)}</span>`);
  }
  return lines.join('<br>');
}

/** A chart data item: echarts keeps the extra `trial` field, so clicks and tooltips find the trial. */
interface Item {
  readonly value: readonly (number | string | null)[];
  readonly trial: number;
}

function trialOf(p: unknown): number | undefined {
  const d = (p as { data?: { trial?: unknown } } | null)?.data;
  return typeof d?.trial === 'number' ? d.trial : undefined;
}

/** A tooltip formatter showing the trial under the pointer (escaped). */
function itemTooltip(study: ChartStudy, trials: readonly ChartTrial[]): (p: unknown) => string {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  return (p) => {
    const n = trialOf(p);
    return n === undefined
      ? escapeHtml((p as { seriesName?: string }).seriesName)
      : trialTooltip(study, byNumber.get(n));
  };
}

function base(title: string, subtitle: string): ChartOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: title,
      subtext: subtitle,
      left: 'center',
      textStyle: { fontSize: 14 },
      subtextStyle: { fontSize: 11 },
    },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 64, right: 32, top: 64, bottom: 64, containLabel: true },
  };
}

function studyStart(trials: readonly ChartTrial[]): number {
  let t0 = Number.POSITIVE_INFINITY;
  for (const t of trials) t0 = Math.min(t0, t.startedAt ?? t.createdAt);
  return Number.isFinite(t0) ? t0 : 0;
}

function countsLine(trials: readonly ChartTrial[]): string {
  const c = countStates(trials);
  const parts = [`${c.complete} complete`, `${c.stopped} silent (stopped)`, `${c.failed} failed`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.queued > 0) parts.push(`${c.queued} queued`);
  return parts.join(' · ');
}

/**
 * Optimization history: the first objective of every complete trial and the best feasible value so far,
 * against the trial number (`by: 'number'`) or the wall time since the study's first trial started
 * (`by: 'time'`, at each trial's end).
 */
export function historyOption(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  by: 'number' | 'time' = 'number',
): ChartOption {
  const objective = study.config.objectives[0];
  const sign = objective.direction === 'maximize' ? 1 : -1;
  const t0 = studyStart(trials);
  const x = (t: ChartTrial): number => (by === 'number' ? t.number : ((t.finishedAt ?? t0) - t0) / 1000);
  const done = trials
    .filter(
      (t) =>
        t.state === 'complete' &&
        Number.isFinite(t.values?.[0]) &&
        (by === 'number' || t.finishedAt !== null),
    )
    .sort((a, b) => x(a) - x(b) || a.number - b.number);
  const feasible: Item[] = [];
  const infeasible: Item[] = [];
  const best: [number, number][] = [];
  let bestV: number | null = null;
  for (const t of done) {
    const v = (t.values as readonly number[])[0];
    const item = { value: [x(t), v], trial: t.number };
    if (isFeasibleTrial(study, t)) {
      feasible.push(item);
      if (bestV === null || sign * v > sign * bestV) bestV = v;
      best.push([x(t), bestV]);
    } else infeasible.push(item);
  }
  const lastX = trials.reduce((m, t) => (by === 'time' && t.finishedAt === null ? m : Math.max(m, x(t))), 0);
  if (bestV !== null && best.length > 0 && best[best.length - 1][0] < lastX) best.push([lastX, bestV]);
  const scatter = (cls: TrialClass, data: Item[]) => ({
    type: 'scatter',
    name: classLabels[cls],
    data,
    symbol: classSymbols[cls],
    symbolSize: 8,
    itemStyle: { color: classColors[cls] },
  });
  return {
    ...base(
      by === 'number' ? 'Optimization history' : 'Optimization history (wall time)',
      `${objective.name} (${objective.direction}) · ${countsLine(trials)}`,
    ),
    tooltip: { trigger: 'item', confine: true, formatter: itemTooltip(study, trials) },
    xAxis:
      by === 'number'
        ? { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 26, minInterval: 1 }
        : {
            type: 'value',
            name: 'wall time since the first trial',
            nameLocation: 'middle',
            nameGap: 26,
            axisLabel: { formatter: (v: number) => formatDuration(v) },
          },
    yAxis: { type: 'value', name: objective.name, scale: true },
    series: [
      scatter('feasible', feasible),
      ...(infeasible.length > 0 ? [scatter('infeasible', infeasible)] : []),
      {
        type: 'line',
        name: 'best feasible so far',
        data: best,
        step: 'end',
        showSymbol: false,
        lineStyle: { color: BEST_COLOR, width: 2 },
        itemStyle: { color: BEST_COLOR },
        tooltip: { show: false },
        z: 1,
      },
    ],
  };
}

interface Dim {
  readonly name: string;
  /** echarts axis settings for it. */
  readonly axis: Record<string, unknown>;
  readonly get: (t: ChartTrial) => number | string | null;
}

/** A parameter as a chart dimension: categories by name, log scale when the space says so. */
function paramDim(study: ChartStudy, trials: readonly ChartTrial[], name: string): Dim {
  const spec = study.config.space.params.find((p) => p.name === name);
  const observed = trials.map((t) => t.params[name]).filter((v) => v !== undefined);
  const categorical =
    spec?.type === 'categorical' || (spec === undefined && observed.some((v) => typeof v !== 'number'));
  if (categorical) {
    const cats = [...(spec?.choices ?? []).map(String)];
    for (const v of observed) if (!cats.includes(String(v))) cats.push(String(v));
    return {
      name,
      axis: { type: 'category', data: cats, boundaryGap: true },
      get: (t) => (t.params[name] === undefined ? null : String(t.params[name])),
    };
  }
  const log = spec?.log === true && (spec.low ?? 0) > 0;
  return {
    name,
    axis: {
      ...(log ? { type: 'log', logBase: 10 } : { type: 'value', scale: true }),
      axisLabel: { formatter: (v: number) => formatNumber(v) },
    },
    get: (t) => {
      const v = t.params[name];
      return typeof v === 'number' ? v : null;
    },
  };
}

const TRIAL_DIM = '#trial';

/** The two parameters the feasibility view shows by default (the first two that vary). */
export function defaultFeasibilityPair(study: ChartStudy): [string, string] {
  const ps = chartParams(study).map((p) => p.name);
  if (ps.length >= 2) return [ps[0], ps[1]];
  return [ps[0] ?? TRIAL_DIM, TRIAL_DIM];
}

/**
 * Feasibility: two parameters against each other, every finished trial coloured feasible / infeasible /
 * silent (stopped) / failed (running ones too). `x`/`y` name parameters (`#trial`: the trial number).
 */
export function feasibilityOption(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  x?: string,
  y?: string,
): ChartOption {
  const [dx, dy] = defaultFeasibilityPair(study);
  const xName = x ?? dx;
  const yName = y ?? dy;
  const dim = (name: string): Dim =>
    name === TRIAL_DIM
      ? { name: 'trial', axis: { type: 'value', minInterval: 1 }, get: (t) => t.number }
      : paramDim(study, trials, name);
  const X = dim(xName);
  const Y = dim(yName);
  const groups = new Map<TrialClass, Item[]>();
  let missing = 0;
  for (const t of trials) {
    const cls = trialClass(study, t);
    if (cls === 'queued') continue;
    const vx = X.get(t);
    const vy = Y.get(t);
    if (vx === null || vy === null) {
      missing++;
      continue;
    }
    const list = groups.get(cls) ?? [];
    list.push({ value: [vx, vy], trial: t.number });
    groups.set(cls, list);
  }
  const nFeasible = groups.get('feasible')?.length ?? 0;
  const finished = trials.filter(
    (t) => t.state === 'complete' || t.state === 'stopped' || t.state === 'failed',
  );
  const sub =
    `${nFeasible} of ${finished.length} finished trials feasible` +
    (missing > 0 ? ` · ${missing} without both parameters` : '');
  return {
    ...base(`Feasibility: ${X.name} vs ${Y.name}`, sub),
    tooltip: { trigger: 'item', confine: true, formatter: itemTooltip(study, trials) },
    xAxis: { ...X.axis, name: X.name, nameLocation: 'middle', nameGap: 26 },
    yAxis: { ...Y.axis, name: Y.name },
    series: classOrder
      .filter((c) => c !== 'queued' && (c === 'feasible' || (groups.get(c)?.length ?? 0) > 0))
      .map((cls) => ({
        type: 'scatter',
        name: classLabels[cls],
        data: groups.get(cls) ?? [],
        symbol: classSymbols[cls],
        symbolSize: 9,
        itemStyle: { color: classColors[cls], opacity: cls === 'feasible' ? 0.9 : 0.75 },
      })),
  };
}

/** Parallel coordinates: one axis per varying parameter and per objective, one line per trial. */
export function parallelOption(study: ChartStudy, trials: readonly ChartTrial[]): ChartOption {
  const dims: Dim[] = chartParams(study).map((p) => paramDim(study, trials, p.name));
  study.config.objectives.forEach((o, i) => {
    dims.push({
      name: o.name,
      axis: { type: 'value', scale: true },
      get: (t) =>
        t.state === 'complete' && Number.isFinite(t.values?.[i]) ? (t.values as number[])[i] : null,
    });
  });
  const groups = new Map<TrialClass, Item[]>();
  for (const t of trials) {
    const cls = trialClass(study, t);
    if (cls === 'queued' || cls === 'running') continue;
    const list = groups.get(cls) ?? [];
    list.push({ value: dims.map((d) => d.get(t)), trial: t.number });
    groups.set(cls, list);
  }
  return {
    ...base('Parallel coordinates', `${dims.length} axes · ${countsLine(trials)}`),
    tooltip: { trigger: 'item', confine: true, formatter: itemTooltip(study, trials) },
    parallel: { left: 48, right: 110, top: 104, bottom: 56 },
    parallelAxis: dims.map((d, i) => ({
      dim: i,
      name: d.name,
      nameTextStyle: { fontSize: 11 },
      ...d.axis,
      axisLabel: { fontSize: 10, ...((d.axis.axisLabel as object | undefined) ?? {}) },
    })),
    series: (['failed', 'stopped', 'infeasible', 'feasible'] as const)
      .filter((c) => c === 'feasible' || (groups.get(c)?.length ?? 0) > 0)
      .map((cls) => ({
        type: 'parallel',
        name: classLabels[cls],
        data: groups.get(cls) ?? [],
        lineStyle: {
          color: classColors[cls],
          width: cls === 'feasible' ? 1.5 : 1,
          opacity: cls === 'feasible' ? 0.8 : 0.4,
        },
        emphasis: { lineStyle: { width: 3, opacity: 1 } },
      })),
  };
}

/**
 * Indices of the non-dominated points (each objective's direction respected); a point equal to another
 * on every objective is kept once (the first).
 */
export function paretoFront(
  points: readonly (readonly number[])[],
  directions: readonly ('maximize' | 'minimize')[],
): number[] {
  const s = directions.map((d) => (d === 'maximize' ? 1 : -1));
  const dominates = (a: readonly number[], b: readonly number[]): boolean => {
    let strictly = false;
    for (let k = 0; k < s.length; k++) {
      if (s[k] * a[k] < s[k] * b[k]) return false;
      if (s[k] * a[k] > s[k] * b[k]) strictly = true;
    }
    return strictly;
  };
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some(
      (q, j) => j !== i && (dominates(q, p) || (j < i && q.every((v, k) => v === p[k]))),
    );
    if (!dominated) front.push(i);
  });
  return front;
}

/**
 * Pareto front of the first two objectives (multi-objective studies; null otherwise): non-dominated
 * complete feasible trials in colour and joined, dominated ones greyed.
 */
export function paretoOption(study: ChartStudy, trials: readonly ChartTrial[]): ChartOption | null {
  const objs = study.config.objectives;
  if (objs.length < 2) return null;
  const [o1, o2] = objs;
  const done = trials.filter(
    (t) => t.state === 'complete' && Number.isFinite(t.values?.[0]) && Number.isFinite(t.values?.[1]),
  );
  const feasible = done.filter((t) => isFeasibleTrial(study, t));
  const infeasible = done.filter((t) => !isFeasibleTrial(study, t));
  const pts = feasible.map((t) => (t.values as number[]).slice(0, objs.length));
  const frontIdx = new Set(
    paretoFront(
      pts,
      objs.map((o) => o.direction),
    ),
  );
  const item = (t: ChartTrial): Item => ({
    value: [(t.values as number[])[0], (t.values as number[])[1]],
    trial: t.number,
  });
  const front = feasible.filter((_, i) => frontIdx.has(i)).map(item);
  const dominated = feasible.filter((_, i) => !frontIdx.has(i)).map(item);
  const line = [...front].sort((a, b) => (a.value[0] as number) - (b.value[0] as number)).map((i) => i.value);
  return {
    ...base(
      `Pareto front: ${o1.name} vs ${o2.name}`,
      `${front.length} non-dominated of ${feasible.length} feasible complete trials (${o1.direction} ${o1.name}, ${o2.direction} ${o2.name})`,
    ),
    tooltip: { trigger: 'item', confine: true, formatter: itemTooltip(study, trials) },
    xAxis: { type: 'value', name: o1.name, nameLocation: 'middle', nameGap: 26, scale: true },
    yAxis: { type: 'value', name: o2.name, scale: true },
    series: [
      {
        type: 'scatter',
        name: 'dominated',
        data: dominated,
        symbolSize: 8,
        itemStyle: { color: DOMINATED_COLOR },
      },
      ...(infeasible.length > 0
        ? [
            {
              type: 'scatter',
              name: 'infeasible',
              data: infeasible.map(item),
              symbol: 'emptyCircle',
              symbolSize: 8,
              itemStyle: { color: DOMINATED_COLOR },
            },
          ]
        : []),
      {
        type: 'line',
        name: 'Pareto front',
        data: line,
        showSymbol: false,
        lineStyle: { color: BEST_COLOR, width: 1.5, type: 'dashed' },
        itemStyle: { color: BEST_COLOR },
        tooltip: { show: false },
        z: 1,
      },
      {
        type: 'scatter',
        name: 'non-dominated',
        data: front,
        symbolSize: 11,
        itemStyle: { color: BEST_COLOR },
        z: 3,
      },
    ],
  };
}

/**
 * The step at which a stopped trial was stopped: the one its reason names ("… at step N"), else its
 * last report's. Null for other trials.
 */
export function stopStep(t: Pick<ChartTrial, 'state' | 'error' | 'reports'>): number | null {
  if (t.state !== 'stopped') return null;
  const m = /at step (\d+)/.exec(t.error ?? '');
  if (m !== null) return Number(m[1]);
  const r = t.reports ?? [];
  return r.length > 0 ? r[r.length - 1].step : null;
}

/**
 * One trial's spike activity: mean spikes per sample of each monitored layer over its reports, the
 * silent rules' constraint values (silent fraction − max, > 0 is silent) on the right axis, and a mark
 * at the stop step of a stopped trial.
 */
export function spikesOption(study: ChartStudy, trial: ChartTrial): ChartOption {
  const reports = [...(trial.reports ?? [])].sort((a, b) => a.step - b.step);
  const layers: string[] = [];
  const silentKeys: string[] = [];
  for (const r of reports) {
    for (const k of Object.keys(r.spikes)) if (!layers.includes(k)) layers.push(k);
    for (const k of Object.keys(r.metrics))
      if (k.startsWith('silent:') && !silentKeys.includes(k)) silentKeys.push(k);
  }
  const stop = stopStep(trial);
  const cls = trialClass(study, trial);
  const palette = ['#1565c0', '#00897b', '#5e35b1', '#c0ca33', '#6d4c41', '#d81b60', '#3949ab', '#00acc1'];
  const series: Record<string, unknown>[] = layers.map((layer, i) => ({
    type: 'line',
    name: layer,
    data: reports.filter((r) => Number.isFinite(r.spikes[layer])).map((r) => [r.step, r.spikes[layer]]),
    showSymbol: reports.length < 40,
    yAxisIndex: 0,
    lineStyle: { width: 2, color: palette[i % palette.length] },
    itemStyle: { color: palette[i % palette.length] },
  }));
  silentKeys.forEach((k, i) => {
    series.push({
      type: 'line',
      name: `${k} constraint`,
      data: reports.filter((r) => Number.isFinite(r.metrics[k])).map((r) => [r.step, r.metrics[k]]),
      yAxisIndex: 1,
      showSymbol: false,
      lineStyle: { type: 'dashed', width: 1.5, color: palette[(layers.length + i) % palette.length] },
      itemStyle: { color: palette[(layers.length + i) % palette.length] },
      ...(i === 0
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              lineStyle: { color: '#9e9e9e', type: 'dotted' },
              label: { formatter: 'silent above', position: 'insideEndTop', fontSize: 10 },
              data: [{ yAxis: 0 }],
            },
          }
        : {}),
    });
  });
  if (stop !== null) {
    // A series of its own, so the mark shows even without spike data.
    series.push({
      type: 'line',
      name: 'stop step',
      data: [],
      yAxisIndex: 0,
      itemStyle: { color: classColors.stopped },
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { color: classColors.stopped, width: 2 },
        label: { formatter: `stopped at ${stop}`, position: 'end', color: classColors.stopped },
        data: [{ xAxis: stop }],
      },
    });
  }
  const maxStep = reports.reduce((m, r) => Math.max(m, r.step), stop ?? 0);
  const tooltipAxis = (ps: unknown): string => {
    const list = Array.isArray(ps) ? ps : [ps];
    const step = (list[0] as { value?: unknown[] } | undefined)?.value?.[0];
    const lines = [`<b>step ${escapeHtml(formatNumber(Number(step)))}</b>`];
    for (const p of list as { seriesName?: string; value?: unknown[]; color?: string }[]) {
      lines.push(
        `<span style="color:${escapeHtml(p.color)}">●</span> ${escapeHtml(p.seriesName)}: ${escapeHtml(formatNumber(Number(p.value?.[1])))}`,
      );
    }
    return lines.join('<br>');
  };
  return {
    ...base(
      `Trial #${trial.number}: spike activity`,
      `${classLabels[cls]} · ${reports.length} report(s)` +
        (stop !== null ? ` · stopped at step ${stop}` : ''),
    ),
    tooltip: { trigger: 'axis', confine: true, formatter: tooltipAxis },
    grid: { left: 64, right: silentKeys.length > 0 ? 72 : 32, top: 72, bottom: 64, containLabel: true },
    xAxis: {
      type: 'value',
      name: 'step (samples)',
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      max: maxStep > 0 ? undefined : 1,
    },
    yAxis: [
      { type: 'value', name: 'spikes / sample', nameTextStyle: { align: 'left' } },
      ...(silentKeys.length > 0
        ? [
            {
              type: 'value',
              name: 'silent fraction − max (> 0: silent)',
              nameLocation: 'middle',
              nameRotate: -90,
              nameGap: 44,
              splitLine: { show: false },
            },
          ]
        : []),
    ],
    series,
  };
}

export interface TimelineBar {
  /** Row index (a worker, or one of its parallel slots). */
  readonly row: number;
  /** Seconds since the first trial started. */
  readonly start: number;
  readonly end: number;
  readonly trial: number;
  readonly cls: TrialClass;
}

export interface Timeline {
  /** Row labels: the worker name, with " [k]" when it ran several trials at once. */
  readonly rows: string[];
  readonly bars: TimelineBar[];
  /** Busy time over rows × span (null without any started trial). */
  readonly utilization: number | null;
  readonly span: number;
}

/**
 * Which worker ran which trial when. A worker running several trials at once (slots of one process share
 * its name) gets one row per slot, assigned greedily, so rows are the parallel slots.
 */
export function timeline(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  now: number = Date.now(),
): Timeline {
  const t0 = studyStart(trials);
  const started = trials
    .filter((t) => t.startedAt !== null)
    .sort((a, b) => (a.startedAt as number) - (b.startedAt as number) || a.number - b.number);
  const lanesByWorker = new Map<string, number[]>(); // lane → end time
  const laneOf: { worker: string; lane: number; t: ChartTrial; end: number }[] = [];
  for (const t of started) {
    const worker = t.worker ?? '(unknown)';
    const s = t.startedAt as number;
    const e = Math.max(s, t.finishedAt ?? (t.state === 'running' ? now : s));
    const lanes = lanesByWorker.get(worker) ?? [];
    let lane = lanes.findIndex((end) => end <= s);
    if (lane < 0) {
      lane = lanes.length;
      lanes.push(e);
    } else lanes[lane] = e;
    lanesByWorker.set(worker, lanes);
    laneOf.push({ worker, lane, t, end: e });
  }
  const workers = [...lanesByWorker.keys()].sort();
  const rows: string[] = [];
  const rowIndex = new Map<string, number>();
  for (const w of workers) {
    const n = (lanesByWorker.get(w) as number[]).length;
    for (let k = 0; k < n; k++) {
      rowIndex.set(`${w}\u0000${k}`, rows.length);
      rows.push(n > 1 ? `${w} [${k + 1}]` : w);
    }
  }
  let busy = 0;
  let spanEnd = t0;
  const bars: TimelineBar[] = laneOf.map(({ worker, lane, t, end }) => {
    busy += end - (t.startedAt as number);
    spanEnd = Math.max(spanEnd, end);
    return {
      row: rowIndex.get(`${worker}\u0000${lane}`) as number,
      start: ((t.startedAt as number) - t0) / 1000,
      end: (end - t0) / 1000,
      trial: t.number,
      cls: trialClass(study, t),
    };
  });
  const span = (spanEnd - t0) / 1000;
  const utilization = rows.length > 0 && span > 0 ? busy / 1000 / (rows.length * span) : null;
  return { rows, bars, utilization, span };
}

/** Worker timeline: a Gantt chart of the trials on each worker slot, coloured by outcome. */
export function timelineOption(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  now: number = Date.now(),
): ChartOption {
  const tl = timeline(study, trials, now);
  const renderItem = (_params: unknown, api: unknown): unknown => {
    const a = api as {
      value: (i: number) => number;
      coord: (v: number[]) => number[];
      size: (v: number[]) => number[];
      visual: (k: string) => unknown;
    };
    const row = a.value(0);
    const s = a.coord([a.value(1), row]);
    const e = a.coord([a.value(2), row]);
    const h = Math.max(4, a.size([0, 1])[1] * 0.6);
    const width = Math.max(2, e[0] - s[0]);
    const rect = {
      type: 'rect',
      shape: { x: s[0], y: s[1] - h / 2, width, height: h },
      style: { fill: a.visual('color'), stroke: '#ffffff', lineWidth: 0.5 },
    };
    const label = `#${a.value(3)}`;
    if (width < 8 * label.length + 4 || h < 12) return rect;
    return {
      type: 'group',
      children: [
        rect,
        {
          type: 'text',
          style: {
            text: label,
            x: s[0] + 3,
            y: s[1],
            verticalAlign: 'middle',
            fill: '#ffffff',
            fontSize: 10,
          },
        },
      ],
    };
  };
  const tooltip = itemTooltip(study, trials);
  const classes = classOrder.filter((c) => tl.bars.some((b) => b.cls === c));
  return {
    ...base(
      'Worker timeline',
      tl.utilization === null
        ? 'no trial started yet'
        : `${tl.rows.length} worker slot(s) · utilization ${(100 * tl.utilization).toFixed(0)}% over ${formatDuration(tl.span)}`,
    ),
    tooltip: { trigger: 'item', confine: true, formatter: tooltip },
    grid: { left: 16, right: 32, top: 64, bottom: 64, containLabel: true },
    xAxis: {
      type: 'value',
      min: 0,
      max: tl.span > 0 ? tl.span : 1,
      name: 'wall time since the first trial',
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { formatter: (v: number) => formatDuration(v) },
    },
    yAxis: {
      type: 'category',
      data: tl.rows,
      inverse: true,
      axisLabel: { width: 160, overflow: 'truncate' },
    },
    series: classes.map((cls) => ({
      type: 'custom',
      name: classLabels[cls],
      renderItem,
      itemStyle: { color: classColors[cls] },
      encode: { x: [1, 2], y: 0 },
      data: tl.bars
        .filter((b) => b.cls === cls)
        .map((b) => ({ value: [b.row, b.start, b.end, b.trial], trial: b.trial })),
    })),
  };
}

export interface ChartSpec {
  /** File-name-safe id (report) and element id (page). */
  readonly id: string;
  readonly title: string;
  readonly option: ChartOption;
  /** Suggested size in pixels. */
  readonly width: number;
  readonly height: number;
}

export interface StudyChartOptions {
  /** Feasibility view parameters (default: the first two varying ones). */
  readonly x?: string;
  readonly y?: string;
  /** Trials whose spike activity to show (with their reports). */
  readonly spikeTrials?: readonly ChartTrial[];
  /** "Now", for running trials on the timeline. */
  readonly now?: number;
}

/** Every chart of a study, in the order the report shows them. */
export function studyCharts(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  o: StudyChartOptions = {},
): ChartSpec[] {
  const pareto = paretoOption(study, trials);
  const rows = timeline(study, trials, o.now).rows.length;
  const charts: ChartSpec[] = [
    {
      id: 'history',
      title: 'Optimization history',
      option: historyOption(study, trials, 'number'),
      width: 800,
      height: 420,
    },
    {
      id: 'history-time',
      title: 'Optimization history (wall time)',
      option: historyOption(study, trials, 'time'),
      width: 800,
      height: 420,
    },
    {
      id: 'feasibility',
      title: 'Feasibility',
      option: feasibilityOption(study, trials, o.x, o.y),
      width: 800,
      height: 480,
    },
    {
      id: 'parallel',
      title: 'Parallel coordinates',
      option: parallelOption(study, trials),
      width: 1000,
      height: 460,
    },
  ];
  if (pareto !== null)
    charts.push({ id: 'pareto', title: 'Pareto front', option: pareto, width: 800, height: 480 });
  charts.push({
    id: 'timeline',
    title: 'Worker timeline',
    option: timelineOption(study, trials, o.now),
    width: 1000,
    height: Math.max(260, 150 + 28 * rows),
  });
  for (const t of o.spikeTrials ?? []) {
    charts.push({
      id: `spikes-trial-${t.number}`,
      title: `Trial #${t.number}: spike activity`,
      option: spikesOption(study, t),
      width: 800,
      height: 420,
    });
  }
  return charts;
}
