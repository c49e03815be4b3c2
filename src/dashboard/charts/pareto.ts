/** The Pareto front of multi-objective studies. */
import { BEST_COLOR, base, DOMINATED_COLOR } from './style.ts';
import { type Item, itemTooltip } from './tooltip.ts';
import { isFeasibleTrial } from './trials.ts';
import type { ChartOption, ChartStudy, ChartTrial } from './types.ts';

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
