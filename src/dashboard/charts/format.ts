/** Numbers, parameter values and durations as text for people. */
import type { ParamValue } from './types.ts';

/** A number for people: integers as is, else 4 significant digits (exponent when tiny or huge). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

export function formatParam(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

/** Seconds for people: "0.25 s", "42 s" under a minute, else m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const a = Math.max(0, seconds);
  if (a < 60) return `${a < 10 && a !== Math.round(a) ? Number(a.toPrecision(2)) : Math.round(a)} s`;
  const s = Math.round(a);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
