/**
 * `spiketune experiment`: runs an experiment file (arms × seeds of one base study, equal budgets; see
 * src/study/experiment.ts), retrains each run's best configuration on the full training set, and writes
 * experiment.json, experiment.md and charts (SVG, PNG) to the output directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Command } from 'commander';
import pc from 'picocolors';
import { openStorage } from '../storage/index.ts';
import { loadExperimentFile } from '../study/experiment.ts';
import { experimentMarkdown } from '../study/experiment-report.ts';
import { runExperiment } from '../study/experiment-run.ts';
import type { RetrainResult } from '../study/retrain.ts';
import { int } from './util.ts';

export function experimentCommand(): Command {
  return new Command('experiment')
    .description(
      'run one base study under several arms and seeds at equal budget, retrain the bests, write tables and charts',
    )
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--storage <url>', 'storage URL (default: the file’s, else NAME.db beside it)')
    .option('--out <dir>', 'output directory (default: NAME-results beside the file)')
    .option('--workers <n>', 'parallel trials per run', '1')
    .option('--no-retrain', 'do not retrain the best configurations')
    .option('--quiet', 'no progress display')
    .action(
      async (
        file: string,
        o: { storage?: string; out?: string; workers: string; retrain: boolean; quiet?: boolean },
      ) => {
        const spec = loadExperimentFile(file);
        const outDir = resolve(
          o.out ?? join(dirname(resolve(file)), `${basename(file, extname(file))}-results`),
        );
        mkdirSync(outDir, { recursive: true });
        const cachePath = join(outDir, 'retrain.json');
        const retrained = existsSync(cachePath)
          ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, RetrainResult>)
          : {};
        const storage = await openStorage(o.storage ?? spec.storage);
        const ac = new AbortController();
        const onSignal = (): void => {
          process.stderr.write(`\n${pc.yellow('interrupted')}: the current run's trials are re-queued\n`);
          ac.abort();
        };
        process.once('SIGINT', onSignal);
        const tty = process.stderr.isTTY === true && o.quiet !== true;
        try {
          const results = await runExperiment(spec, storage, {
            slots: int('--workers', o.workers),
            signal: ac.signal,
            retrained,
            noRetrain: !o.retrain,
            onRunStart: (run, i, n) => {
              if (o.quiet !== true)
                process.stderr.write(`${pc.bold(`[${i + 1}/${n}]`)} ${run.config.name} (${run.arm.label})\n`);
            },
            onProgress: (_run, p) => {
              if (!tty) return;
              const best = p.best === null ? '—' : p.best.toPrecision(4);
              process.stderr.write(
                `\r\x1b[2K  complete ${p.complete} stopped ${p.stopped} failed ${p.failed} | best ${best} | ${Math.round(p.elapsedSeconds)} s`,
              );
            },
            onRetrain: (study, r) => {
              retrained[study] = r;
              writeFileSync(cachePath, `${JSON.stringify(retrained, null, 2)}\n`);
              if (o.quiet !== true)
                process.stderr.write(
                  `${tty ? '\n' : ''}retrained ${study}: test ${(100 * r.testAccuracy).toFixed(2)}% (${r.seconds.toFixed(0)} s)\n`,
                );
            },
          });
          if (tty) process.stderr.write('\n');
          const { writeExperimentCharts } = await import('../dashboard/experiment-report.ts');
          const files = writeExperimentCharts(results, outDir);
          writeFileSync(join(outDir, 'experiment.json'), `${JSON.stringify(results, null, 2)}\n`);
          const md = experimentMarkdown(results);
          writeFileSync(join(outDir, 'experiment.md'), md);
          files.push(join(outDir, 'experiment.json'), join(outDir, 'experiment.md'));
          process.stdout.write(`${md}\n`);
          for (const f of files) process.stdout.write(`${f}\n`);
        } finally {
          process.off('SIGINT', onSignal);
          await storage.close();
        }
      },
    );
}
