/**
 * The trials table shared by the live page (bundled for the browser with charts.ts) and the report:
 * its columns, cell texts, sorting and the state / text filters. Browser-safe (no runtime imports but
 * charts.ts). Cell texts are plain strings: the page puts them in text nodes, the report escapes them.
 */
import {
  type ChartStudy,
  type ChartTrial,
  formatDuration,
  formatNumber,
  formatParam,
  isFeasibleTrial,
  type TrialState,
} from './charts.ts';

export interface Column {
  /** `number`, `state`, `obj:<i>`, `param:<name>`, `con:<i>`, `worker`, `duration`, `error`. */
  readonly key: string;
  readonly label: string;
  readonly numeric: boolean;
}

export function trialColumns(study: ChartStudy): Column[] {
  const cols: Column[] = [
    { key: 'number', label: '#', numeric: true },
    { key: 'state', label: 'state', numeric: false },
  ];
  study.config.objectives.forEach((o, i) => {
    cols.push({ key: `obj:${i}`, label: o.name, numeric: true });
  });
  for (const p of study.config.space.params) {
    cols.push({ key: `param:${p.name}`, label: p.name, numeric: p.type === 'float' || p.type === 'int' });
  }
  study.config.constraints.forEach((c, i) => {
    cols.push({ key: `con:${i}`, label: c, numeric: true });
  });
  cols.push(
    { key: 'worker', label: 'worker', numeric: false },
    { key: 'duration', label: 'duration', numeric: true },
    { key: 'error', label: 'error / stop reason', numeric: false },
  );
  return cols;
}

export function stateLabel(study: ChartStudy, t: ChartTrial): string {
  if (t.state === 'complete' && !isFeasibleTrial(study, t)) return 'complete (infeasible)';
  return t.state;
}

/** The raw value of a cell, for sorting (null sorts last). */
export function cellValue(study: ChartStudy, t: ChartTrial, key: string): number | string | null {
  if (key === 'number') return t.number;
  if (key === 'state') return stateLabel(study, t);
  if (key === 'worker') return t.worker;
  if (key === 'error') return t.error;
  if (key === 'duration')
    return t.startedAt !== null && t.finishedAt !== null ? (t.finishedAt - t.startedAt) / 1000 : null;
  if (key.startsWith('obj:')) return t.values?.[Number(key.slice(4))] ?? null;
  if (key.startsWith('con:')) return t.constraints?.[Number(key.slice(4))] ?? null;
  if (key.startsWith('param:')) {
    const v = t.params[key.slice(6)];
    return v === undefined ? null : typeof v === 'number' ? v : String(v);
  }
  return null;
}

/** The text of a cell (plain text: escape it before putting it in HTML). */
export function cellText(study: ChartStudy, t: ChartTrial, key: string): string {
  if (key === 'duration') {
    const d = cellValue(study, t, key);
    return d === null ? '' : formatDuration(d as number);
  }
  if (key.startsWith('param:')) return formatParam(t.params[key.slice(6)]);
  const v = cellValue(study, t, key);
  if (v === null) return '';
  return typeof v === 'number' && key !== 'number' ? formatNumber(v) : String(v);
}

export function sortTrials(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  key: string,
  descending: boolean,
): ChartTrial[] {
  const sign = descending ? -1 : 1;
  return [...trials].sort((a, b) => {
    const va = cellValue(study, a, key);
    const vb = cellValue(study, b, key);
    if (va === null || vb === null) return va === vb ? a.number - b.number : va === null ? 1 : -1;
    const c =
      typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c !== 0 ? sign * c : a.number - b.number;
  });
}

export interface TrialFilter {
  /** Only these states (empty or absent: all). */
  readonly states?: readonly TrialState[];
  /**
   * Space-separated terms, all of which must match: `name=value` (a param, objective, constraint,
   * `state` or `worker` whose text contains value), `name<x` / `name>x` / `<=` / `>=` (numeric), or plain
   * text found anywhere in the row. Case-insensitive.
   */
  readonly text?: string;
}

const TERM = /^([^<>=]+?)(<=|>=|=|<|>)(.*)$/;

export function filterTrials(
  study: ChartStudy,
  trials: readonly ChartTrial[],
  filter: TrialFilter,
): ChartTrial[] {
  const states = filter.states ?? [];
  const cols = trialColumns(study);
  const terms = (filter.text ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean);
  const byLabel = (name: string): Column | undefined =>
    cols.find((c) => c.label.toLowerCase() === name || c.key.toLowerCase() === name);
  return trials.filter((t) => {
    if (states.length > 0 && !states.includes(t.state)) return false;
    return terms.every((term) => {
      const m = TERM.exec(term);
      const col = m !== null ? byLabel(m[1]) : undefined;
      if (m !== null && col !== undefined) {
        const [, , op, want] = m;
        if (op === '=') return cellText(study, t, col.key).toLowerCase().includes(want);
        const v = cellValue(study, t, col.key);
        const x = Number(want);
        if (typeof v !== 'number' || want === '' || !Number.isFinite(x)) return false;
        return op === '<' ? v < x : op === '>' ? v > x : op === '<=' ? v <= x : v >= x;
      }
      return cols.some((c) => {
        const text = cellText(study, t, c.key).toLowerCase();
        return text.includes(term) || `${c.label.toLowerCase()}=${text}`.includes(term);
      });
    });
  });
}
