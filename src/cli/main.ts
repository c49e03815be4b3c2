#!/usr/bin/env node
/**
 * The `spiketune` command line: thin commands over the library.
 */
import { Command } from 'commander';
import pc from 'picocolors';
import { SpiketuneError } from '../core/errors.ts';
import { dashboardCommand } from './dashboard.ts';
import { experimentCommand } from './experiment.ts';
import { reportCommand } from './report.ts';
import { retrainCommand } from './retrain.ts';
import { studyCommands } from './study.ts';
import { sgCommand } from './train-sg.ts';
import { stdpCommand } from './train-stdp.ts';

export function buildProgram(): Command {
  const program = new Command('spiketune')
    .description('hyperparameter optimization of spiking neural networks')
    .version('0.1.0');
  const train = new Command('train').description('train one network');
  train.addCommand(sgCommand());
  train.addCommand(stdpCommand());
  program.addCommand(train);
  for (const c of studyCommands()) program.addCommand(c);
  program.addCommand(dashboardCommand());
  program.addCommand(reportCommand());
  program.addCommand(experimentCommand());
  program.addCommand(retrainCommand());
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof SpiketuneError) {
      process.stderr.write(`${pc.red('error')}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const isEntry = process.argv[1] !== undefined && /main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
