import { describe, expect, it } from 'vitest';
import { bestVsComputeOption, computeBreakdownOption } from './experiment.ts';

const arms = [
  { name: 'a', label: '(a) stop' },
  { name: 'b', label: '(b) no stop' },
];
const run = (arm: string, seed: number, curve: [number, number][], silent: number, evalAfter = 0) => ({
  arm,
  seed,
  computeSeconds: 120,
  silentSeconds: silent,
  evalAfterStopSeconds: evalAfter,
  curve,
});
const runs = [
  run(
    'a',
    1,
    [
      [6, 0.3],
      [30, 0.93],
      [60, 0.951],
    ],
    6,
  ),
  run(
    'b',
    1,
    [
      [12, 0.5],
      [90, 0.942],
    ],
    60,
  ),
  run(
    'a',
    2,
    [
      [6, 0.9],
      [100, 0.948],
    ],
    12,
    3,
  ),
];

describe('experiment charts', () => {
  it('best against compute: a step line per run, coloured by arm, extended to the run’s compute, y zoomed on round values', () => {
    const o = bestVsComputeOption('t', 'accuracy', arms, runs) as {
      series: { name: string; data: number[][]; itemStyle: { color: string } }[];
      yAxis: { min: number; max: number };
    };
    expect(o.series.map((s) => s.name)).toEqual(['(a) stop', '(b) no stop', '(a) stop']);
    expect(o.series[0].itemStyle.color).toBe(o.series[2].itemStyle.color);
    expect(o.series[0].itemStyle.color).not.toBe(o.series[1].itemStyle.color);
    expect(o.series[1].data.at(-1)).toEqual([2, 0.942]); // 120 s = 2 CPU-minutes
    expect(o.yAxis.min).toBeLessThanOrEqual(0.942);
    expect(o.yAxis.min).toBeGreaterThan(0.3); // the climb from chance is cut off
    expect(o.yAxis.max).toBeGreaterThanOrEqual(0.951);
    expect(Math.round(o.yAxis.min * 1000)).toBeCloseTo(o.yAxis.min * 1000, 6);
  });

  it('where the compute went: learning / silent training / silent testing, summed over seeds, per arm', () => {
    const o = computeBreakdownOption('t', arms, runs) as { series: { name: string; data: number[] }[] };
    const [learn, silent, testing] = o.series;
    expect(learn.data).toEqual([(240 - 18) / 60, 1].map((x) => Number(x.toFixed(2))));
    expect(silent.data).toEqual([Number(((18 - 3) / 60).toFixed(2)), 1]);
    expect(testing.data).toEqual([0.05, 0]);
  });
});
