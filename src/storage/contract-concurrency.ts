/**
 * Storage contract, concurrency part: several processes on the same database (child processes through
 * tsx, see testing/children.ts), in-process lock ordering, and the per-trial overhead (printed).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { StorageFactory } from './contract.ts';
import { studyConfig } from './contract.ts';
import type { Storage } from './storage.ts';
import { type ChildTask, runChildren } from './testing/children.ts';

const CHILDREN = 8;

export function concurrencyContract(
  name: string,
  factory: StorageFactory,
  open: (url: string) => Promise<Storage>,
): void {
  it(`gives unique, dense trial numbers to ${CHILDREN} processes creating trials at once`, async () => {
    const url = await factory.freshUrl();
    const s = await open(url);
    const study = await s.createStudy(studyConfig('numbers'));
    const tasks: ChildTask[] = Array.from({ length: CHILDREN }, (_, i) => ({
      kind: 'create',
      studyId: study.id,
      n: 40,
      worker: `p${i}`,
    }));
    const results = (await runChildren(url, tasks)) as number[][];
    const numbers = results.flat().sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: CHILDREN * 40 }, (_, i) => i));
    for (const r of results) expect(r).toEqual([...r].sort((a, b) => a - b)); // increasing per process
    const trials = await s.getTrials(study.id, { reports: false });
    expect(trials.map((t) => t.number)).toEqual(numbers);
    for (let i = 0; i < CHILDREN; i++) expect(trials.filter((t) => t.worker === `p${i}`)).toHaveLength(40);
  });

  it(`never gives one queued trial to two of ${CHILDREN} processes claiming at once`, async () => {
    const url = await factory.freshUrl();
    const s = await open(url);
    const study = await s.createStudy(studyConfig('claims'));
    const queued = [];
    for (let i = 0; i < 160; i++)
      queued.push((await s.createTrial(study.id, { width: i }, { state: 'queued' })).id);
    const tasks: ChildTask[] = Array.from({ length: CHILDREN }, (_, i) => ({
      kind: 'claim',
      studyId: study.id,
      worker: `c${i}`,
    }));
    const results = (await runChildren(url, tasks)) as number[][];
    const claimed = results.flat().sort((a, b) => a - b);
    expect(claimed).toEqual(queued);
    const trials = await s.getTrials(study.id, { reports: false });
    expect(trials.every((t) => t.state === 'running' && t.startedAt !== null)).toBe(true);
    results.forEach((ids, i) => {
      for (const id of ids) expect(trials.find((t) => t.id === id)?.worker).toBe(`c${i}`);
    });
  });

  it('holds the ask lock exclusively across processes', async () => {
    const url = await factory.freshUrl();
    const s = await open(url);
    const study = await s.createStudy(studyConfig('lock'));
    const dir = mkdtempSync(join(tmpdir(), 'spiketune-lock-'));
    try {
      const file = join(dir, 'log');
      const tasks: ChildTask[] = ['A', 'B', 'C'].map((tag) => ({
        kind: 'lock',
        studyId: study.id,
        n: 12,
        file,
        tag,
      }));
      await runChildren(url, tasks);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(3 * 12 * 2);
      for (let i = 0; i < lines.length; i += 2) {
        expect(lines[i]).toMatch(/^[ABC] start \d+$/);
        expect(lines[i + 1]).toBe(lines[i].replace('start', 'end')); // nothing in between
      }
      expect(new Set(lines.map((l) => l[0]))).toEqual(new Set(['A', 'B', 'C']));
      const trials = await s.getTrials(study.id);
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serializes ask locks within a process and releases them when fn throws', async () => {
    const url = await factory.freshUrl();
    const s = await open(url);
    const other = await open(url);
    const study = await s.createStudy(studyConfig('lock-local'));
    const events: string[] = [];
    const job = (st: Storage, tag: string, fail = false) =>
      st.withAskLock(study.id, async () => {
        events.push(`${tag}+`);
        await new Promise((r) => setTimeout(r, 20));
        await st.createTrial(study.id, { lr: 0.1 }, { state: 'queued' });
        events.push(`${tag}-`);
        if (fail) throw new Error(`boom ${tag}`);
        return tag;
      });
    const results = await Promise.allSettled([job(s, 'a'), job(s, 'b', true), job(other, 'c'), job(s, 'd')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'boom b',
      'c',
      'd',
    ]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace('+', '-'));
    expect(await s.withAskLock(study.id, async () => 'free again')).toBe('free again');
  });

  it('measures the storage overhead per trial lifecycle (printed)', async () => {
    const s = await open(await factory.freshUrl());
    const study = await s.createStudy(studyConfig('overhead'));
    const lifecycle = async (i: number) => {
      const t = await s.createTrial(study.id, { lr: 0.01, width: i }, { state: 'running', worker: 'bench' });
      for (let k = 1; k <= 3; k++) {
        await s.addReport(t.id, {
          step: k * 1000,
          spikes: { hidden: 3.2, out: 1.5 },
          metrics: { loss: 1 / k },
        });
      }
      await s.heartbeat(t.id, 'bench');
      await s.finishTrial(t.id, { state: 'complete', values: [0.9], constraints: [-0.5] });
    };
    for (let i = 0; i < 20; i++) await lifecycle(i); // warm-up
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await lifecycle(i);
    const ms = (performance.now() - t0) / n;
    console.log(
      `[${name}] storage overhead per trial lifecycle (createTrial running + 3 addReport + heartbeat + finishTrial): ${ms.toFixed(3)} ms (mean of ${n})`,
    );
    expect(ms).toBeGreaterThan(0);
  });
}
