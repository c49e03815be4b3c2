/**
 * Tooltips: escaped HTML describing a trial, and the formatter that finds the trial under the pointer.
 * echarts renders tooltips as HTML, so every user-supplied string here goes through `escapeHtml`.
 */
import { escapeHtml } from '../escape.ts';
import { formatDuration, formatNumber, formatParam } from './format.ts';
import { classColors, classLabels } from './style.ts';
import { trialClass } from './trials.ts';
import type { ChartStudy, ChartTrial } from './types.ts';

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
export interface Item {
  readonly value: readonly (number | string | null)[];
  readonly trial: number;
}

export function trialOf(p: unknown): number | undefined {
  const d = (p as { data?: { trial?: unknown } } | null)?.data;
  return typeof d?.trial === 'number' ? d.trial : undefined;
}

/** A tooltip formatter showing the trial under the pointer (escaped). */
export function itemTooltip(study: ChartStudy, trials: readonly ChartTrial[]): (p: unknown) => string {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  return (p) => {
    const n = trialOf(p);
    return n === undefined
      ? escapeHtml((p as { seriesName?: string }).seriesName)
      : trialTooltip(study, byNumber.get(n));
  };
}
