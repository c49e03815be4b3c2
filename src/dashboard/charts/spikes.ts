/**
 * One trial's spike activity and its stop step. The axis tooltip is HTML: every string in it goes
 * through `escapeHtml`.
 */
import { escapeHtml } from '../escape.ts';
import { formatNumber } from './format.ts';
import { base, classColors, classLabels } from './style.ts';
import { trialClass } from './trials.ts';
import type { ChartOption, ChartStudy, ChartTrial } from './types.ts';

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
