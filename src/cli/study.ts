/**
 * Study commands: optimize, worker, status, best, trials — thin layers over src/study and
 * src/storage.
 */

import { cpus } from 'node:os';
import { Command } from 'commander';
import pc from 'picocolors';
import { ValidationError } from '../core/errors.ts';
import { openStorage } from '../storage/index.ts';
import type { Storage, Study } from '../storage/storage.ts';
import { loadStudyFile } from '../study/config-file.ts';
import { bestValue, isFeasible, type Trial } from '../study/model.ts';
import { type RunProgress, runStudy } from '../study/runner.ts';
import { assignDevices } from '../workers/command.ts';
import { int, num } from './util.ts';

function progressLine(p: RunProgress, budget: number | undefined): string {
  const done = p.complete + p.stopped + p.failed;
  const t = new Date(p.elapsedSeconds * 1000).toISOString().slice(11, 19);
  return (
    `trials ${done}${budget !== undefined ? `/${budget}` : ''} | ${pc.green(`complete ${p.complete}`)} ` +
    `${pc.yellow(`stopped ${p.stopped}`)} ${p.failed > 0 ? pc.red(`failed ${p.failed}`) : `failed 0`} running ${p.running}` +
    `${p.queued > 0 ? ` queued ${p.queued}` : ''} | best ${p.best === null ? '—' : p.best.toPrecision(4)} | ` +
    `workers ${p.busySlots}/${p.slots} | ${t}`
  );
}

async function withStorage<T>(url: string, fn: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(url);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

async function requireStudy(storage: Storage, name: string | undefined): Promise<Study> {
  if (name === undefined) {
    const all = await storage.listStudies();
    if (all.length === 1) return all[0].study;
    throw new ValidationError(
      '--study',
      name,
      `expected a study name (${all.map((s) => s.study.name).join(', ') || 'none'} in ${storage.url})`,
    );
  }
  const s = await storage.getStudy(name);
  if (s === null) throw new ValidationError('--study', name, `no such study in ${storage.url}`);
  return s;
}

interface LoopOptions {
  readonly gpus?: string;
  readonly quiet?: boolean;
  readonly staleSeconds?: string;
}

async function runLoop(storage: Storage, study: Study, slots: number, o: LoopOptions): Promise<void> {
  const { gpus } = o;
  const quiet = o.quiet === true;
  const ac = new AbortController();
  const onSigint = (): void => {
    process.stderr.write(
      `\n${pc.yellow('interrupted')}: stopping the running trials (they will be re-queued)…\n`,
    );
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  const tty = process.stderr.isTTY === true;
  let last = '';
  try {
    const summary = await runStudy({
      storage,
      study,
      slots,
      signal: ac.signal,
      ...(o.staleSeconds !== undefined ? { staleMs: 1000 * num('--stale-seconds', o.staleSeconds) } : {}),
      ...(gpus !== undefined ? { devices: assignDevices(gpus, slots) } : {}),
      onProgress: (p) => {
        if (quiet) return;
        const line = progressLine(p, study.config.budget.trials);
        if (line === last) return;
        last = line;
        process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      },
    });
    if (!quiet && tty) process.stderr.write('\n');
    process.stdout.write(
      `study ${study.name}: ${summary.reason}; ${progressLine(summary.progress, study.config.budget.trials)}\n`,
    );
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export function studyCommands(): Command[] {
  const optimize = new Command('optimize')
    .description('run a study described by a YAML/JSON file (resumes it if it exists)')
    .argument('<config>', 'study file')
    .option(
      '--storage <url>',
      'sqlite:FILE.db or postgres://… (default: the file’s storage, else FILE.db beside it)',
    )
    .option('--workers <n>', 'parallel trials in this process (default: one per core)')
    .option('--study <name>', 'study name (default: the file’s name)')
    .option(
      '--gpus <ids>',
      'external commands: comma-separated CUDA devices, one per worker slot (round-robin)',
    )
    .option('--stale-seconds <s>', 'a running trial without heartbeat for this long is failed and re-queued')
    .option('--quiet', 'no progress display')
    .action(async (file: string, o: { storage?: string; workers?: string; study?: string } & LoopOptions) => {
      const sf = loadStudyFile(file);
      const config = o.study !== undefined ? { ...sf.config, name: o.study } : sf.config;
      await withStorage(o.storage ?? sf.storage, async (storage) => {
        const study = await storage.getOrCreateStudy(config);
        process.stderr.write(`study ${pc.bold(study.name)} in ${storage.url}\n`);
        const slots = o.workers !== undefined ? int('--workers', o.workers) : cpus().length;
        await runLoop(storage, study, slots, o);
      });
    });

  const worker = new Command('worker')
    .description('join a study stored in PostgreSQL (or SQLite on this machine) and run its trials')
    .requiredOption('--storage <url>', 'storage URL')
    .option('--study <name>', 'study name (default: the only study)')
    .option('--workers <n>', 'parallel trials in this process', '1')
    .option('--gpus <ids>', 'comma-separated CUDA devices for external commands')
    .option('--stale-seconds <s>', 'a running trial without heartbeat for this long is failed and re-queued')
    .option('--quiet', 'no progress display')
    .action(async (o: { storage: string; study?: string; workers: string } & LoopOptions) => {
      await withStorage(o.storage, async (storage) => {
        const study = await requireStudy(storage, o.study);
        await runLoop(storage, study, int('--workers', o.workers), o);
      });
    });

  const status = new Command('status')
    .description('studies in a storage with their trial counts and best values')
    .requiredOption('--storage <url>', 'storage URL')
    .option('--json', 'JSON output')
    .action(async (o: { storage: string; json?: boolean }) => {
      await withStorage(o.storage, async (storage) => {
        const all = await storage.listStudies();
        if (o.json === true) {
          process.stdout.write(
            `${JSON.stringify(all.map((s) => ({ name: s.study.name, counts: s.counts, best: s.best })))}\n`,
          );
          return;
        }
        for (const s of all) {
          const c = s.counts;
          process.stdout.write(
            `${pc.bold(s.study.name)}  complete ${c.complete}  stopped ${c.stopped}  failed ${c.failed}  running ${c.running}  queued ${c.queued}  best ${s.best ?? '—'}\n`,
          );
        }
      });
    });

  const best = new Command('best')
    .description('the best feasible trial(s) of a study (the Pareto front for several objectives)')
    .requiredOption('--storage <url>', 'storage URL')
    .option('--study <name>', 'study name')
    .option('--json', 'JSON output')
    .action(async (o: { storage: string; study?: string; json?: boolean }) => {
      await withStorage(o.storage, async (storage) => {
        const study = await requireStudy(storage, o.study);
        const trials = await storage.getTrials(study.id, { states: ['complete'], reports: false });
        const best = bestTrials(study, trials);
        if (o.json === true) {
          process.stdout.write(
            `${JSON.stringify(best.map((t) => ({ number: t.number, values: t.values, params: t.params })))}\n`,
          );
          return;
        }
        if (best.length === 0) process.stdout.write('no complete feasible trial yet\n');
        for (const t of best) {
          process.stdout.write(
            `trial #${t.number}: ${study.config.objectives.map((ob, i) => `${ob.name} ${t.values?.[i]}`).join(', ')}\n`,
          );
          process.stdout.write(`  ${JSON.stringify(t.params)}\n`);
        }
      });
    });

  const trials = new Command('trials')
    .description('all trials of a study')
    .requiredOption('--storage <url>', 'storage URL')
    .option('--study <name>', 'study name')
    .option('--format <fmt>', 'csv or json', 'csv')
    .action(async (o: { storage: string; study?: string; format: string }) => {
      if (o.format !== 'csv' && o.format !== 'json')
        throw new ValidationError('--format', o.format, 'expected csv or json');
      await withStorage(o.storage, async (storage) => {
        const study = await requireStudy(storage, o.study);
        const all = await storage.getTrials(study.id, { reports: o.format === 'json' });
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify(all)}\n`);
          return;
        }
        const names = study.config.space.params.map((p) => p.name);
        const cols = [
          'number',
          'state',
          ...study.config.objectives.map((x) => x.name),
          ...study.config.constraints,
          ...names,
          'seconds',
          'worker',
          'error',
        ];
        const esc = (v: unknown): string => {
          const s = v === null || v === undefined ? '' : String(v);
          return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        };
        process.stdout.write(`${cols.join(',')}\n`);
        for (const t of all) {
          const row = [
            t.number,
            t.state,
            ...study.config.objectives.map((_, i) => t.values?.[i]),
            ...study.config.constraints.map((_, i) => t.constraints?.[i]),
            ...names.map((n) => t.params[n]),
            t.startedAt !== null && t.finishedAt !== null
              ? ((t.finishedAt - t.startedAt) / 1000).toFixed(2)
              : '',
            t.worker,
            t.error,
          ];
          process.stdout.write(`${row.map(esc).join(',')}\n`);
        }
      });
    });
  return [optimize, worker, status, best, trials];
}

/** Best feasible trial (one objective) or the feasible Pareto front (several). */
export function bestTrials(study: Study, trials: readonly Trial[]): Trial[] {
  const cfg = study.config;
  const feasible = trials.filter(
    (t) => t.state === 'complete' && t.values !== null && isFeasible(t.constraints, cfg.constraints.length),
  );
  if (cfg.objectives.length === 1) {
    const b = bestValue(cfg, feasible);
    return b === null ? [] : [feasible.find((t) => t.values?.[0] === b) as Trial];
  }
  const sign = cfg.objectives.map((o) => (o.direction === 'maximize' ? -1 : 1));
  const v = (t: Trial, i: number): number => sign[i] * (t.values as readonly number[])[i];
  return feasible.filter(
    (a) =>
      !feasible.some(
        (b) => b !== a && sign.every((_, i) => v(b, i) <= v(a, i)) && sign.some((_, i) => v(b, i) < v(a, i)),
      ),
  );
}
