/**
 * Sobol' low-discrepancy sequence in up to 128 dimensions, plain or randomized, for initial designs
 * and candidate sets of the optimizer. Points come in Gray-code order (as in scipy.stats.qmc.Sobol and
 * torch.quasirandom.SobolEngine), so that every prefix of 2^k points is a (t, k, d)-net: in every
 * dimension each of the 2^k intervals [j / 2^k, (j + 1) / 2^k) holds exactly one point.
 *
 * Coordinates are 32-bit binary fractions (up to 2^32 points). Randomizations, both of which keep the
 * net property:
 * - 'lms': random linear matrix scrambling plus a digital shift (Matoušek 1998), as scipy's and
 *   PyTorch's `scramble=True`: each dimension's direction numbers are multiplied by a random lower
 *   triangular binary matrix with unit diagonal, then every point is XORed with a random shift.
 * - 'owen': nested uniform scrambling (Owen 1995): digit k of a coordinate is flipped by a random bit
 *   chosen by its k leading digits; the bits come from a hash of (tree node, seeded key) rather than
 *   a stored tree (Laine & Karras 2011; Burley 2020).
 *
 * Direction numbers: Joe & Kuo (2008), file new-joe-kuo-6.21201, dimensions 2 to 128 (dimension 1 is
 * the van der Corput sequence and needs none).
 */
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { checkInt, checkOneOf } from '../core/validate.ts';

/** Highest dimension the embedded direction numbers support. */
export const SOBOL_MAX_DIMENSION = 128;
/** Most points one sequence can produce (32-bit coordinates). */
export const SOBOL_MAX_POINTS = 2 ** 32;
const BITS = 32;
const TWO_POW_32 = 4294967296;

/**
 * Joe & Kuo's table, one line per dimension from 2 to 128: s (degree of the primitive polynomial),
 * a (its inner coefficients as bits, highest degree first), then the s initial direction numbers
 * m_1 … m_s (m_k odd, m_k < 2^k). Checked against scipy's copy of new-joe-kuo-6.21201.
 */
const JOE_KUO = `
1 0 1
2 1 1 3
3 1 1 3 1
3 2 1 1 1
4 1 1 1 3 3
4 4 1 3 5 13
5 2 1 1 5 5 17
5 4 1 1 5 5 5
5 7 1 1 7 11 19
5 11 1 1 5 1 1
5 13 1 1 1 3 11
5 14 1 3 5 5 31
6 1 1 3 3 9 7 49
6 13 1 1 1 15 21 21
6 16 1 3 1 13 27 49
6 19 1 1 1 15 7 5
6 22 1 3 1 15 13 25
6 25 1 1 5 5 19 61
7 1 1 3 7 11 23 15 103
7 4 1 3 7 13 13 15 69
7 7 1 1 3 13 7 35 63
7 8 1 3 5 9 1 25 53
7 14 1 3 1 13 9 35 107
7 19 1 3 1 5 27 61 31
7 21 1 1 5 11 19 41 61
7 28 1 3 5 3 3 13 69
7 31 1 1 7 13 1 19 1
7 32 1 3 7 5 13 19 59
7 37 1 1 3 9 25 29 41
7 41 1 3 5 13 23 1 55
7 42 1 3 7 3 13 59 17
7 50 1 3 1 3 5 53 69
7 55 1 1 5 5 23 33 13
7 56 1 1 7 7 1 61 123
7 59 1 1 7 9 13 61 49
7 62 1 3 3 5 3 55 33
8 14 1 3 1 15 31 13 49 245
8 21 1 3 5 15 31 59 63 97
8 22 1 3 1 11 11 11 77 249
8 38 1 3 1 11 27 43 71 9
8 47 1 1 7 15 21 11 81 45
8 49 1 3 7 3 25 31 65 79
8 50 1 3 1 1 19 11 3 205
8 52 1 1 5 9 19 21 29 157
8 56 1 3 7 11 1 33 89 185
8 67 1 3 3 3 15 9 79 71
8 70 1 3 7 11 15 39 119 27
8 84 1 1 3 1 11 31 97 225
8 97 1 1 1 3 23 43 57 177
8 103 1 3 7 7 17 17 37 71
8 115 1 3 1 5 27 63 123 213
8 122 1 1 3 5 11 43 53 133
9 8 1 3 5 5 29 17 47 173 479
9 13 1 3 3 11 3 1 109 9 69
9 16 1 1 1 5 17 39 23 5 343
9 22 1 3 1 5 25 15 31 103 499
9 25 1 1 1 11 11 17 63 105 183
9 44 1 1 5 11 9 29 97 231 363
9 47 1 1 5 15 19 45 41 7 383
9 52 1 3 7 7 31 19 83 137 221
9 55 1 1 1 3 23 15 111 223 83
9 59 1 1 5 13 31 15 55 25 161
9 62 1 1 3 13 25 47 39 87 257
9 67 1 1 1 11 21 53 125 249 293
9 74 1 1 7 11 11 7 57 79 323
9 81 1 1 5 5 17 13 81 3 131
9 82 1 1 7 13 23 7 65 251 475
9 87 1 3 5 1 9 43 3 149 11
9 91 1 1 3 13 31 13 13 255 487
9 94 1 3 3 1 5 63 89 91 127
9 103 1 1 3 3 1 19 123 127 237
9 104 1 1 5 7 23 31 37 243 289
9 109 1 1 5 11 17 53 117 183 491
9 122 1 1 1 5 1 13 13 209 345
9 124 1 1 3 15 1 57 115 7 33
9 137 1 3 1 11 7 43 81 207 175
9 138 1 3 1 1 15 27 63 255 49
9 143 1 3 5 3 27 61 105 171 305
9 145 1 1 5 3 1 3 57 249 149
9 152 1 1 3 5 5 57 15 13 159
9 157 1 1 1 11 7 11 105 141 225
9 167 1 3 3 5 27 59 121 101 271
9 173 1 3 5 9 11 49 51 59 115
9 176 1 1 7 1 23 45 125 71 419
9 181 1 1 3 5 23 5 105 109 75
9 182 1 1 7 15 7 11 67 121 453
9 185 1 3 7 3 9 13 31 27 449
9 191 1 3 1 15 19 39 39 89 15
9 194 1 1 1 1 1 33 73 145 379
9 199 1 3 1 15 15 43 29 13 483
9 218 1 1 7 3 19 27 85 131 431
9 220 1 3 3 3 5 35 23 195 349
9 227 1 3 3 7 9 27 39 59 297
9 229 1 1 3 9 11 17 13 241 157
9 230 1 3 7 15 25 57 33 189 213
9 234 1 1 7 1 9 55 73 83 217
9 236 1 3 3 13 19 27 23 113 249
9 241 1 3 5 3 23 43 3 253 479
9 244 1 1 5 5 11 5 45 117 217
9 253 1 3 3 7 29 37 33 123 147
10 4 1 3 1 15 5 5 37 227 223 459
10 13 1 1 7 5 5 39 63 255 135 487
10 19 1 3 1 7 9 7 87 249 217 599
10 22 1 1 3 13 9 47 7 225 363 247
10 50 1 3 7 13 19 13 9 67 9 737
10 55 1 3 5 5 19 59 7 41 319 677
10 64 1 1 5 3 31 63 15 43 207 789
10 69 1 1 7 9 13 39 3 47 497 169
10 98 1 3 1 7 21 17 97 19 415 905
10 107 1 3 7 1 3 31 71 111 165 127
10 115 1 1 5 11 1 61 83 119 203 847
10 121 1 3 3 13 9 61 19 97 47 35
10 127 1 1 7 7 15 29 63 95 417 469
10 134 1 3 1 9 25 9 71 57 213 385
10 140 1 3 5 13 31 47 101 57 39 341
10 145 1 1 3 3 31 57 125 173 365 551
10 152 1 3 7 1 13 57 67 157 451 707
10 158 1 1 1 7 21 13 105 89 429 965
10 161 1 1 5 9 17 51 45 119 157 141
10 171 1 3 7 7 13 45 91 9 129 741
10 181 1 3 7 1 23 57 67 141 151 571
10 194 1 1 3 11 17 47 93 107 375 157
10 199 1 3 3 5 11 21 43 51 169 915
10 203 1 1 5 3 15 55 101 67 455 625
10 208 1 3 5 9 1 23 29 47 345 595
10 227 1 3 7 7 5 49 29 155 323 589
10 242 1 3 3 7 5 41 127 61 261 717`;

/** Direction numbers v_k = m_k / 2^k as 32-bit integers, dimension-major: 128 × 32. */
const DIRECTIONS: Uint32Array = buildDirections();

function buildDirections(): Uint32Array {
  const rows = JOE_KUO.trim().split('\n');
  if (rows.length !== SOBOL_MAX_DIMENSION - 1) throw new Error('sobol: corrupt direction table');
  const v = new Uint32Array(SOBOL_MAX_DIMENSION * BITS);
  for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
  for (let j = 1; j < SOBOL_MAX_DIMENSION; j++) {
    const row = rows[j - 1].split(' ').map(Number);
    const s = row[0];
    const a = row[1];
    if (row.length !== s + 2) throw new Error(`sobol: corrupt direction table at dimension ${j + 1}`);
    const base = j * BITS;
    for (let k = 0; k < s; k++) v[base + k] = row[2 + k] * 2 ** (BITS - 1 - k);
    // Bratley & Fox's recurrence for the primitive polynomial x^s + a_1 x^{s−1} + … + a_{s−1} x + 1.
    for (let k = s; k < BITS; k++) {
      let x = v[base + k - s] ^ (v[base + k - s] >>> s);
      for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x ^= v[base + k - i];
      v[base + k] = x >>> 0;
    }
  }
  return v;
}

/** Randomization of the sequence: none, linear matrix scramble + digital shift, or Owen's nested scramble. */
export type SobolScramble = 'none' | 'lms' | 'owen';
const SCRAMBLES: readonly SobolScramble[] = ['none', 'lms', 'owen'];

export interface SobolOptions {
  /** Seed (or generator) of the randomization; required unless `scramble` is 'none'. */
  readonly seed?: number | Rng;
  /** Default: 'lms' when a seed is given, else 'none'. */
  readonly scramble?: SobolScramble;
}

/**
 * A stateful Sobol' generator (like scipy's `Sobol` engine): successive `draw` calls continue the
 * sequence, so draws of 2^a then 2^b points together make the first 2^a + 2^b points.
 */
export class SobolEngine {
  readonly dimension: number;
  readonly scramble: SobolScramble;
  /** Direction numbers in use (scrambled for 'lms'), dimension-major: d × 32. */
  private readonly v: Uint32Array;
  /** Digital shift per dimension ('lms'); zeros otherwise. */
  private readonly shift: Uint32Array;
  /** Two hash keys per dimension ('owen'). */
  private readonly keys: Uint32Array;
  /** The point at index `index`, before any Owen scrambling (d words). */
  private readonly cur: Uint32Array;
  private next = 0;

  constructor(dimension: number, options: SobolOptions = {}) {
    this.dimension = checkInt('dimension', dimension, 1, SOBOL_MAX_DIMENSION);
    const seed = options.seed;
    this.scramble = checkOneOf(
      'scramble',
      options.scramble ?? (seed === undefined ? 'none' : 'lms'),
      SCRAMBLES,
    );
    const d = this.dimension;
    this.v = DIRECTIONS.slice(0, d * BITS);
    this.shift = new Uint32Array(d);
    this.keys = new Uint32Array(2 * d);
    this.cur = new Uint32Array(d);
    if (this.scramble !== 'none') {
      if (seed === undefined) {
        throw new ValidationError('seed', seed, `expected a seed or an Rng for scramble '${this.scramble}'`);
      }
      const rng = seed instanceof Rng ? seed : new Rng(checkInt('seed', seed, 0, 2 ** 32 - 1));
      if (this.scramble === 'lms') this.scrambleLinear(rng);
      else for (let i = 0; i < 2 * d; i++) this.keys[i] = rng.nextU32();
    }
    this.cur.set(this.shift);
  }

  /** Index of the next point `draw` returns (points drawn or skipped so far). */
  get index(): number {
    return this.next;
  }

  /**
   * The next `n` points, n × d row-major in [0, 1), into `out` (allocated when omitted; at least n·d
   * long). Throws when the sequence would pass 2^32 points.
   */
  draw(n: number, out?: Float64Array): Float64Array {
    checkInt('n', n, 0);
    const d = this.dimension;
    if (this.next + n > SOBOL_MAX_POINTS) {
      throw new ValidationError('n', n, `expected at most ${SOBOL_MAX_POINTS - this.next} more points`);
    }
    const res = out ?? new Float64Array(n * d);
    if (res.length < n * d) throw new ValidationError('out.length', res.length, `expected at least ${n * d}`);
    const cur = this.cur;
    const v = this.v;
    const owen = this.scramble === 'owen';
    const keys = this.keys;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      if (owen) {
        for (let j = 0; j < d; j++)
          res[row + j] = owenScramble(cur[j], keys[2 * j], keys[2 * j + 1]) / TWO_POW_32;
      } else {
        for (let j = 0; j < d; j++) res[row + j] = cur[j] / TWO_POW_32;
      }
      // Gray-code step: point i+1 = point i XOR v[c], c = index of the lowest set bit of i + 1.
      const following = this.next + 1;
      this.next = following;
      if (following < SOBOL_MAX_POINTS) {
        const c = lowestSetBit(following);
        for (let j = 0; j < d; j++) cur[j] ^= v[j * BITS + c];
      }
    }
    return res;
  }

  /** Skips `n` points (O(32·d), whatever n). */
  fastForward(n: number): this {
    checkInt('n', n, 0);
    if (this.next + n > SOBOL_MAX_POINTS) {
      throw new ValidationError('n', n, `expected at most ${SOBOL_MAX_POINTS - this.next} points to skip`);
    }
    this.seek(this.next + n);
    return this;
  }

  /** Back to the first point; the randomization is kept. */
  reset(): this {
    this.seek(0);
    return this;
  }

  private seek(index: number): void {
    this.next = index;
    const d = this.dimension;
    this.cur.set(this.shift);
    if (index >= SOBOL_MAX_POINTS) return;
    // Point i is the XOR of the direction numbers selected by the bits of gray(i) = i ^ (i >> 1).
    const gray = (index ^ (index >>> 1)) >>> 0;
    for (let k = 0; k < BITS; k++) {
      if (((gray >>> k) & 1) === 0) continue;
      for (let j = 0; j < d; j++) this.cur[j] ^= this.v[j * BITS + k];
    }
  }

  /** Multiplies each dimension's direction numbers by a random unit lower-triangular matrix; draws shifts. */
  private scrambleLinear(rng: Rng): void {
    const d = this.dimension;
    const rowMask = new Uint32Array(BITS);
    for (let j = 0; j < d; j++) {
      // Row k of the matrix, as a mask over the 32-bit word (digit k is bit 31 − k): random digits
      // above k, a one at k, zeros below.
      for (let k = 0; k < BITS; k++) {
        const above = k === 0 ? 0 : (0xffffffff << (BITS - k)) >>> 0;
        rowMask[k] = ((rng.nextU32() & above) | (2 ** (BITS - 1 - k))) >>> 0;
      }
      const base = j * BITS;
      for (let c = 0; c < BITS; c++) {
        const x = this.v[base + c];
        let y = 0;
        for (let k = 0; k < BITS; k++) if (parity(x & rowMask[k])) y |= 1 << (BITS - 1 - k);
        this.v[base + c] = y >>> 0;
      }
      this.shift[j] = rng.nextU32();
    }
  }
}

/**
 * The first `n` points of the `d`-dimensional Sobol' sequence, n × d row-major in [0, 1). With a
 * seed the sequence is randomized ('lms' by default, see `SobolOptions.scramble`); without one it is
 * the plain sequence, starting at the origin. Powers of two keep the balance properties.
 */
export function sobol(
  n: number,
  d: number,
  seed?: number | Rng,
  options: { readonly scramble?: SobolScramble } = {},
): Float64Array {
  const scramble = options.scramble ?? (seed === undefined ? 'none' : 'lms');
  return new SobolEngine(d, seed === undefined ? { scramble } : { seed, scramble }).draw(n);
}

function lowestSetBit(x: number): number {
  // x & -x isolates the lowest set bit (ToInt32 keeps the low 32 bits of x < 2^32).
  return 31 - Math.clz32(x & -x);
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Wellons's lowbias32 integer hash. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Owen's nested uniform scramble of a 32-bit binary fraction: digit k (k = 0 most significant) is
 * XORed with a pseudo-random bit of the tree node (k, first k digits), numbered 2^k + prefix as in a
 * binary heap. A bijection that maps each dyadic interval of every level onto one of the same level.
 */
function owenScramble(x: number, key0: number, key1: number): number {
  let y = 0;
  for (let k = 0; k < BITS; k++) {
    const prefix = k === 0 ? 0 : x >>> (BITS - k);
    const node = (prefix | (1 << k)) >>> 0;
    const flip = mix32(mix32((node ^ key0) >>> 0) ^ key1) >>> 31;
    y |= (((x >>> (BITS - 1 - k)) & 1) ^ flip) << (BITS - 1 - k);
  }
  return y >>> 0;
}
