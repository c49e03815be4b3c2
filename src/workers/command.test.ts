import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EarlyStopper, type TrainingReport } from '../study/early-stopping.ts';
import type { ObjectiveContext } from '../study/objective.ts';
import {
  assignDevices,
  type CommandObjectiveSpec,
  commandObjective,
  parseJsonLine,
  validateCommandSpec,
} from './command.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'trainer.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'spiketune-command-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileCount = 0;
const tmpFile = (): string => join(tmp, `f${++fileCount}.json`);

const spec = (
  mode: string,
  extra: Partial<CommandObjectiveSpec> = {},
  file?: string,
): CommandObjectiveSpec => ({
  kind: 'command',
  command: [process.execPath, fixture, mode, ...(file !== undefined ? [file] : [])],
  values: ['accuracy', 'spikes'],
  graceSeconds: 1,
  ...extra,
});

function context(
  onReport: (r: TrainingReport, i: number) => 'stop' | undefined = () => undefined,
  signal = new AbortController().signal,
): ObjectiveContext & { reports: TrainingReport[] } {
  const reports: TrainingReport[] = [];
  return {
    trialNumber: 7,
    seed: 1234,
    signal,
    reports,
    report(r) {
      reports.push(r);
      return onReport(r, reports.length);
    },
  };
}

/** Whether a process is running (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

async function waitGone(pid: number, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

describe('commandObjective', () => {
  it('runs a trainer: reports reach ctx.report in order, values come in the spec order', async () => {
    const ctx = context();
    const outcome = await commandObjective(spec('normal'))({ lr: 0.1 }, ctx);
    expect(outcome).toEqual({ status: 'complete', values: [0.91, 12.5], metrics: { epochs: 1 } });
    expect(ctx.reports.map((r) => r.step)).toEqual([100, 200, 300]);
    expect(ctx.reports[0]).toEqual({
      step: 100,
      sampleSpikes: { hidden: [3, 0, 5], output: [1, 1, 0] },
      metrics: { loss: 2.1 },
    });
    expect(ctx.reports[1]).toEqual({
      step: 200,
      silentFraction: { output: 0.25 },
      samples: 100,
      metrics: { loss: 1.5 },
    });
    // Python's NaN token is accepted (a NaN loss is something a threshold rule should see).
    expect(ctx.reports[2].metrics?.loss).toBeNaN();
  });

  it('passes the trial on stdin and in SPIKETUNE_TRIAL; env, cwd and the device reach the process', async () => {
    const file = tmpFile();
    const params = { lr: 0.01, neuron: 'alif', bias: true };
    const outcome = await commandObjective(
      spec('echo', { values: ['accuracy'], env: { EXTRA: 'x y' }, cwd: tmp }, file),
      {
        device: '2',
      },
    )(params, context());
    expect(outcome).toEqual({ status: 'complete', values: [0.5] });
    const seen = JSON.parse(readFileSync(file, 'utf8'));
    const trial = { trial: 7, seed: 1234, params };
    expect(seen.stdin.endsWith('\n')).toBe(true);
    expect(seen.stdin.split('\n')).toHaveLength(2);
    expect(JSON.parse(seen.stdin)).toEqual(trial);
    expect(JSON.parse(seen.env)).toEqual(trial);
    expect(seen.number).toBe('7');
    expect(seen.cuda).toBe('2');
    expect(seen.extra).toBe('x y');
    expect(seen.cwd).toBe(tmp);

    const file2 = tmpFile();
    await commandObjective(spec('echo', { values: ['accuracy'], env: { CUDA_VISIBLE_DEVICES: '5' } }, file2))(
      {},
      context(),
    );
    expect(JSON.parse(readFileSync(file2, 'utf8')).cuda).toBe('5');
  });

  it("kills the whole process group when ctx.report says 'stop' (child and grandchild)", async () => {
    const file = tmpFile();
    const stopper = new EarlyStopper({
      rules: [{ kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.5, checkEvery: 200 }],
    });
    const ctx = context((r) => (stopper.observe(r).stop ? 'stop' : undefined));
    const t0 = Date.now();
    const outcome = await commandObjective(spec('silent-grandchild', {}, file))({}, ctx);
    expect(outcome).toEqual({ status: 'stopped' });
    expect(ctx.reports).toHaveLength(2); // stopped at the second report, none handled after it
    expect(Date.now() - t0).toBeLessThan(2000);
    const pids = JSON.parse(readFileSync(file, 'utf8')) as { child: number; grandchild: number };
    expect(await waitGone(pids.child)).toBe(true);
    expect(await waitGone(pids.grandchild)).toBe(true);
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const file = tmpFile();
    const ctx = context(() => 'stop');
    const t0 = Date.now();
    const outcome = await commandObjective(spec('ignore-term', { graceSeconds: 0.3 }, file))({}, ctx);
    const elapsed = Date.now() - t0;
    expect(outcome).toEqual({ status: 'stopped' });
    expect(ctx.reports).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(2000);
    const { child } = JSON.parse(readFileSync(file, 'utf8')) as { child: number };
    expect(alive(child)).toBe(false);
  });

  it('fails on a non-zero exit with the exit code and the stderr tail', async () => {
    const run = commandObjective(spec('fail'))({}, context());
    await expect(run).rejects.toThrow(
      /exited with code 3\nstderr:\nTraceback.*\nRuntimeError: CUDA out of memory/s,
    );
  });

  it('fails when the process exits without a result line', async () => {
    const ctx = context();
    const run = commandObjective(spec('no-result'))({}, ctx);
    await expect(run).rejects.toThrow(/exited without a result line.*done training, forgot/s);
    expect(ctx.reports).toHaveLength(1);
  });

  it('fails on a missing or non-finite value, naming it', async () => {
    await expect(commandObjective(spec('missing-value'))({}, context())).rejects.toThrow(
      'result (stdout line 1) lacks value "spikes" (it has: accuracy)',
    );
    await expect(commandObjective(spec('nan-value'))({}, context())).rejects.toThrow(
      'result (stdout line 1): value "accuracy" is NaN, not a finite number',
    );
    await expect(commandObjective(spec('huge-value'))({}, context())).rejects.toThrow(
      'value "spikes" is Infinity, not a finite number',
    );
  });

  it('fails on a bad JSON line (line number and parse error) and on a malformed report', async () => {
    const ctx = context();
    await expect(commandObjective(spec('bad-json'))({}, ctx)).rejects.toThrow(
      /^stdout line 2 is not valid JSON \(.+\): \{"type": "report", "step": \}$/,
    );
    expect(ctx.reports).toHaveLength(1);
    await expect(commandObjective(spec('bad-report'))({}, context())).rejects.toThrow(
      /stdout line 1: bad report: "samples" .* must be an integer >= 1, got undefined/,
    );
  });

  it('kills the process group and fails after timeoutSeconds', async () => {
    const t0 = Date.now();
    await expect(commandObjective(spec('hang', { timeoutSeconds: 0.3 }))({}, context())).rejects.toThrow(
      /timed out after 0.3 s$/,
    );
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('fails to spawn a missing command, naming it', async () => {
    const s: CommandObjectiveSpec = { kind: 'command', command: ['no-such-trainer-xyz', 'a'], values: ['a'] };
    await expect(commandObjective(s)({}, context())).rejects.toThrow(
      'cannot start "no-such-trainer-xyz": command not found (ENOENT)',
    );
    await expect(commandObjective({ ...s, cwd: join(tmp, 'nope') })({}, context())).rejects.toThrow(
      /cwd ".*nope" does not exist/,
    );
  });

  it('kills the process and rejects as interrupted when ctx.signal aborts', async () => {
    const ac = new AbortController();
    const ctx = context(() => {
      setTimeout(() => ac.abort(new Error('study interrupted (SIGINT)')), 10);
      return undefined;
    }, ac.signal);
    const t0 = Date.now();
    await expect(commandObjective(spec('hang'))({}, ctx)).rejects.toThrow(
      'trial 7 interrupted: study interrupted (SIGINT)',
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    // Already aborted: nothing is started.
    await expect(commandObjective(spec('hang'))({}, context(undefined, ac.signal))).rejects.toThrow(
      /interrupted/,
    );
  });

  it.runIf(existsSync('/usr/bin/python3'))('runs the Python reporter example', async () => {
    const example = join(here, '..', '..', 'examples', 'external-python', 'reporter.py');
    const ctx = context();
    const outcome = await commandObjective({
      kind: 'command',
      command: ['/usr/bin/python3', example],
      values: ['accuracy'],
    })({ threshold: 0.5 }, ctx);
    expect(outcome.status).toBe('complete');
    expect(ctx.reports.length).toBeGreaterThan(0);
    expect(ctx.reports[0].sampleSpikes?.output).toBeDefined();
  });
});

describe('validateCommandSpec', () => {
  it('accepts a spec and names the field of a mistake', () => {
    const ok = {
      kind: 'command',
      command: ['python3', 'train.py'],
      values: ['accuracy'],
      timeoutSeconds: 60,
    };
    expect(validateCommandSpec(ok)).toEqual(ok);
    const bad = (patch: Record<string, unknown>): unknown => ({ ...ok, ...patch });
    expect(() => validateCommandSpec(bad({ command: [] }))).toThrow(/invalid objective.command: \[\]/);
    expect(() => validateCommandSpec(bad({ command: 'python3 train.py' }))).toThrow(/objective.command/);
    expect(() => validateCommandSpec(bad({ command: ['python3', 3] }))).toThrow(/objective.command\[1\]: 3/);
    expect(() => validateCommandSpec(bad({ values: [] }))).toThrow(/objective.values/);
    expect(() => validateCommandSpec(bad({ values: ['a', 'a'] }))).toThrow(
      /objective.values\[1\]: "a" \(duplicate/,
    );
    expect(() => validateCommandSpec(bad({ env: { THREADS: 4 } }))).toThrow(/objective.env.THREADS: 4/);
    expect(() => validateCommandSpec(bad({ timeoutSeconds: 0 }))).toThrow(/objective.timeoutSeconds: 0/);
    expect(() => validateCommandSpec(bad({ graceSeconds: -1 }))).toThrow(/objective.graceSeconds: -1/);
    expect(() => validateCommandSpec(bad({ timeout: 5 }))).toThrow(/objective.timeout: 5 \(unknown field/);
    expect(() => validateCommandSpec(bad({ kind: 'sg' }))).toThrow(/objective.kind: "sg"/);
    expect(() => commandObjective(bad({ values: 'accuracy' }) as CommandObjectiveSpec)).toThrow(
      /objective.values/,
    );
  });
});

describe('assignDevices', () => {
  it('gives slots device ids round-robin', () => {
    expect(assignDevices('0,1,2,3', 4)).toEqual(['0', '1', '2', '3']);
    expect(assignDevices('0,1', 5)).toEqual(['0', '1', '0', '1', '0']);
    expect(assignDevices(' 2, 3 ', 3)).toEqual(['2', '3', '2']);
    expect(assignDevices('0,1,2,3', 2)).toEqual(['0', '1']);
    expect(assignDevices('', 2)).toEqual([undefined, undefined]);
    expect(() => assignDevices('0,,1', 2)).toThrow(/invalid gpus/);
    expect(() => assignDevices('0', 1.5)).toThrow(/invalid slots/);
  });
});

describe('parseJsonLine', () => {
  it("accepts Python's non-finite tokens outside strings only", () => {
    expect(parseJsonLine('{"a": NaN, "b": -Infinity, "c": [Infinity], "s": "NaN Infinity"}')).toEqual({
      a: NaN,
      b: -Infinity,
      c: [Infinity],
      s: 'NaN Infinity',
    });
    expect(() => parseJsonLine('{"a": NaNx}')).toThrow();
    expect(() => parseJsonLine('{"a": }')).toThrow();
  });
});
