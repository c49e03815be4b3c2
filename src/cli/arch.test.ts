import { describe, expect, it } from 'vitest';
import { formatArchitecture, parseArchitecture } from './arch.ts';

describe('parseArchitecture', () => {
  it('parses dense shorthands and conv stacks, and round-trips', () => {
    expect(parseArchitecture('256,128')).toEqual([
      { kind: 'dense', units: 256 },
      { kind: 'dense', units: 128 },
    ]);
    const conv = parseArchitecture('conv:12:5,pool:2,conv:32:3:1:1,pool:2:avg,dropout:0.25,dense:100');
    expect(conv).toEqual([
      { kind: 'conv', filters: 12, kernel: 5 },
      { kind: 'pool', size: 2, mode: 'max' },
      { kind: 'conv', filters: 32, kernel: 3, stride: 1, padding: 1 },
      { kind: 'pool', size: 2, mode: 'avg' },
      { kind: 'dropout', p: 0.25 },
      { kind: 'dense', units: 100 },
    ]);
    expect(parseArchitecture(formatArchitecture(conv))).toEqual(
      conv.map((l) => (l.kind === 'conv' ? { ...l, stride: l.stride ?? 1, padding: l.padding ?? 0 } : l)),
    );
    expect(parseArchitecture('')).toEqual([]);
  });
  it('names the bad token', () => {
    expect(() => parseArchitecture('256,conv:x:5')).toThrow(/--hidden: "conv:x:5"/);
    expect(() => parseArchitecture('lstm:3')).toThrow(/"lstm:3"/);
  });
});
