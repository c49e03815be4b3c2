/**
 * `spiketune report`: a study's charts as SVG and PNG files and one self-contained HTML report
 * (src/dashboard/report.ts).
 */
import { Command } from 'commander';
import { openStorage } from '../storage/index.ts';
import { int } from './util.ts';

export function reportCommand(): Command {
  return new Command('report')
    .description("write a study's charts (SVG, PNG) and a self-contained HTML report")
    .argument('<study>', 'study name')
    .requiredOption('--storage <url>', 'sqlite:FILE.db or postgres://…')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--x <param>', 'feasibility view: parameter on the x axis (default: the first)')
    .option('--y <param>', 'feasibility view: parameter on the y axis (default: the second)')
    .option(
      '--trial <n...>',
      'trial(s) whose spike activity to plot (default: the best feasible and the first stopped)',
    )
    .action(
      async (name: string, o: { storage: string; out: string; x?: string; y?: string; trial?: string[] }) => {
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
      },
    );
}
