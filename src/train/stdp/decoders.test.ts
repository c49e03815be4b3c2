import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import {
  accuracy,
  assignLabels,
  LogisticDecoder,
  NgramDecoder,
  ordersFrom,
  predictAllActivity,
  predictVote,
  SpikeOrdersBuilder,
} from './decoders.ts';

describe('label assignment', () => {
  it('assigns each neuron the class of its highest mean response; silent neurons get none', () => {
    // 3 neurons, 2 classes. Class 0 samples: neuron 0 fires twice, neuron 1 once.
    // Class 1 samples: neuron 1 fires three times. Neuron 2 never fires.
    const orders = ordersFrom([
      [0, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const labels = [0, 0, 1, 1, 1];
    const a = assignLabels(orders, labels, 3, 2);
    expect([...a.assignments]).toEqual([0, 1, -1]);
    expect(a.rates[0 * 2 + 0]).toBe(2); // neuron 0, class 0: (2 + 2) / 2
    expect(a.rates[1 * 2 + 0]).toBe(1);
    expect(a.rates[1 * 2 + 1]).toBe(3);
    expect(a.proportions[1 * 2 + 1]).toBeCloseTo(0.75, 12);
    expect(a.proportions[2 * 2 + 0]).toBe(0);
  });
});

describe('all-activity and proportion-weighting decoders', () => {
  // Neurons 0, 1 -> class 0; neuron 2 -> class 1 (from the training set below).
  const train = ordersFrom([
    [0, 1],
    [0, 1, 2],
    [2, 2],
    [2, 2, 2],
  ]);
  const labels = [0, 0, 1, 1];
  const a = assignLabels(train, labels, 3, 2);

  it('all: the class whose assigned neurons fire most on average', () => {
    expect([...a.assignments]).toEqual([0, 0, 1]);
    // Sample A: neuron 0 ×3 -> class 0 mean 1.5 vs class 1 mean 0.
    // Sample B: neuron 0 ×2 and neuron 2 ×2 -> class 0 mean 1 vs class 1 mean 2.
    // Sample C: nothing -> tie, class 0.
    const test = ordersFrom([[0, 0, 0], [0, 2, 0, 2], []]);
    expect([...predictAllActivity(test, a)]).toEqual([0, 1, 0]);
  });

  it('vote: each spike weighted by its neuron’s proportion for the class', () => {
    // Proportions: neuron 0 -> class 0 only (1.0); neuron 1 -> class 0 only; neuron 2: rate class 0
    // = 0.5, class 1 = 2.5, proportion 5/6 for class 1.
    expect(a.proportions[2 * 2 + 1]).toBeCloseTo(5 / 6, 12);
    // Sample: neuron 1 ×2, neuron 2 ×2: class 0 score 2·1/2 = 1, class 1 score 2·(5/6)/1 = 5/3.
    const test = ordersFrom([[1, 2, 1, 2]]);
    expect([...predictVote(test, a)]).toEqual([1]);
    // Sample: neuron 1 ×3, neuron 2 ×1: class 0 = 1.5, class 1 = 5/6.
    expect([...predictVote(ordersFrom([[1, 1, 1, 2]]), a)]).toEqual([0]);
  });
});

describe('n-gram decoders', () => {
  it('tell apart firing orders with equal spike counts', () => {
    const train = ordersFrom([
      [0, 0, 1, 1],
      [0, 0, 1, 1],
      [1, 1, 0, 0],
      [1, 1, 0, 0],
    ]);
    const labels = [0, 0, 1, 1];
    const a = assignLabels(train, labels, 2, 2);
    const test = ordersFrom([
      [0, 0, 1, 1],
      [1, 1, 0, 0],
    ]);
    // Counts are identical: all-activity cannot tell them apart.
    expect([...predictAllActivity(test, a)]).toEqual([0, 0]);
    const bi = new NgramDecoder(2, 2, 2).fit(train, labels);
    expect(bi.size).toBe(4); // (0,0) (0,1) (1,1) (1,0)
    expect([...bi.predict(test)]).toEqual([0, 1]);
    const tri = new NgramDecoder(3, 2, 2).fit(train, labels);
    expect(tri.size).toBe(4);
    expect([...tri.predict(test)]).toEqual([0, 1]);
  });

  it('uses every n-gram of a sample and falls back when none is known', () => {
    const train = ordersFrom([
      [3, 4],
      [4, 3],
    ]);
    const bi = new NgramDecoder(2, 5, 3).fit(train, [1, 2]);
    // Only the last bigram of [0, 4, 3] is known: BindsNET's loop would skip it.
    expect([...bi.predict(ordersFrom([[0, 4, 3]]))]).toEqual([2]);
    const fallback = Int32Array.from([1, 2]);
    expect([...bi.predict(ordersFrom([[0, 1], [2]]), fallback)]).toEqual([1, 2]);
  });
});

describe('logistic-regression read-out', () => {
  it('learns a separable problem on spike counts, deterministically per seed', () => {
    // 4 classes, 12 neurons: class c fires neurons 3c..3c+2 a few times, plus a random other neuron.
    const make = (
      seed: number,
      n: number,
    ): { orders: ReturnType<SpikeOrdersBuilder['build']>; labels: number[] } => {
      const rng = new Rng(seed);
      const b = new SpikeOrdersBuilder(n);
      const labels: number[] = [];
      for (let s = 0; s < n; s++) {
        const c = rng.int(4);
        const o: number[] = [];
        for (let k = 0; k < 3 + rng.int(3); k++) o.push(3 * c + rng.int(3));
        o.push(rng.int(12));
        b.add(o, o.length);
        labels.push(c);
      }
      return { orders: b.build(), labels };
    };
    const tr = make(1, 400);
    const te = make(2, 200);
    const train = (seed: number): LogisticDecoder =>
      new LogisticDecoder(12, 4).fit(tr.orders, tr.labels, { epochs: 10, lr: 0.05, rng: new Rng(seed) });
    const m = train(3);
    expect(accuracy(m.predict(te.orders), te.labels)).toBeGreaterThan(0.95);
    expect([...train(3).params]).toEqual([...m.params]);
    expect([...train(4).params]).not.toEqual([...m.params]);
  });
});

describe('SpikeOrdersBuilder', () => {
  it('grows and keeps every sample', () => {
    const b = new SpikeOrdersBuilder(1);
    const lists = [[1, 2, 3], [], [4], Array.from({ length: 100 }, (_, i) => i % 7)];
    for (const l of lists) b.add(l, l.length);
    const o = b.build();
    expect(o.samples).toBe(4);
    for (let s = 0; s < 4; s++) expect([...o.idx.subarray(o.ptr[s], o.ptr[s + 1])]).toEqual(lists[s]);
  });
});
