/**
 * External objectives: any trainer, in any language, run as a subprocess that speaks a JSON-lines
 * protocol (docs/external-objectives.md). `commandObjective(spec)` turns such a command into an
 * `Objective`.
 *
 * The trial goes to the process as one JSON line on stdin (then stdin is closed) and in the
 * environment variable SPIKETUNE_TRIAL (`{"trial": n, "seed": s, "params": {...}}`), with
 * SPIKETUNE_TRIAL_NUMBER. The process prints JSON lines on stdout:
 *   {"type":"report","step":N,"spikes":{"layer":[count per sample, ...]},"metrics":{...}}
 *   {"type":"report","step":N,"silent":{"layer":fraction},"samples":K,"metrics":{...}}
 *   {"type":"result","values":{"accuracy":0.91},"metrics":{...}}
 * Other stdout lines are log. Each report feeds `ctx.report`; when the early stopper says 'stop', or
 * the trial is aborted, times out or breaks the protocol, the whole process group (the process runs
 * detached, as the leader of its own group) gets SIGTERM, then SIGKILL after `graceSeconds`. The
 * outcome is settled only once the process has exited, so a GPU is free again when the next trial
 * starts; processes the script left behind in its group are killed when it exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { formatValue, SpiketuneError, ValidationError } from '../core/errors.ts';
import type { ParamValues } from '../space/index.ts';
import type { TrainingReport } from '../study/early-stopping.ts';
import type { Objective, ObjectiveContext, ObjectiveOutcome } from '../study/objective.ts';

/** An objective computed by an external command (JSON-serializable, stored with the study). */
export interface CommandObjectiveSpec {
  readonly kind: 'command';
  /** argv: the program and its arguments, e.g. ["/usr/bin/python3", "train.py"] (no shell). */
  readonly command: readonly string[];
  /** Working directory of the process (default: the worker's). */
  readonly cwd?: string;
  /** Extra environment variables, over the worker's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Wall-clock limit of one trial; the process group is killed after it (default: none). */
  readonly timeoutSeconds?: number;
  /** Time between SIGTERM and SIGKILL when the process is stopped (default 10). */
  readonly graceSeconds?: number;
  /** Names of the result's `values` fields giving the study's objective values, in order. */
  readonly values: readonly string[];
}

export interface CommandObjectiveOptions {
  /** When set, the process gets CUDA_VISIBLE_DEVICES=<device> (one GPU per worker slot). */
  readonly device?: string;
}

/** Why an external command failed; `message` is the reason the study records. */
export type CommandFailure =
  | 'spawn'
  | 'exit'
  | 'no-result'
  | 'protocol'
  | 'bad-json'
  | 'bad-value'
  | 'timeout'
  | 'interrupted'
  | 'report';

export class CommandObjectiveError extends SpiketuneError {
  readonly kind: CommandFailure;
  constructor(kind: CommandFailure, message: string, options?: { cause?: unknown }) {
    super('E_COMMAND', message, options);
    this.name = 'CommandObjectiveError';
    this.kind = kind;
  }
}

/** Default time between SIGTERM and SIGKILL. */
export const defaultGraceSeconds = 10;
/** Non-protocol stdout lines kept for error messages. */
const logLines = 50;
/** Characters of stderr kept for error messages. */
const stderrChars = 4096;
/** A stdout line longer than this (without a newline) breaks the protocol. */
const maxLineChars = 64 * 1024 * 1024;
/** After the process exits, how long to wait for its stdout/stderr to close (a escaped grandchild may hold them). */
const closeWaitMs = 2000;

const specKeys = new Set(['kind', 'command', 'cwd', 'env', 'timeoutSeconds', 'graceSeconds', 'values']);

/** Checks a command objective spec (e.g. parsed from a study config); returns a clean copy. */
export function validateCommandSpec(spec: unknown, field = 'objective'): CommandObjectiveSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ValidationError(field, spec, 'expected an object');
  }
  const s = spec as Record<string, unknown>;
  if (s.kind !== 'command') throw new ValidationError(`${field}.kind`, s.kind, 'expected "command"');
  for (const k of Object.keys(s)) {
    if (!specKeys.has(k)) {
      throw new ValidationError(`${field}.${k}`, s[k], `unknown field (known: ${[...specKeys].join(', ')})`);
    }
  }
  const command = s.command;
  if (!Array.isArray(command) || command.length === 0) {
    throw new ValidationError(
      `${field}.command`,
      command,
      'expected a non-empty list of strings (argv: program, then arguments)',
    );
  }
  command.forEach((a, i) => {
    if (typeof a !== 'string') throw new ValidationError(`${field}.command[${i}]`, a, 'expected a string');
    if (i === 0 && a === '') throw new ValidationError(`${field}.command[0]`, a, 'expected a program name');
  });
  const out: {
    kind: 'command';
    command: string[];
    values: string[];
    cwd?: string;
    env?: Record<string, string>;
    timeoutSeconds?: number;
    graceSeconds?: number;
  } = { kind: 'command', command: [...(command as string[])], values: [] };
  if (s.cwd !== undefined) {
    if (typeof s.cwd !== 'string' || s.cwd === '') {
      throw new ValidationError(`${field}.cwd`, s.cwd, 'expected a directory path');
    }
    out.cwd = s.cwd;
  }
  if (s.env !== undefined) {
    if (typeof s.env !== 'object' || s.env === null || Array.isArray(s.env)) {
      throw new ValidationError(`${field}.env`, s.env, 'expected an object of name: string value');
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.env as Record<string, unknown>)) {
      if (k === '' || k.includes('=') || k.includes('\0')) {
        throw new ValidationError(`${field}.env`, k, 'expected variable names without "=" or NUL');
      }
      if (typeof v !== 'string') {
        throw new ValidationError(`${field}.env.${k}`, v, 'expected a string (quote numbers in YAML)');
      }
      env[k] = v;
    }
    out.env = env;
  }
  if (s.timeoutSeconds !== undefined) {
    const t = s.timeoutSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      throw new ValidationError(`${field}.timeoutSeconds`, t, 'expected a finite number of seconds > 0');
    }
    out.timeoutSeconds = t;
  }
  if (s.graceSeconds !== undefined) {
    const g = s.graceSeconds;
    if (typeof g !== 'number' || !Number.isFinite(g) || g < 0) {
      throw new ValidationError(`${field}.graceSeconds`, g, 'expected a finite number of seconds >= 0');
    }
    out.graceSeconds = g;
  }
  const values = s.values;
  if (!Array.isArray(values) || values.length === 0) {
    throw new ValidationError(
      `${field}.values`,
      values,
      'expected a non-empty list of result field names, one per study objective',
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') {
      throw new ValidationError(`${field}.values[${i}]`, v, 'expected a result field name');
    }
    if (values.indexOf(v) !== i) throw new ValidationError(`${field}.values[${i}]`, v, 'duplicate name');
  });
  out.values = [...(values as string[])];
  return out;
}

/**
 * Gives each of `slots` worker slots one device id from a comma-separated list (e.g. "0,1,2,3"),
 * round-robin; an empty list leaves every slot without a device (undefined).
 */
export function assignDevices(gpus: string, slots: number): (string | undefined)[] {
  if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 0) {
    throw new ValidationError('slots', slots, 'expected an integer >= 0');
  }
  if (typeof gpus !== 'string') throw new ValidationError('gpus', gpus, 'expected a comma-separated list');
  if (gpus.trim() === '') return Array.from({ length: slots }, () => undefined);
  const ids = gpus.split(',').map((g) => g.trim());
  ids.forEach((id, i) => {
    if (id === '' || /\s/.test(id)) {
      throw new ValidationError(
        'gpus',
        gpus,
        `expected comma-separated device ids (entry ${i + 1} is empty)`,
      );
    }
  });
  return Array.from({ length: slots }, (_, i) => ids[i % ids.length]);
}

/** The trial as the process receives it (stdin line and SPIKETUNE_TRIAL). */
export interface TrialMessage {
  readonly trial: number;
  readonly seed: number;
  readonly params: ParamValues;
}

/** Builds the objective that runs `spec`'s command once per trial. */
export function commandObjective(
  spec: CommandObjectiveSpec,
  options: CommandObjectiveOptions = {},
): Objective {
  const s = validateCommandSpec(spec);
  const device = options.device;
  if (device !== undefined && (typeof device !== 'string' || device.trim() === '')) {
    throw new ValidationError('device', device, 'expected a device id such as "0"');
  }
  return (params, ctx) => runCommand(s, device, params, ctx);
}

/** Parses a JSON line, accepting Python's NaN, Infinity and -Infinity (json.dumps writes them). */
export function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    if (!/NaN|Infinity/.test(line)) throw err;
    const replaced = replaceNonFiniteTokens(line);
    if (replaced === line) throw err;
    try {
      return JSON.parse(replaced, (_k, v) =>
        v === '\u0000NaN' ? NaN : v === '\u0000Inf' ? Infinity : v === '\u0000-Inf' ? -Infinity : v,
      );
    } catch {
      throw err;
    }
  }
}

/** Replaces bare NaN / Infinity / -Infinity tokens (outside strings) by sentinel strings. */
function replaceNonFiniteTokens(line: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += line[i + 1] ?? '';
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (line.startsWith('NaN', i)) {
      out += '"\\u0000NaN"';
      i += 2;
    } else if (line.startsWith('-Infinity', i)) {
      out += '"\\u0000-Inf"';
      i += 8;
    } else if (line.startsWith('Infinity', i)) {
      out += '"\\u0000Inf"';
      i += 7;
    } else out += c;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Numbers of an object (metrics); names the offending entry. NaN/±Infinity are allowed. */
function numberRecord(v: unknown, where: string): Record<string, number> {
  if (!isRecord(v)) throw new Error(`${where} must be an object of numbers, got ${formatValue(v)}`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number') throw new Error(`${where}.${k} must be a number, got ${formatValue(x)}`);
    out[k] = x;
  }
  return out;
}

/** Turns a parsed report line into a TrainingReport; throws a message naming the bad field. */
function parseReport(m: Record<string, unknown>): TrainingReport {
  const step = m.step;
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
    throw new Error(`"step" must be a finite number >= 0, got ${formatValue(step)}`);
  }
  const r: {
    step: number;
    sampleSpikes?: Record<string, number[]>;
    silentFraction?: Record<string, number>;
    samples?: number;
    metrics?: Record<string, number>;
  } = { step };
  if (m.spikes !== undefined) {
    if (!isRecord(m.spikes)) {
      throw new Error(`"spikes" must map layer names to lists of per-sample spike counts`);
    }
    const spikes: Record<string, number[]> = {};
    for (const [layer, counts] of Object.entries(m.spikes)) {
      if (!Array.isArray(counts) || counts.some((c) => typeof c !== 'number' || !(c >= 0))) {
        throw new Error(`"spikes.${layer}" must be a list of spike counts >= 0 (one per sample)`);
      }
      spikes[layer] = counts as number[];
    }
    r.sampleSpikes = spikes;
  }
  if (m.silent !== undefined) {
    if (!isRecord(m.silent)) throw new Error(`"silent" must map layer names to silent fractions`);
    const silent: Record<string, number> = {};
    for (const [layer, f] of Object.entries(m.silent)) {
      if (typeof f !== 'number' || !(f >= 0 && f <= 1)) {
        throw new Error(`"silent.${layer}" must be a fraction in [0, 1], got ${formatValue(f)}`);
      }
      silent[layer] = f;
    }
    const k = m.samples;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new Error(
        `"samples" (the number of samples the silent fractions cover) must be an integer >= 1, got ${formatValue(k)}`,
      );
    }
    r.silentFraction = silent;
    r.samples = k;
  }
  if (m.metrics !== undefined) r.metrics = numberRecord(m.metrics, '"metrics"');
  return r;
}

/** Runs one trial of the command; settles once the process has exited. */
function runCommand(
  spec: CommandObjectiveSpec,
  device: string | undefined,
  params: ParamValues,
  ctx: ObjectiveContext,
): Promise<ObjectiveOutcome> {
  const program = spec.command[0];
  const graceMs = 1000 * (spec.graceSeconds ?? defaultGraceSeconds);
  const fail = (kind: CommandFailure, message: string, cause?: unknown): CommandObjectiveError =>
    new CommandObjectiveError(kind, message, cause === undefined ? undefined : { cause });
  const interrupted = (): CommandObjectiveError => {
    const reason = ctx.signal.reason;
    const why =
      reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
    return fail('interrupted', `trial ${ctx.trialNumber} interrupted${why}`, reason);
  };

  return new Promise<ObjectiveOutcome>((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(interrupted());
      return;
    }
    const trial: TrialMessage = { trial: ctx.trialNumber, seed: ctx.seed, params };
    const trialJson = JSON.stringify(trial);
    const env: Record<string, string | undefined> = { ...process.env };
    // Python block-buffers a piped stdout: without this, reports would arrive in 8 KiB bursts.
    if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
    Object.assign(env, spec.env ?? {});
    env.SPIKETUNE_TRIAL = trialJson;
    env.SPIKETUNE_TRIAL_NUMBER = String(ctx.trialNumber);
    if (device !== undefined) env.CUDA_VISIBLE_DEVICES = device;

    let child: ChildProcess | undefined;
    let exited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let settled = false;
    /** Set once the process is being stopped: no more lines are handled. */
    let killing = false;
    let failure: CommandObjectiveError | null = null;
    let stopped = false;
    let result: { line: number; values: number[]; metrics?: Record<string, number> } | null = null;
    let lineNo = 0;
    let partial = '';
    const log: string[] = [];
    let stderr = '';
    let stderrDropped = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    /** The command as shown in messages. */
    const commandName = (): string =>
      spec.command.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');

    const signalGroup = (sig: NodeJS.Signals): void => {
      const pid = child?.pid;
      if (pid === undefined) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };

    /** Stops the process group: SIGTERM now, SIGKILL after the grace period if still running. */
    const kill = (): void => {
      if (killing) return;
      killing = true;
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      if (exited || child?.pid === undefined) return;
      signalGroup('SIGTERM');
      graceTimer = setTimeout(() => {
        if (!exited) signalGroup('SIGKILL');
      }, graceMs);
    };

    /** Records the first failure and stops the process. */
    const failWith = (e: CommandObjectiveError): void => {
      if (failure === null && !stopped) failure = e;
      kill();
    };

    const onAbort = (): void => failWith(interrupted());

    const tails = (): string => {
      const parts: string[] = [];
      const err = stderr.trimEnd();
      if (err !== '') parts.push(`stderr${stderrDropped ? ' (tail)' : ''}:\n${err}`);
      else if (log.length > 0) parts.push(`last stdout lines:\n${log.join('\n')}`);
      return parts.length > 0 ? `\n${parts.join('\n')}` : '';
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      if (closeTimer !== undefined) clearTimeout(closeTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (partial !== '' && !killing) handleLine(partial);
      if (failure !== null) {
        reject(failure);
        return;
      }
      if (stopped) {
        resolve({ status: 'stopped' });
        return;
      }
      if (exitCode !== 0) {
        const how =
          exitSignal !== null ? `was killed by signal ${exitSignal}` : `exited with code ${exitCode}`;
        reject(fail('exit', `${commandName()} ${how}${tails()}`));
        return;
      }
      if (result === null) {
        reject(
          fail(
            'no-result',
            `${commandName()} exited without a result line ({"type":"result","values":{...}} on stdout)${tails()}`,
          ),
        );
        return;
      }
      resolve(
        result.metrics === undefined
          ? { status: 'complete', values: result.values }
          : { status: 'complete', values: result.values, metrics: result.metrics },
      );
    };

    const handleResult = (m: Record<string, unknown>, line: number): void => {
      if (result !== null) {
        throw fail(
          'protocol',
          `stdout line ${line}: a second result line (the first was line ${result.line})`,
        );
      }
      const v = m.values;
      if (!isRecord(v)) {
        throw fail('protocol', `stdout line ${line}: the result's "values" must be an object of numbers`);
      }
      const values = spec.values.map((name) => {
        if (!(name in v)) {
          const given = Object.keys(v);
          throw fail(
            'bad-value',
            `result (stdout line ${line}) lacks value "${name}" (it has: ${given.length > 0 ? given.join(', ') : 'none'})`,
          );
        }
        const x = v[name];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          throw fail(
            'bad-value',
            `result (stdout line ${line}): value "${name}" is ${typeof x === 'number' ? String(x) : formatValue(x)}, not a finite number`,
          );
        }
        return x;
      });
      let metrics: Record<string, number> | undefined;
      if (m.metrics !== undefined) {
        try {
          metrics = numberRecord(m.metrics, '"metrics"');
        } catch (e) {
          throw fail('protocol', `stdout line ${line}: ${(e as Error).message}`);
        }
      }
      result = metrics === undefined ? { line, values } : { line, values, metrics };
    };

    function handleLine(raw: string): void {
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (killing) return;
      if (!line.trimStart().startsWith('{')) {
        log.push(line);
        if (log.length > logLines) log.shift();
        return;
      }
      let m: unknown;
      try {
        m = parseJsonLine(line);
      } catch (e) {
        const shown = line.length > 200 ? `${line.slice(0, 197)}...` : line;
        failWith(
          fail('bad-json', `stdout line ${lineNo} is not valid JSON (${(e as Error).message}): ${shown}`, e),
        );
        return;
      }
      if (!isRecord(m) || (m.type !== 'report' && m.type !== 'result')) {
        // Some other JSON object (e.g. a library's structured log): kept as log.
        log.push(line);
        if (log.length > logLines) log.shift();
        return;
      }
      try {
        if (m.type === 'result') {
          handleResult(m, lineNo);
          return;
        }
        if (result !== null) {
          throw fail('protocol', `stdout line ${lineNo}: a report after the result (line ${result.line})`);
        }
        let report: TrainingReport;
        try {
          report = parseReport(m);
        } catch (e) {
          throw fail('protocol', `stdout line ${lineNo}: bad report: ${(e as Error).message}`);
        }
        let decision: 'stop' | undefined;
        try {
          decision = ctx.report(report);
        } catch (e) {
          throw fail('report', `reporting stdout line ${lineNo} failed: ${(e as Error).message}`, e);
        }
        if (decision === 'stop' && failure === null) {
          stopped = true;
          kill();
        }
      } catch (e) {
        failWith(e instanceof CommandObjectiveError ? e : fail('protocol', String(e)));
      }
    }

    const onStdout = (chunk: string): void => {
      partial += chunk;
      let nl = partial.indexOf('\n');
      while (nl >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        handleLine(line);
        nl = partial.indexOf('\n');
      }
      if (partial.length > maxLineChars) {
        partial = '';
        failWith(
          fail('protocol', `stdout line ${lineNo + 1} exceeds ${maxLineChars} characters without a newline`),
        );
      }
    };

    const onStderr = (chunk: string): void => {
      stderr += chunk;
      if (stderr.length > 2 * stderrChars) {
        stderr = stderr.slice(-stderrChars);
        stderrDropped = true;
      }
    };

    const start = (): void => {
      try {
        child = spawn(program, spec.command.slice(1), {
          ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
          env,
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        settled = true;
        ctx.signal.removeEventListener('abort', onAbort);
        reject(fail('spawn', `cannot start ${JSON.stringify(program)}: ${(e as Error).message}`, e));
        return;
      }
      const c = child;
      c.on('error', (e: NodeJS.ErrnoException) => {
        // A started process settles through 'exit'/'close'; only a failed start settles here.
        if (c.pid !== undefined || settled) return;
        settled = true;
        if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
        ctx.signal.removeEventListener('abort', onAbort);
        const why =
          e.code === 'ENOENT'
            ? 'command not found (ENOENT)'
            : e.code === 'EACCES'
              ? 'permission denied (EACCES: not executable?)'
              : e.message;
        reject(fail('spawn', `cannot start ${JSON.stringify(program)}: ${why}`, e));
      });
      if (c.pid === undefined) return; // the 'error' event follows
      c.stdin?.on('error', () => {
        // EPIPE: the process exited (or closed stdin) without reading the trial; it still has the env.
      });
      c.stdin?.end(`${trialJson}\n`);
      c.stdout?.setEncoding('utf8');
      c.stdout?.on('data', onStdout);
      c.stderr?.setEncoding('utf8');
      c.stderr?.on('data', onStderr);
      c.on('exit', (code, sig) => {
        exited = true;
        exitCode = code;
        exitSignal = sig;
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        // Whatever the script left behind in its group (data-loader workers, a `sleep`) goes with it.
        signalGroup('SIGKILL');
        closeTimer = setTimeout(() => {
          c.stdout?.destroy();
          c.stderr?.destroy();
          finish();
        }, closeWaitMs);
      });
      c.on('close', () => finish());
      if (spec.timeoutSeconds !== undefined) {
        const t = spec.timeoutSeconds;
        timeoutTimer = setTimeout(
          () => failWith(fail('timeout', `${commandName()} timed out after ${t} s`)),
          1000 * t,
        );
      }
    };

    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (spec.cwd === undefined) {
      start();
      return;
    }
    const cwd = spec.cwd;
    stat(cwd).then(
      (st) => {
        if (ctx.signal.aborted) {
          ctx.signal.removeEventListener('abort', onAbort);
          reject(interrupted());
        } else if (!st.isDirectory()) {
          ctx.signal.removeEventListener('abort', onAbort);
          reject(
            fail(
              'spawn',
              `cannot start ${JSON.stringify(program)}: cwd ${JSON.stringify(cwd)} is not a directory`,
            ),
          );
        } else start();
      },
      (e: NodeJS.ErrnoException) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(
          fail(
            'spawn',
            `cannot start ${JSON.stringify(program)}: cwd ${JSON.stringify(cwd)} ${e.code === 'ENOENT' ? 'does not exist' : `is not accessible (${e.code ?? e.message})`}`,
            e,
          ),
        );
      },
    );
  });
}
