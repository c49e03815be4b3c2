import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { resolveStdpConfig, type StdpConfigInput, stdpDefaults, stdpSeedRanges } from './config.ts';

function errorOf(input: StdpConfigInput): ValidationError {
  try {
    resolveStdpConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('resolveStdpConfig', () => {
  it('fills BindsNET defaults', () => {
    const c = resolveStdpConfig({});
    expect(c).toMatchObject({
      mapSize: 100,
      time: 350,
      intensity: 128,
      nuPre: 1e-4,
      nuPost: 1e-2,
      norm: 78.4,
      excStrength: 22.5,
      excThreshold: -52,
      excRest: -65,
      excReset: -60,
      excRefractory: 5,
      excTcDecay: 100,
      thetaPlus: 0.05,
      tcThetaDecay: 1e7,
      inhThreshold: -40,
      inhRest: -60,
      inhReset: -45,
      inhRefractory: 2,
      inhTcDecay: 10,
      oneSpike: true,
      decoder: 'all',
    });
    expect(resolveStdpConfig({ mapSize: 400, oneSpike: undefined } as never).oneSpike).toBe(true);
  });

  it.each([
    [{ mapSize: 0 }, 'stdp.mapSize', 0],
    [{ mapSize: 2.5 }, 'stdp.mapSize', 2.5],
    [{ time: -1 }, 'stdp.time', -1],
    [{ intensity: 2000 }, 'stdp.intensity', 2000],
    [{ intensity: 0 }, 'stdp.intensity', 0],
    [{ epochs: 0 }, 'stdp.epochs', 0],
    [{ nuPre: -1e-4 }, 'stdp.nuPre', -1e-4],
    [{ nuPost: Number.NaN }, 'stdp.nuPost', Number.NaN],
    [{ norm: 0 }, 'stdp.norm', 0],
    [{ excStrength: -1 }, 'stdp.excStrength', -1],
    [{ inhStrength: Number.POSITIVE_INFINITY }, 'stdp.inhStrength', Number.POSITIVE_INFINITY],
    [{ excRest: -50 }, 'stdp.excRest', -50],
    [{ excReset: -52 }, 'stdp.excReset', -52],
    [{ excRefractory: 1.5 }, 'stdp.excRefractory', 1.5],
    [{ excTcDecay: 0 }, 'stdp.excTcDecay', 0],
    [{ thetaPlus: -0.1 }, 'stdp.thetaPlus', -0.1],
    [{ tcThetaDecay: -5 }, 'stdp.tcThetaDecay', -5],
    [{ inhThreshold: -70 }, 'stdp.inhRest', -60],
    [{ inhRefractory: -1 }, 'stdp.inhRefractory', -1],
    [{ inhTcDecay: 0 }, 'stdp.inhTcDecay', 0],
    [{ decoder: 'knn' as never }, 'stdp.decoder', 'knn'],
    [{ oneSpike: 1 as never }, 'stdp.oneSpike', 1],
    [{ labelSamples: -3 }, 'stdp.labelSamples', -3],
    [{ seed: -1 }, 'stdp.seed', -1],
    [{ mapsize: 10 } as never, 'stdp.mapsize', 10],
  ])('rejects %j naming the field and the value', (input, field, value) => {
    const e = errorOf(input as StdpConfigInput);
    expect(e.field).toBe(field);
    expect(Object.is(e.value, value) || e.value === value).toBe(true);
    expect(e.message).toContain(field);
  });

  it('accepts every corner of the seed paper’s search space', () => {
    for (const corner of [0, 1]) {
      const input: Record<string, unknown> = {};
      for (const r of stdpSeedRanges) {
        if (r.kind === 'categorical') input[r.name] = (r.choices as readonly string[])[corner];
        else if (r.high !== undefined) input[r.name] = corner === 0 ? r.low : r.high;
      }
      expect(() => resolveStdpConfig(input as StdpConfigInput)).not.toThrow();
    }
    expect(stdpSeedRanges).toHaveLength(18);
    for (const r of stdpSeedRanges) expect(r.name in stdpDefaults).toBe(true);
  });
});
