/** The worker timeline: which worker slot ran which trial when. */
import { formatDuration } from './format.ts';
import { base, classColors, classLabels, classOrder } from './style.ts';
import { itemTooltip } from './tooltip.ts';
import { studyStart, trialClass } from './trials.ts';
import type { ChartOption, ChartStudy, ChartTrial, TrialClass } from './types.ts';

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
