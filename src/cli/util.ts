import cliProgress from 'cli-progress';
import { ValidationError } from '../core/errors.ts';

/** Parses a numeric CLI value, naming the flag on error. */
export function num(flag: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new ValidationError(flag, v, 'expected a number');
  return x;
}

/** Parses an integer CLI value, naming the flag on error. */
export function int(flag: string, v: string): number {
  const x = num(flag, v);
  if (!Number.isInteger(x)) throw new ValidationError(flag, v, 'expected an integer');
  return x;
}

/** A progress bar on stderr (cleared when it stops). */
export function createBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | spikes/sample {spikes} | {rate} samples/s',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
}
