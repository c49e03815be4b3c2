/**
 * `spiketune retrain`: the best trial of a study (or a chosen one), trained again on the full training
 * set (no hold-out) and tested on the test set — the number to quote for a search.
 */
import { Command } from 'commander';
import { ValidationError } from '../core/errors.ts';
import { openStorage } from '../storage/index.ts';
import { validateObjectiveDef } from '../study/objective-def.ts';
import { fullSplits, retrainBest } from '../study/retrain.ts';
import { bestTrials } from './study.ts';
import { int } from './util.ts';

export function retrainCommand(): Command {
  return new Command('retrain')
    .description("train a study's best configuration on the full training set and test it on the test set")
    .requiredOption('--storage <url>', 'storage URL')
    .requiredOption('--study <name>', 'study name')
    .option('--trial <n>', 'trial number (default: the best feasible; several objectives: give one)')
    .option('--epochs <n>', "epochs (default: the configuration's own)")
    .option('--seed <n>', 'seed of the retraining (default: the study seed)')
    .option('--limit-train <n>', 'only the first n training samples (quick checks)')
    .option('--limit-test <n>', 'only the first n test samples (quick checks)')
    .option('--json', 'JSON output')
    .action(
      async (o: {
        storage: string;
        study: string;
        trial?: string;
        epochs?: string;
        seed?: string;
        limitTrain?: string;
        limitTest?: string;
        json?: boolean;
      }) => {
        const storage = await openStorage(o.storage);
        try {
          const study = await storage.getStudy(o.study);
          if (study === null)
            throw new ValidationError('--study', o.study, `no such study in ${storage.url}`);
          const trials = await storage.getTrials(study.id, { reports: false });
          let trial =
            o.trial !== undefined
              ? trials.find((t) => t.number === int('--trial', o.trial as string))
              : undefined;
          if (o.trial !== undefined && trial === undefined)
            throw new ValidationError('--trial', o.trial, `no such trial in study ${o.study}`);
          if (trial === undefined) {
            const best = bestTrials(study, trials);
            if (best.length === 0)
              throw new ValidationError('--study', o.study, 'has no complete feasible trial yet');
            if (best.length > 1)
              throw new ValidationError(
                '--trial',
                undefined,
                `the study has ${best.length} Pareto-optimal trials (${best.map((t) => t.number).join(', ')}): choose one`,
              );
            trial = best[0];
          }
          const def = validateObjectiveDef(
            study.config.objective,
            study.config.objectives.map((x) => x.name),
          );
          process.stderr.write(`retraining trial #${trial.number} of ${o.study} on the full training set…\n`);
          if (def.kind === 'command')
            throw new ValidationError(
              'objective.kind',
              def.kind,
              'retraining needs a built-in trainer (sg or stdp)',
            );
          const limited = o.limitTrain !== undefined || o.limitTest !== undefined;
          const r = await retrainBest(def, trial.params, {
            ...(limited
              ? {
                  data: fullSplits(def, {
                    ...(o.limitTrain !== undefined ? { train: int('--limit-train', o.limitTrain) } : {}),
                    ...(o.limitTest !== undefined ? { test: int('--limit-test', o.limitTest) } : {}),
                  }),
                }
              : {}),
            seed: o.seed !== undefined ? int('--seed', o.seed) : study.config.seed,
            ...(o.epochs !== undefined ? { epochs: int('--epochs', o.epochs) } : {}),
          });
          const holdout = trial.values?.[0];
          if (o.json === true) {
            process.stdout.write(
              `${JSON.stringify({ trial: trial.number, params: trial.params, holdout, ...r })}\n`,
            );
          } else {
            process.stdout.write(
              `trial #${trial.number}: hold-out ${holdout === undefined ? '—' : `${(100 * holdout).toFixed(2)}%`} → test ${(100 * r.testAccuracy).toFixed(2)}% ` +
                `(${r.trainSamples} training samples, ${r.epochs} epoch(s), ${r.testSamples} test samples, ${r.seconds.toFixed(0)} s)\n` +
                (r.byDecoder !== undefined
                  ? `  by decoder: ${Object.entries(r.byDecoder)
                      .map(([d, a]) => `${d} ${(100 * a).toFixed(2)}%`)
                      .join(', ')}\n`
                  : ''),
            );
          }
        } finally {
          await storage.close();
        }
      },
    );
}
