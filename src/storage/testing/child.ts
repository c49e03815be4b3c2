/**
 * A child process for the storage concurrency tests (run by `runChildren`, through tsx): opens the
 * storage at argv[2], says it is ready, waits for "go" (so that all children start together), runs
 * the task in argv[3] and sends back its result.
 */
import { appendFileSync } from 'node:fs';
import { openStorage } from '../index.ts';
import type { ChildTask } from './children.ts';

const [url, taskJson] = process.argv.slice(2);
const task = JSON.parse(taskJson) as ChildTask;
const storage = await openStorage(url);
const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
const go = new Promise((resolve) => process.once('message', resolve));
await send({ ready: true });
await go;

async function runTask(t: ChildTask): Promise<unknown> {
  switch (t.kind) {
    case 'create': {
      const numbers: number[] = [];
      for (let i = 0; i < t.n; i++) {
        const tr = await storage.createTrial(
          t.studyId,
          { i, who: t.worker },
          { state: 'running', worker: t.worker },
        );
        numbers.push(tr.number);
      }
      return numbers;
    }
    case 'claim': {
      const ids: number[] = [];
      for (;;) {
        const tr = await storage.claimQueuedTrial(t.studyId, t.worker);
        if (!tr) return ids;
        ids.push(tr.id);
      }
    }
    case 'lock': {
      for (let i = 0; i < t.n; i++) {
        await storage.withAskLock(t.studyId, async () => {
          appendFileSync(t.file, `${t.tag} start ${i}\n`);
          await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
          await storage.createTrial(t.studyId, { tag: t.tag, i }, { state: 'queued' });
          appendFileSync(t.file, `${t.tag} end ${i}\n`);
        });
      }
      return t.n;
    }
  }
}

try {
  const result = await runTask(task);
  await send({ result });
  await storage.close();
  process.exit(0);
} catch (e) {
  await send({ error: (e as Error).stack ?? String(e) });
  process.exit(1);
}
