// Shapes, strides and broadcasting: plain functions on number arrays, shared by both backends.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Row-major (C-contiguous) strides in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${what}: invalid shape ${formatShape(shape)} (dimensions must be non-negative integers)`);
  }
}

/** NumPy broadcasting of two shapes; throws naming both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading `shape` as if broadcast to `outShape`: broadcast dimensions get stride 0. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/** Resolves negative axes and checks range; returns sorted unique axes. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1))
      throw new Error(`${op}: axis ${a} is out of range for a tensor of rank ${rank}`);
    out.add(a < 0 ? a + rank : a);
  }
  return [...out].sort((x, y) => x - y);
}

export function normalizeAxis(axis: number, rank: number, op: string): number {
  return normalizeAxes(axis, rank, op)[0];
}

/** Shape after reducing `axes`, with or without the reduced dimensions kept as 1. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Resolves one -1 in a reshape target. */
export function inferReshape(from: Shape, to: readonly number[]): number[] {
  const total = numel(from);
  const unknown = to.indexOf(-1);
  if (unknown !== to.lastIndexOf(-1)) throw new Error(`reshape: at most one -1 allowed in ${formatShape(to)}`);
  const known = to.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || total % known !== 0)
      throw new Error(`reshape: cannot reshape ${formatShape(from)} to ${formatShape(to)}`);
    out[unknown] = total / known;
  }
  if (numel(out) !== total)
    throw new Error(
      `reshape: cannot reshape ${formatShape(from)} (${total} elements) to ${formatShape(to)} (${numel(out)} elements)`,
    );
  return out;
}
