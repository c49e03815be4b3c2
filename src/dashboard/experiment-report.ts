/**
 * An experiment's charts as files (SVG and PNG): best against compute, and where the compute went —
 * written by `spiketune experiment` after its runs, and by `spiketune report --experiment` from its
 * experiment.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResults } from '../study/experiment-report.ts';
import { bestVsComputeOption, computeBreakdownOption } from './charts/experiment.ts';
import { renderSvg, svgToPng } from './render.ts';

/** Writes the charts to `outDir` (which must exist); returns the files written. */
export function writeExperimentCharts(results: ExperimentResults, outDir: string): string[] {
  const { spec } = results;
  const arms = spec.arms.map((a) => ({ name: a.name, label: a.label }));
  const charts = {
    'best-vs-compute': bestVsComputeOption(spec.name, results.objective.name, arms, results.runs),
    compute: computeBreakdownOption(`${spec.name}: where the compute went`, arms, results.runs),
  };
  const files: string[] = [];
  for (const [name, option] of Object.entries(charts)) {
    const svg = renderSvg(option, 900, 480);
    writeFileSync(join(outDir, `${name}.svg`), svg);
    writeFileSync(join(outDir, `${name}.png`), svgToPng(svg));
    files.push(join(outDir, `${name}.svg`), join(outDir, `${name}.png`));
  }
  return files;
}
