import { describe, expect, it } from 'vitest';
import { parseStudy } from './config-file.ts';

const rule = { kind: 'silent', layer: 'output', minSpikes: 1, maxSilentFraction: 0.9, checkEvery: 128 };
const study = (
  objective: Record<string, unknown>,
  earlyStopping: Record<string, unknown> = { rules: [rule] },
) => ({
  name: 's',
  objectives: [{ name: 'accuracy', direction: 'maximize' }],
  space: { lr: { type: 'float', low: 1e-4, high: 1e-2, log: true } },
  objective,
  earlyStopping,
});
const sg = { kind: 'sg', dataset: 'mnist', holdout: 100 };
const command = { kind: 'command', command: ['python3', 'train.py'], values: ['accuracy'] };

describe('parseStudy', () => {
  it('rejects a misspelt objective field when the study is loaded, naming it', () => {
    expect(() => parseStudy(study({ ...sg, trainlimit: 10 }), 't')).toThrow(
      /study.objective.trainlimit: 10 \(unknown field/,
    );
    expect(() => parseStudy(study({ ...command, timeout: 5 }), 't')).toThrow(
      /study.objective.timeout: 5 \(unknown field/,
    );
    expect(parseStudy(study(command), 't').objective).toEqual(command);
  });

  it('checks the early-stopping action and the probe, and where they can run', () => {
    expect(() => parseStudy(study(sg, { rules: [rule], action: 'pause' }), 't')).toThrow(
      /earlyStopping.action: "pause"/,
    );
    expect(() => parseStudy(study(sg, { rules: [rule], probe: { samples: 0 } }), 't')).toThrow(
      /earlyStopping.probe.samples: 0/,
    );
    expect(() => parseStudy(study(sg, { rules: [], probe: { samples: 8 } }), 't')).toThrow(
      /earlyStopping.probe.*add one/,
    );
    expect(() => parseStudy(study(command, { rules: [rule], action: 'stop-and-evaluate' }), 't')).toThrow(
      /study.earlyStopping.action.*only the sg objective/,
    );
    expect(() => parseStudy(study(command, { rules: [rule], probe: { samples: 8 } }), 't')).toThrow(
      /study.earlyStopping.probe.*sg objective only/,
    );
    const ok = parseStudy(
      study(sg, { rules: [rule], action: 'observe', probe: { samples: 8, act: false } }),
      't',
    );
    expect(ok.earlyStopping).toMatchObject({ action: 'observe', probe: { samples: 8, act: false } });
    expect(ok.constraints).toEqual(['silent:output']);
  });
});
