import { ValidationError } from '../core/errors.ts';
import type { LayerSpec } from '../snn/network.ts';

/**
 * Parses a compact architecture string into hidden layer specs:
 *   "256,128"                     two dense layers
 *   "conv:12:5,pool:2,conv:64:5,pool:2,dropout:0.2"
 * Tokens: N | dense:N | conv:FILTERS:KERNEL[:STRIDE[:PADDING]] | pool:SIZE[:max|avg] | dropout:P.
 */
export function parseArchitecture(text: string, field = '--hidden'): LayerSpec[] {
  const s = text.trim();
  if (s === '' || s === 'none') return [];
  return s.split(',').map((raw) => {
    const tok = raw.trim();
    const parts = tok.split(':');
    const num = (i: number, what: string): number => {
      const v = Number(parts[i]);
      if (parts[i] === undefined || parts[i] === '' || !Number.isFinite(v)) {
        throw new ValidationError(field, tok, `${what} must be a number`);
      }
      return v;
    };
    if (parts.length === 1) return { kind: 'dense', units: num(0, 'dense width') };
    switch (parts[0]) {
      case 'dense':
        return { kind: 'dense', units: num(1, 'dense width') };
      case 'conv': {
        const spec: LayerSpec = {
          kind: 'conv',
          filters: num(1, 'conv filters'),
          kernel: num(2, 'conv kernel'),
          ...(parts.length > 3 ? { stride: num(3, 'conv stride') } : {}),
          ...(parts.length > 4 ? { padding: num(4, 'conv padding') } : {}),
        };
        return spec;
      }
      case 'pool': {
        const mode = parts[2] ?? 'max';
        if (mode !== 'max' && mode !== 'avg')
          throw new ValidationError(field, tok, 'pool mode must be max or avg');
        return { kind: 'pool', size: num(1, 'pool size'), mode };
      }
      case 'dropout':
        return { kind: 'dropout', p: num(1, 'dropout probability') };
      default:
        throw new ValidationError(
          field,
          tok,
          'expected N, dense:N, conv:F:K[:S[:P]], pool:S[:max|avg] or dropout:P',
        );
    }
  });
}

/** The inverse of parseArchitecture (for display and JSON). */
export function formatArchitecture(layers: readonly LayerSpec[]): string {
  return layers
    .map((l): string => {
      switch (l.kind) {
        case 'dense':
          return String(l.units);
        case 'conv':
          return `conv:${l.filters}:${l.kernel}:${l.stride ?? 1}:${l.padding ?? 0}`;
        case 'pool':
          return `pool:${l.size}:${l.mode ?? 'max'}`;
        default:
          return `dropout:${l.p}`;
      }
    })
    .join(',');
}
