/** Charts of the parameters: the feasibility view (two parameters) and parallel coordinates. */
import { formatNumber } from './format.ts';
import { base, classColors, classLabels, classOrder, classSymbols } from './style.ts';
import { type Item, itemTooltip } from './tooltip.ts';
import { chartParams, countsLine, trialClass } from './trials.ts';
import type { ChartOption, ChartStudy, ChartTrial, TrialClass } from './types.ts';

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
