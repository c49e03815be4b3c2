/**
 * A study's static report: every dashboard chart (the same definitions, charts.ts) rendered server-side
 * to SVG and PNG, and one self-contained HTML file — inline SVGs, a trials table, inline CSS, no script
 * and no external resource — that can be mailed or archived.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import type { Storage, Study } from '../storage/storage.ts';
import type { Trial } from '../study/model.ts';
import {
  bestFeasible,
  type ChartSpec,
  chartParams,
  classColors,
  countStates,
  formatNumber,
  studyCharts,
} from './charts.ts';
import { escapeHtml } from './escape.ts';
import { renderSvg, svgToPng } from './render.ts';
import { cellText, trialColumns } from './table.ts';

export interface ReportOptions {
  readonly storage: Storage;
  /** Study name (or id). */
  readonly study: string | number;
  readonly outDir: string;
  /** Feasibility view parameters (default: the first two varying ones). */
  readonly x?: string;
  readonly y?: string;
  /**
   * Trials whose spike activity to plot (default: the best feasible trial and the first stopped one,
   * else the last trial with reports).
   */
  readonly trials?: readonly number[];
  /** PNG scale (default 2). */
  readonly pngScale?: number;
  /** "Now" for running trials (default: the time of the report). */
  readonly now?: number;
}

export interface ReportResult {
  readonly study: Study;
  /** Every file written (absolute or as joined with outDir). */
  readonly files: string[];
  readonly html: string;
}

/** The trials whose spike activity the report shows by default. */
export function defaultSpikeTrials(study: Study, trials: readonly Trial[]): number[] {
  const out: number[] = [];
  const best = bestFeasible(study, trials);
  if (best !== null) out.push(best.number);
  const stopped = trials.find((t) => t.state === 'stopped' && t.reports.length > 0);
  if (stopped !== undefined) out.push(stopped.number);
  if (out.length === 0) {
    const last = [...trials].reverse().find((t) => t.reports.length > 0);
    if (last !== undefined) out.push(last.number);
  }
  return out;
}

export async function writeReport(o: ReportOptions): Promise<ReportResult> {
  const study = await o.storage.getStudy(o.study);
  if (study === null) throw new ValidationError('study', o.study, `no such study in ${o.storage.url}`);
  const names = chartParams(study).map((p) => p.name);
  for (const [flag, p] of [
    ['--x', o.x],
    ['--y', o.y],
  ] as const) {
    if (p !== undefined && p !== '#trial' && !names.includes(p))
      throw new ValidationError(flag, p, `expected a parameter of the study: ${names.join(', ')}`);
  }
  const trials = await o.storage.getTrials(study.id, { reports: true });
  const wanted = o.trials ?? defaultSpikeTrials(study, trials);
  const spikeTrials = wanted.map((n) => {
    const t = trials.find((x) => x.number === n);
    if (t === undefined) throw new ValidationError('--trial', n, `no trial #${n} in study ${study.name}`);
    return t;
  });
  const now = o.now ?? Date.now();
  const charts = studyCharts(study, trials, {
    ...(o.x !== undefined ? { x: o.x } : {}),
    ...(o.y !== undefined ? { y: o.y } : {}),
    spikeTrials,
    now,
  });
  mkdirSync(o.outDir, { recursive: true });
  const files: string[] = [];
  const svgs = new Map<string, string>();
  for (const c of charts) {
    const svg = renderSvg(c.option, c.width, c.height);
    svgs.set(c.id, svg);
    const svgPath = join(o.outDir, `${c.id}.svg`);
    const pngPath = join(o.outDir, `${c.id}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, svgToPng(svg, o.pngScale ?? 2));
    files.push(svgPath, pngPath);
  }
  const html = reportHtml(study, trials, charts, svgs, now);
  const htmlPath = join(o.outDir, 'report.html');
  writeFileSync(htmlPath, html);
  files.push(htmlPath);
  return { study, files, html };
}

/**
 * An SVG for inlining in HTML: namespace declarations dropped (HTML does not need them, and the file
 * then names no URL at all) and ids prefixed so that several charts' clip paths do not collide.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/\bhref="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

const CSS = `
body { margin: 0 auto; max-width: 1100px; padding: 20px; font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: #222; }
h1 { font-size: 22px; word-break: break-all; } h2 { font-size: 16px; margin-top: 28px; }
figure { margin: 16px 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
table { border-collapse: collapse; font-size: 12px; } th, td { padding: 3px 7px; border-bottom: 1px solid #e0e0e0; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; } td.err { max-width: 380px; }
.wrap { overflow-x: auto; } .muted { color: #6b6b6b; } code { font-size: 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } dt { color: #6b6b6b; } dd { margin: 0; }
`;

function reportHtml(
  study: Study,
  trials: readonly Trial[],
  charts: readonly ChartSpec[],
  svgs: ReadonlyMap<string, string>,
  now: number,
): string {
  const e = escapeHtml;
  const counts = countStates(trials);
  const best = bestFeasible(study, trials);
  const cols = trialColumns(study);
  const cfg = study.config;
  const space = cfg.space.params
    .map((p) => {
      const range =
        p.type === 'categorical'
          ? `{${p.choices.map(String).join(', ')}}`
          : p.type === 'fixed'
            ? String(p.value)
            : `[${formatNumber(p.low)}, ${formatNumber(p.high)}]${p.log ? ' log' : ''}`;
      return `<tr><td>${e(p.name)}</td><td>${e(p.type)}</td><td>${e(range)}</td></tr>`;
    })
    .join('\n');
  const stateColor = (s: string): string =>
    s === 'complete'
      ? classColors.feasible
      : s === 'stopped'
        ? classColors.stopped
        : s === 'failed'
          ? classColors.failed
          : classColors.running;
  const rows = trials
    .map(
      (t) =>
        `<tr>${cols
          .map((c) => {
            const cls = c.numeric ? ' class="num"' : c.key === 'error' ? ' class="err"' : '';
            const style = c.key === 'state' ? ` style="color:${stateColor(t.state)}"` : '';
            return `<td${cls}${style}>${e(cellText(study, t, c.key))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const figures = charts
    .map(
      (c) =>
        `<figure id="${e(c.id)}"><h2>${e(c.title)}</h2>\n${inlineSvg(svgs.get(c.id) ?? '', c.id)}\n</figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(study.name)} · spiketune report</title>
<style>${CSS}</style>
</head>
<body>
<h1>Study ${e(study.name)}</h1>
<p class="muted">spiketune report, ${e(new Date(now).toISOString())}</p>
<dl>
<dt>objectives</dt><dd>${e(cfg.objectives.map((o) => `${o.direction} ${o.name}`).join(', '))}</dd>
<dt>constraints</dt><dd>${e(cfg.constraints.join(', ') || 'none')}</dd>
<dt>trials</dt><dd>${trials.length}: ${counts.complete} complete, ${counts.stopped} silent (stopped), ${counts.failed} failed, ${counts.running} running, ${counts.queued} queued</dd>
<dt>best</dt><dd>${best === null ? '—' : `${e(formatNumber(best.values?.[0]))} (trial #${best.number})`}</dd>
<dt>sampler</dt><dd><code>${e(JSON.stringify(cfg.sampler))}</code></dd>
</dl>
<h2>Search space</h2>
<table><thead><tr><th>parameter</th><th>type</th><th>range</th></tr></thead><tbody>
${space}
</tbody></table>
${figures}
<h2>Trials</h2>
<div class="wrap"><table id="trials"><thead><tr>${cols
    .map((c) => `<th${c.numeric ? ' class="num"' : ''}>${e(c.label)}</th>`)
    .join('')}</tr></thead><tbody>
${rows}
</tbody></table></div>
</body>
</html>
`;
}
