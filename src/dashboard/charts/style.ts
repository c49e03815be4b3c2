/** The look shared by the charts: trial-class colours, labels and symbols, the common option base. */
import type { ChartOption, TrialClass } from './types.ts';

export const classOrder: readonly TrialClass[] = [
  'feasible',
  'infeasible',
  'stopped',
  'failed',
  'running',
  'queued',
];
export const classLabels: Readonly<Record<TrialClass, string>> = {
  feasible: 'feasible',
  infeasible: 'infeasible',
  stopped: 'silent (stopped)',
  failed: 'failed',
  running: 'running',
  queued: 'queued',
};
export const classColors: Readonly<Record<TrialClass, string>> = {
  feasible: '#2e7d32',
  infeasible: '#8d6e63',
  stopped: '#ef6c00',
  failed: '#c62828',
  running: '#1565c0',
  queued: '#9e9e9e',
};
export const classSymbols: Readonly<Record<TrialClass, string>> = {
  feasible: 'circle',
  infeasible: 'emptyCircle',
  stopped: 'triangle',
  failed: 'diamond',
  running: 'rect',
  queued: 'rect',
};
export const BEST_COLOR = '#6a1b9a';
export const DOMINATED_COLOR = '#bdbdbd';

export function base(title: string, subtitle: string): ChartOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: title,
      subtext: subtitle,
      left: 'center',
      textStyle: { fontSize: 14 },
      subtextStyle: { fontSize: 11 },
    },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 64, right: 32, top: 64, bottom: 64, containLabel: true },
  };
}
