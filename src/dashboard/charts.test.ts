import { describe, expect, it } from 'vitest';
import {
  type ChartStudy,
  type ChartTrial,
  feasibilityOption,
  formatDuration,
  formatNumber,
  historyOption,
  parallelOption,
  paretoFront,
  paretoOption,
  spikesOption,
  stopStep,
  studyCharts,
  timeline,
  timelineOption,
  trialTooltip,
} from './charts.ts';
import { escapeHtml } from './escape.ts';
import { indexHtml } from './page.ts';
import { cellText, filterTrials, sortTrials, trialColumns } from './table.ts';

const XSS = '<img src=x onerror=alert(1)>';

const study = (objectives = 1): ChartStudy => ({
  name: XSS,
  config: {
    objectives: [
      { name: 'accuracy', direction: 'maximize' as const },
      { name: 'spikes', direction: 'minimize' as const },
    ].slice(0, objectives),
    constraints: ['silent:output'],
    space: {
      params: [
        { name: 'lr', type: 'float', low: 1e-4, high: 1e-1, log: true },
        { name: 'thr', type: 'float', low: 0, high: 5, log: false },
        { name: 'surrogate', type: 'categorical', choices: ['arctan', XSS] },
        { name: 'fixed', type: 'fixed' },
      ],
    },
  },
});

const T0 = 1_700_000_000_000;
function trial(n: number, o: Partial<ChartTrial> = {}): ChartTrial {
  return {
    number: n,
    state: 'complete',
    params: { lr: 10 ** -(1 + (n % 3)), thr: n % 5, surrogate: n % 2 === 0 ? XSS : 'arctan' },
    values: [0.5 + n / 100, 100 - n],
    constraints: [-0.5],
    error: null,
    worker: 'w1',
    createdAt: T0 + n * 1000,
    startedAt: T0 + n * 1000,
    finishedAt: T0 + n * 1000 + 800,
    ...o,
  };
}

type Series = { name: string; type: string; data: unknown[]; markLine?: { data: unknown[] } };
const series = (o: Record<string, unknown>): Series[] => o.series as Series[];
const byName = (o: Record<string, unknown>, name: string): Series => {
  const s = series(o).find((x) => x.name === name);
  if (s === undefined) throw new Error(`no series ${name}: ${series(o).map((x) => x.name)}`);
  return s;
};

describe('chart definitions', () => {
  const trials: ChartTrial[] = [
    trial(0, { values: [0.6, 50] }),
    trial(1, {
      state: 'stopped',
      values: null,
      constraints: [0.5],
      error: 'silent:output: 100% … at step 64',
    }),
    trial(2, { values: [0.9, 80], constraints: [0.1] }), // complete but infeasible: never the best
    trial(3, { state: 'failed', values: null, constraints: null, error: XSS }),
    trial(4, { values: [0.7, 40] }),
    trial(5, { values: [0.65, 20] }),
    trial(6, { state: 'running', values: null, constraints: null, finishedAt: null }),
  ];

  it('history: every complete trial, and the best feasible so far (infeasible ones never count)', () => {
    const o = historyOption(study(), trials, 'number');
    expect(byName(o, 'feasible').data.map((d) => (d as { trial: number }).trial)).toEqual([0, 4, 5]);
    expect(byName(o, 'infeasible').data.map((d) => (d as { trial: number }).trial)).toEqual([2]);
    expect(byName(o, 'best feasible so far').data).toEqual([
      [0, 0.6],
      [4, 0.7],
      [5, 0.7],
      [6, 0.7],
    ]);
    const byTime = historyOption(study(), trials, 'time');
    // x = seconds since the first trial started, at each trial's end
    expect((byName(byTime, 'feasible').data[0] as { value: number[] }).value[0]).toBeCloseTo(0.8);
    const minimize: ChartStudy = {
      ...study(),
      config: { ...study().config, objectives: [{ name: 'loss', direction: 'minimize' }] },
    };
    const best = byName(historyOption(minimize, trials, 'number'), 'best feasible so far').data;
    expect(best.map((p) => (p as number[])[1])).toEqual([0.6, 0.6, 0.6, 0.6]);
  });

  it('feasibility: two params, trials coloured feasible / infeasible / silent / failed / running', () => {
    const o = feasibilityOption(study(), trials);
    const names = series(o).map((s) => s.name);
    expect(names).toEqual(['feasible', 'infeasible', 'silent (stopped)', 'failed', 'running']);
    expect(byName(o, 'silent (stopped)').data.map((d) => (d as { trial: number }).trial)).toEqual([1]);
    expect((o.xAxis as { type: string; name: string }).type).toBe('log');
    expect((o.xAxis as { name: string }).name).toBe('lr');
    const cat = feasibilityOption(study(), trials, 'thr', 'surrogate');
    expect(cat.yAxis).toMatchObject({ type: 'category', data: ['arctan', XSS] });
    expect((byName(cat, 'feasible').data[0] as { value: unknown[] }).value).toEqual([0, XSS]);
    // one parameter only: against the trial number
    const one: ChartStudy = {
      ...study(),
      config: { ...study().config, space: { params: [{ name: 'lr', type: 'float', low: 0, high: 1 }] } },
    };
    expect((feasibilityOption(one, trials).yAxis as { name: string }).name).toBe('trial');
  });

  it('parallel coordinates: one axis per varying param and per objective', () => {
    const o = parallelOption(study(2), trials);
    const axes = o.parallelAxis as { name: string; type: string; data?: string[] }[];
    expect(axes.map((a) => a.name)).toEqual(['lr', 'thr', 'surrogate', 'accuracy', 'spikes']);
    expect(axes[0].type).toBe('log');
    expect(axes[2]).toMatchObject({ type: 'category', data: ['arctan', XSS] });
    const failed = byName(o, 'failed').data[0] as { value: unknown[] };
    expect(failed.value.slice(3)).toEqual([null, null]); // no objective values
  });

  it('Pareto front: non-dominated feasible trials, the others greyed; none for one objective', () => {
    expect(paretoOption(study(1), trials)).toBeNull();
    const o = paretoOption(study(2), trials) as Record<string, unknown>;
    const ids = (name: string) => byName(o, name).data.map((d) => (d as { trial: number }).trial);
    expect(ids('non-dominated').sort()).toEqual([4, 5]); // 0 (0.6, 50) is dominated by 4 (0.7, 40)
    expect(ids('dominated')).toEqual([0]);
    expect(ids('infeasible')).toEqual([2]);
    expect(
      paretoFront(
        [
          [1, 1],
          [2, 2],
          [2, 2],
          [0, 3],
        ],
        ['maximize', 'maximize'],
      ),
    ).toEqual([1, 3]);
    expect(
      paretoFront(
        [
          [1, 5],
          [2, 4],
          [3, 6],
        ],
        ['maximize', 'minimize'],
      ),
    ).toEqual([1, 2]);
  });

  it('spike activity: one curve per layer, the silent constraint, and a mark at the stop step', () => {
    const t = trial(1, {
      state: 'stopped',
      error: 'silent:output: 100.0% of samples under 1 spike(s) (max 50.0%) at step 64',
      reports: [
        { step: 32, spikes: { output: 2, [XSS]: 9 }, metrics: { 'silent:output': -0.5, loss: 1 }, at: T0 },
        { step: 64, spikes: { output: 0, [XSS]: 0.1 }, metrics: { 'silent:output': 0.5 }, at: T0 + 10 },
      ],
    });
    expect(stopStep(t)).toBe(64);
    expect(stopStep({ ...t, error: null })).toBe(64); // its last report
    expect(stopStep({ ...t, state: 'complete' })).toBeNull();
    const o = spikesOption(study(), t);
    expect(series(o).map((s) => s.name)).toEqual(['output', XSS, 'silent:output constraint', 'stop step']);
    expect(byName(o, 'output').data).toEqual([
      [32, 2],
      [64, 0],
    ]);
    expect(byName(o, 'stop step').markLine?.data).toEqual([{ xAxis: 64 }]);
    expect(series(spikesOption(study(), { ...t, state: 'complete' })).map((s) => s.name)).not.toContain(
      'stop step',
    );
  });

  it('worker timeline: one row per worker slot, utilization', () => {
    const ts = [
      trial(0, { worker: 'a', startedAt: T0, finishedAt: T0 + 4000 }),
      trial(1, { worker: 'a', startedAt: T0 + 1000, finishedAt: T0 + 3000 }), // overlaps: a second slot
      trial(2, { worker: 'a', startedAt: T0 + 4000, finishedAt: T0 + 8000 }), // reuses slot 1
      trial(3, { worker: XSS, startedAt: T0, finishedAt: T0 + 8000 }),
      trial(4, { state: 'queued', worker: null, startedAt: null, finishedAt: null }),
    ];
    const tl = timeline(study(), ts);
    expect(tl.rows).toEqual([XSS, 'a [1]', 'a [2]']); // workers sorted by name
    expect(tl.bars).toHaveLength(4);
    expect(tl.span).toBe(8);
    expect(tl.utilization).toBeCloseTo((4 + 2 + 4 + 8) / (3 * 8));
    const running = timeline(study(), [trial(0, { state: 'running', finishedAt: null })], T0 + 5000);
    expect(running.bars[0].end).toBe(5);
    const o = timelineOption(study(), ts);
    expect((o.yAxis as { data: string[] }).data).toEqual(tl.rows);
    // the bars are drawn by a custom series: renderItem gives rectangles
    const s = series(o)[0] as Series & { renderItem: (p: unknown, api: unknown) => { type: string } };
    const api = {
      value: (i: number) => [0, 1, 3, 7][i],
      coord: ([x, y]: number[]) => [x * 100, y * 30],
      size: () => [0, 30],
      visual: () => '#000',
    };
    expect(['rect', 'group']).toContain(s.renderItem({}, api).type);
  });

  it('every tooltip escapes user strings (study, params, values, worker, error)', () => {
    const hostile: ChartTrial[] = [
      trial(0, { worker: XSS, params: { lr: 0.01, thr: 1, surrogate: XSS, [XSS]: XSS } }),
      trial(1, { state: 'failed', values: null, constraints: null, error: XSS, worker: XSS }),
      trial(2, {
        state: 'stopped',
        values: null,
        constraints: [1],
        reports: [{ step: 1, spikes: { [XSS]: 1 }, metrics: {}, at: T0 }],
      }),
    ];
    const tip = trialTooltip(study(2), hostile[0]);
    expect(tip).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(tip).not.toContain('<img');
    const options = [
      ...studyCharts(study(2), hostile, { spikeTrials: [hostile[2]] }).map((c) => c.option),
      feasibilityOption(study(2), hostile, 'thr', 'surrogate'),
    ];
    let checked = 0;
    for (const o of options) {
      const fmt = (o.tooltip as { formatter?: (p: unknown) => string }).formatter;
      expect(typeof fmt).toBe('function');
      const f = fmt as (p: unknown) => string;
      for (const t of hostile) {
        const out = f({ data: { trial: t.number }, seriesName: XSS, value: [1, 2], color: '#000' });
        expect(out).not.toContain('<img');
        checked++;
      }
      const axis = f([{ seriesName: XSS, value: [1, 2], color: '"><img src=x>' }]);
      expect(axis).not.toContain('<img');
    }
    expect(checked).toBe(options.length * hostile.length);
  });

  it('studyCharts: the report set (Pareto only for several objectives)', () => {
    expect(studyCharts(study(1), trials).map((c) => c.id)).toEqual([
      'history',
      'history-time',
      'feasibility',
      'parallel',
      'timeline',
    ]);
    const ids = studyCharts(study(2), trials, { spikeTrials: [trials[1]] }).map((c) => c.id);
    expect(ids).toEqual([
      'history',
      'history-time',
      'feasibility',
      'parallel',
      'pareto',
      'timeline',
      'spikes-trial-1',
    ]);
  });

  it('formats numbers and durations for people', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.00009999999999)).toBe('1e-4');
    expect(formatNumber(null)).toBe('—');
    expect(formatDuration(0.043)).toBe('0.043 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('trials table', () => {
  const s = study(1);
  const ts = [
    trial(0),
    trial(1, { state: 'stopped', values: null, constraints: [0.5], error: 'silent:output: 100% at step 64' }),
    trial(2, { params: { lr: 0.5, thr: 3, surrogate: 'arctan' }, values: [0.9] }),
  ];
  it('columns: number, state, objectives, params, constraints, worker, duration, error', () => {
    expect(trialColumns(s).map((c) => c.label)).toEqual([
      '#',
      'state',
      'accuracy',
      'lr',
      'thr',
      'surrogate',
      'fixed',
      'silent:output',
      'worker',
      'duration',
      'error / stop reason',
    ]);
    expect(cellText(s, ts[0], 'param:surrogate')).toBe(XSS); // plain text: the page makes text nodes of it
    expect(cellText(s, ts[1], 'obj:0')).toBe('');
    expect(cellText(s, ts[0], 'duration')).toBe('0.8 s');
  });
  it('filters by state and text (name=value, numeric comparisons, free text), all terms at once', () => {
    const n = (xs: ChartTrial[]) => xs.map((t) => t.number);
    expect(n(filterTrials(s, ts, { states: ['stopped'] }))).toEqual([1]);
    expect(n(filterTrials(s, ts, { text: 'surrogate=arctan' }))).toEqual([1, 2]);
    expect(n(filterTrials(s, ts, { text: 'lr>0.2' }))).toEqual([2]);
    expect(n(filterTrials(s, ts, { text: 'accuracy>=0.5 surrogate=arctan' }))).toEqual([2]);
    expect(n(filterTrials(s, ts, { text: 'SILENT' }))).toEqual([0, 1, 2]); // the constraint column's name
    expect(n(filterTrials(s, ts, { text: 'at step 64' }))).toEqual([1]);
    expect(n(filterTrials(s, ts, { text: '<img' }))).toEqual([0]);
  });
  it('sorts by any column, missing values last', () => {
    expect(sortTrials(s, ts, 'obj:0', true).map((t) => t.number)).toEqual([2, 0, 1]);
    expect(sortTrials(s, ts, 'obj:0', false).map((t) => t.number)).toEqual([0, 2, 1]);
    expect(sortTrials(s, ts, 'param:surrogate', false).map((t) => t.number)).toEqual([0, 1, 2]);
  });
});

describe('escaping', () => {
  it('escapeHtml', () => {
    expect(escapeHtml(XSS)).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`"'&\`<>`)).toBe('&quot;&#39;&amp;&#96;&lt;&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(3)).toBe('3');
  });
  it('the page shell has no user data; a token in asset URLs is encoded', () => {
    const html = indexHtml('"><script>alert(1)</script>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('/assets/app.js?token=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(indexHtml(null)).toContain('src="/assets/app.js"');
  });
});
