/**
 * `spiketune report`: a study's charts as SVG and PNG files and one self-contained HTML report
 * (src/dashboard/report.ts); or, with `--experiment`, an experiment's charts from its experiment.json.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DataError, ValidationError } from '../core/errors.ts';
import { openStorage } from '../storage/index.ts';
import type { ExperimentResults } from '../study/experiment-report.ts';
import { int } from './util.ts';

interface ReportFlags {
  storage?: string;
  out: string;
  x?: string;
  y?: string;
  trial?: string[];
  experiment?: string;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      "write a study's charts (SVG, PNG) and a self-contained HTML report, or an experiment's charts",
    )
    .argument('[study]', 'study name')
    .option('--storage <url>', 'sqlite:FILE.db or postgres://…')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--x <param>', 'feasibility view: parameter on the x axis (default: the first)')
    .option('--y <param>', 'feasibility view: parameter on the y axis (default: the second)')
    .option(
      '--trial <n...>',
      'trial(s) whose spike activity to plot (default: the best feasible and the first stopped)',
    )
    .option('--experiment <json>', "an experiment's experiment.json (from spiketune experiment): its charts")
    .action(async (name: string | undefined, o: ReportFlags) => {
      if (o.experiment !== undefined) {
        let results: ExperimentResults;
        try {
          results = JSON.parse(readFileSync(o.experiment, 'utf8')) as ExperimentResults;
        } catch (e) {
          throw new DataError(o.experiment, `cannot read the experiment results (${(e as Error).message})`);
        }
        if (!Array.isArray(results.runs) || typeof results.spec?.name !== 'string')
          throw new DataError(o.experiment, 'not an experiment.json written by spiketune experiment');
        mkdirSync(o.out, { recursive: true });
        const { writeExperimentCharts } = await import('../dashboard/experiment-report.ts');
        for (const f of writeExperimentCharts(results, o.out)) process.stdout.write(`${f}\n`);
        return;
      }
      if (name === undefined)
        throw new ValidationError('study', name, 'expected a study name (or --experiment)');
      if (o.storage === undefined)
        throw new ValidationError('--storage', o.storage, 'expected a storage URL');
      // Loaded here: echarts and resvg are big, and only this command needs them.
      const { writeReport } = await import('../dashboard/report.ts');
      const storage = await openStorage(o.storage);
      try {
        const r = await writeReport({
          storage,
          study: name,
          outDir: o.out,
          ...(o.x !== undefined ? { x: o.x } : {}),
          ...(o.y !== undefined ? { y: o.y } : {}),
          ...(o.trial !== undefined ? { trials: o.trial.map((t) => int('--trial', t)) } : {}),
        });
        for (const f of r.files) process.stdout.write(`${f}\n`);
      } finally {
        await storage.close();
      }
    });
}
