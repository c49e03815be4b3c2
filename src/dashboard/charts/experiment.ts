/**
 * Experiment charts (`spiketune experiment`): the best value found against the compute spent, one line
 * per run coloured by arm; and where each arm's compute went (silent networks or not).
 */
import { base } from './style.ts';
import type { ChartOption } from './types.ts';

/** What the experiment charts read of a run (a `RunSummary` of src/study/experiment.ts fits). */
export interface ExperimentChartRun {
  readonly arm: string;
  readonly seed: number;
  readonly computeSeconds: number;
  readonly silentSeconds: number;
  readonly evalAfterStopSeconds: number;
  readonly curve: readonly (readonly [number, number])[];
}

export interface ExperimentChartArm {
  readonly name: string;
  readonly label: string;
}

export const ARM_COLORS = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037'];

/**
 * Best-so-far against cumulative trial compute (seconds), one step line per run; runs of one arm share
 * a colour and a legend entry.
 */
export function bestVsComputeOption(
  title: string,
  objective: string,
  arms: readonly ExperimentChartArm[],
  runs: readonly ExperimentChartRun[],
): ChartOption {
  const series = runs.map((r) => {
    const a = arms.findIndex((x) => x.name === r.arm);
    const data = r.curve.map(([s, b]) => [s / 60, b]);
    const last = data[data.length - 1];
    if (last !== undefined && r.computeSeconds / 60 > (last[0] as number))
      data.push([r.computeSeconds / 60, last[1] as number]);
    return {
      type: 'line',
      name: arms[a]?.label ?? r.arm,
      step: 'end',
      showSymbol: false,
      lineStyle: { width: 1.5, opacity: 0.85 },
      itemStyle: { color: ARM_COLORS[a % ARM_COLORS.length] },
      data,
    };
  });
  // Zoom on where the runs end up: the y axis starts a little below the worst final best (the first
  // trials' climb from chance is cut off), on round values.
  const finals = runs
    .map((r) => r.curve[r.curve.length - 1]?.[1])
    .filter((v): v is number => v !== undefined);
  const all = runs.flatMap((r) => r.curve.map(([, b]) => b));
  const fLo = finals.length > 0 ? Math.min(...finals) : 0;
  const fHi = finals.length > 0 ? Math.max(...finals) : 1;
  const spread = Math.max(fHi - fLo, 0.005);
  const lo = Math.max(all.length > 0 ? Math.min(...all) : 0, fLo - 4 * spread);
  const hi = fHi + spread;
  // A round tick interval (1, 2 or 5 × 10^k) giving about five ticks; the axis ends on ticks.
  const raw = Math.max(hi - lo, 1e-9) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  return {
    ...base(title, `best feasible ${objective} against the compute spent; one line per seed (y axis zoomed)`),
    legend: { bottom: 0, data: arms.map((a) => a.label) },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 'trial compute (CPU-minutes)', nameLocation: 'middle', nameGap: 28 },
    yAxis: {
      type: 'value',
      name: objective,
      min: Number((Math.floor(lo / step) * step).toFixed(10)),
      max: Number((Math.ceil(hi / step) * step).toFixed(10)),
      interval: step,
    },
    series,
  };
}

/** Compute per arm (summed over seeds, minutes): on networks the rule judged silent, the rest, and
 * the part spent testing stopped networks. */
export function computeBreakdownOption(
  title: string,
  arms: readonly ExperimentChartArm[],
  runs: readonly ExperimentChartRun[],
): ChartOption {
  const sum = (arm: string, f: (r: ExperimentChartRun) => number): number =>
    runs.filter((r) => r.arm === arm).reduce((s, r) => s + f(r), 0) / 60;
  const bar = (name: string, color: string, f: (r: ExperimentChartRun) => number) => ({
    type: 'bar',
    name,
    stack: 'compute',
    itemStyle: { color },
    data: arms.map((a) => Number(sum(a.name, f).toFixed(2))),
  });
  return {
    ...base(title, 'trial compute, summed over seeds'),
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    xAxis: { type: 'category', data: arms.map((a) => a.label), axisLabel: { interval: 0, fontSize: 10 } },
    yAxis: { type: 'value', name: 'CPU-minutes' },
    series: [
      bar('networks that learn', '#2e7d32', (r) => r.computeSeconds - r.silentSeconds),
      bar('silent networks (training)', '#ef6c00', (r) => r.silentSeconds - r.evalAfterStopSeconds),
      bar('silent networks (testing)', '#c62828', (r) => r.evalAfterStopSeconds),
    ],
  };
}
