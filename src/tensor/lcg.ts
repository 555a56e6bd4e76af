// A tiny linear congruential generator for check and test inputs: deterministic, float32-representable values that do
// not depend on the Threefry generator under test (src/tensor/random.ts).

export class Lcg {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** The next value, uniform in [0, 1) on a grid of 2^-32. */
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }

  /** The next value, uniform in [-1, 1). */
  nextSigned(): number {
    return this.next() * 2 - 1;
  }
}

/** n values uniform in [-1, 1) from seed `seed`. */
export function lcgValues(n: number, seed = 1): Float64Array {
  const lcg = new Lcg(seed);
  return Float64Array.from({ length: n }, () => lcg.nextSigned());
}
