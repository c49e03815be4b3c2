/**
 * The dashboard's chart definitions: pure functions from a study and its trials to echarts option
 * objects. The same functions build the live page's charts (this module is bundled for the browser at
 * request time, see assets.ts) and the report's SVG/PNG files (rendered server-side, see render.ts), so
 * both show the same plots.
 *
 * The definitions live in charts/, one module per chart family (history.ts, params.ts for the
 * feasibility view and parallel coordinates, pareto.ts, spikes.ts, timeline.ts) beside the shared
 * types, styles, trial summaries, number formats and tooltips; this module re-exports them and
 * assembles a study's charts (`studyCharts`).
 *
 * Browser-safe: no runtime imports but escape.ts and the modules under charts/ (which import nothing
 * else at runtime either; type imports only). Every user-supplied string that can reach HTML (echarts
 * renders tooltips as HTML) goes through `escapeHtml` in the tooltip formatters (charts/tooltip.ts,
 * charts/spikes.ts); titles, axis and legend labels are drawn by echarts as text (canvas or SVG text
 * nodes), never as HTML.
 */
import { historyOption } from './charts/history.ts';
import { feasibilityOption, parallelOption } from './charts/params.ts';
import { paretoOption } from './charts/pareto.ts';
import { spikesOption } from './charts/spikes.ts';
import { timeline, timelineOption } from './charts/timeline.ts';
import type { ChartOption, ChartStudy, ChartTrial } from './charts/types.ts';

export { formatDuration, formatNumber, formatParam } from './charts/format.ts';
export { historyOption } from './charts/history.ts';
export { defaultFeasibilityPair, feasibilityOption, parallelOption } from './charts/params.ts';
export { paretoFront, paretoOption } from './charts/pareto.ts';
export { spikesOption, stopStep } from './charts/spikes.ts';
export { classColors, classLabels, classOrder } from './charts/style.ts';
export { type Timeline, type TimelineBar, timeline, timelineOption } from './charts/timeline.ts';
export { trialTooltip } from './charts/tooltip.ts';
export { bestFeasible, chartParams, countStates, isFeasibleTrial, trialClass } from './charts/trials.ts';
export type {
  ChartOption,
  ChartParamSpec,
  ChartReport,
  ChartStudy,
  ChartTrial,
  ParamValue,
  TrialClass,
  TrialState,
} from './charts/types.ts';

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
