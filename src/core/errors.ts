/**
 * Error types shared by every module. Every error that bad input can cause names the field and the
 * value, so that a user can find the mistake without reading a stack trace.
 */

/** Base class: every error spiketune throws on purpose is one of these. */
export class SpiketuneError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpiketuneError';
    this.code = code;
  }
}

/** A value given by a user (config, CLI flag, API argument) is not acceptable. */
export class ValidationError extends SpiketuneError {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
  constructor(field: string, value: unknown, expected: string) {
    super('E_VALIDATION', `invalid ${field}: ${formatValue(value)} (${expected})`);
    this.name = 'ValidationError';
    this.field = field;
    this.value = value;
    this.expected = expected;
  }

  /** The same error with its field placed under `prefix` (e.g. "network.hidden[1]"). */
  under(prefix: string): ValidationError {
    return new ValidationError(`${prefix}.${this.field}`, this.value, this.expected);
  }
}

/** A data file is missing, malformed, or does not match its header. */
export class DataError extends SpiketuneError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('E_DATA', `${path}: ${message}`, options);
    this.name = 'DataError';
    this.path = path;
  }
}

/** Renders a value for an error message, short and unambiguous. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
