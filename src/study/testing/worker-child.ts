/**
 * A worker process for distributed.test.ts (forked through tsx by processes.ts): opens the storage at
 * argv[2], finds the study named argv[3], says it is ready, waits for "go" (so that all workers start
 * together), runs `runStudy` with the options in argv[4] and sends back its summary. The processes
 * share nothing but the storage.
 *
 * With `sleepMs`, the objective is a JavaScript function that sleeps a deterministic time in that
 * range, reports once and returns `distributedValue(params)`; without it, the study's stored
 * objective runs (e.g. an external command).
 */
import { openStorage } from '../../storage/index.ts';
import { runStudy } from '../runner.ts';
import { distributedValue, type WorkerChildOptions } from './processes.ts';

const [url, studyName, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson) as WorkerChildOptions;
const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));

const storage = await openStorage(url);
try {
  const study = await storage.getStudy(studyName);
  if (study === null) throw new Error(`no study ${studyName} in ${storage.url}`);
  const go = new Promise((resolve) => process.once('message', resolve));
  await send({ ready: true });
  await go;
  const sleepMs = opts.sleepMs;
  const summary = await runStudy({
    storage,
    study,
    slots: opts.slots ?? 1,
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.staleMs !== undefined ? { staleMs: opts.staleMs } : {}),
    ...(sleepMs !== undefined
      ? {
          objective: async (params, ctx) => {
            const [lo, hi] = sleepMs;
            const ms = lo + ((ctx.seed % 1009) / 1008) * (hi - lo);
            await new Promise((r) => setTimeout(r, ms));
            ctx.report({ step: 1, metrics: { sleptMs: ms } });
            return { status: 'complete', values: [distributedValue(params)] };
          },
        }
      : {}),
  });
  await send({ summary });
  await storage.close();
  process.exit(0);
} catch (e) {
  await send({ error: (e as Error).stack ?? String(e) });
  process.exit(1);
}
