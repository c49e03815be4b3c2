/** The optimization history chart. */
import { formatDuration } from './format.ts';
import { BEST_COLOR, base, classColors, classLabels, classSymbols } from './style.ts';
import { type Item, itemTooltip } from './tooltip.ts';
import { countsLine, isFeasibleTrial, studyStart } from './trials.ts';
import type { ChartOption, ChartStudy, ChartTrial, TrialClass } from './types.ts';

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
