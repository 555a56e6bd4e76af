// Seeded fuzzing for parsers: mutated copies of valid inputs (truncations, bit flips, byte edits, inserted and deleted
// runs, and format-aware edits a test supplies), each of which the parser must either accept or refuse with one line.
// Same seed, same inputs: a failure names the case number, which reproduces it.

import { Lcg } from '../../src/tensor/lcg.ts';

/** A format-aware mutation: a valid input with one field made wrong (a huge dimension, a wrong magic number, ...). */
export type Mutator = (input: Uint8Array, rng: FuzzRng) => Uint8Array;

export class FuzzRng {
  private lcg: Lcg;
  constructor(seed: number) {
    this.lcg = new Lcg(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.lcg.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** Bytes that parsers treat specially: zero, sign bits, all ones. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

const generic: Mutator[] = [
  // truncation, anywhere including inside the header
  (b, r) => b.slice(0, r.int(b.length)),
  // 1 to 8 bit flips
  (b, r) => {
    const out = b.slice();
    for (let k = 1 + r.int(8); k > 0 && out.length; k--) out[r.int(out.length)] ^= 1 << r.int(8);
    return out;
  },
  // a byte set to an interesting value, often in the first 64 bytes where headers live
  (b, r) => {
    const out = b.slice();
    if (out.length) out[r.int(2) ? r.int(Math.min(64, out.length)) : r.int(out.length)] = r.pick(INTERESTING);
    return out;
  },
  // a run of bytes deleted
  (b, r) => {
    const at = r.int(b.length + 1);
    return Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + r.int(16)))]);
  },
  // a run of random bytes inserted
  (b, r) => {
    const at = r.int(b.length + 1);
    const junk = Array.from({ length: 1 + r.int(16) }, () => r.int(256));
    return Uint8Array.from([...b.subarray(0, at), ...junk, ...b.subarray(at)]);
  },
  // empty input
  () => new Uint8Array(0),
];

/**
 * `count` mutated inputs from `seeds` (valid inputs), half generic and half from `mutators` when some are given, each
 * mutation applied once or twice.
 */
export function* fuzzInputs(
  seeds: Uint8Array[],
  count: number,
  mutators: Mutator[] = [],
  seed = 1,
): Generator<{ index: number; input: Uint8Array }> {
  const rng = new FuzzRng(seed);
  // Plain Uint8Arrays only: a Buffer's slice() is a view, so a mutator's "copy" of a Buffer seed would edit the seed
  // itself and every later input would grow from a damaged seed.
  const plain = (bytes: Uint8Array) => (Buffer.isBuffer(bytes) ? Uint8Array.from(bytes) : bytes);
  const originals = seeds.map(plain);
  for (let index = 0; index < count; index++) {
    let input = rng.pick(originals);
    for (let k = 1 + rng.int(2); k > 0; k--) {
      const pool = mutators.length && rng.int(2) ? mutators : generic;
      input = plain(rng.pick(pool)(input, rng));
    }
    yield { index, input };
  }
}

export interface FuzzOutcome {
  accepted: number;
  refused: number;
  slowestMs: number;
}

/**
 * Runs `parse` on every input. It must return (the input happened to stay valid; `check` may inspect the result) or
 * throw an Error of class `errorClass` whose message is one line and matches `names` (the file it was told it reads).
 * Anything else, a TypeError from reading past a buffer or a RangeError from a huge allocation, fails with the case.
 */
export function fuzz<T>(
  inputs: Iterable<{ index: number; input: Uint8Array }>,
  parse: (input: Uint8Array) => T,
  options: { names: RegExp; errorClass?: new (...args: never[]) => Error; check?: (result: T) => void },
): FuzzOutcome {
  const outcome: FuzzOutcome = { accepted: 0, refused: 0, slowestMs: 0 };
  for (const { index, input } of inputs) {
    const start = performance.now();
    let result: T;
    try {
      result = parse(input);
    } catch (e) {
      const ok =
        e instanceof (options.errorClass ?? Error) &&
        !(e instanceof TypeError) &&
        !(e instanceof RangeError) &&
        !(e as Error).message.includes('\n') &&
        options.names.test((e as Error).message);
      if (!ok)
        throw new Error(`fuzz case ${index} (${input.length} bytes): not a one-line refusal: ${String(e)}`, {
          cause: e,
        });
      outcome.refused++;
      continue;
    } finally {
      outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - start);
    }
    options.check?.(result);
    outcome.accepted++;
  }
  return outcome;
}

/** A JSON text inside bytes, re-encoded after `edit` changed its parsed value (for header-aware mutators). */
export function editJson(text: string, edit: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  edit(value);
  return JSON.stringify(value);
}
