/**
 * Worker-thread side of the local pool: builds the study's objective once (loading the data once per
 * thread), then runs trials on request, streaming stored reports to the main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { EarlyStoppingConfig } from '../study/early-stopping.ts';
import type { Objective } from '../study/objective.ts';
import { type BuiltinObjectiveDef, buildBuiltinObjective } from '../study/objective-def.ts';
import { executeTrial } from '../study/trial-exec.ts';
import type { ThreadRequest, ThreadResponse } from './protocol.ts';

if (parentPort === null) throw new Error('trial-thread must run in a worker thread');
const port = parentPort;
let objective: Objective | null = null;
let objectiveKey = '';

function send(m: ThreadResponse): void {
  port.postMessage(m);
}

port.on('message', async (req: ThreadRequest) => {
  try {
    const key = JSON.stringify([req.def, req.objectiveNames]);
    if (objective === null || key !== objectiveKey) {
      objective = buildBuiltinObjective(req.def as BuiltinObjectiveDef, req.objectiveNames);
      objectiveKey = key;
    }
    const res = await executeTrial(
      objective,
      req.earlyStopping as EarlyStoppingConfig,
      req.params,
      req.trialNumber,
      req.seed,
      new AbortController().signal,
      (report) => send({ type: 'report', id: req.id, report }),
    );
    send({ type: 'done', id: req.id, result: res });
  } catch (err) {
    const e = err as Error;
    send({ type: 'error', id: req.id, message: e.message ?? String(err) });
  }
});
