// Ownership: every tensor created inside `tidy(fn)` is disposed when fn returns, except the tensors fn returns and those
// passed to `keep()`. Storage is reference counted so views (reshape) share it and free it with the last owner.

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from every open scope, so it outlives them (model parameters, optimiser state, results). */
export function keep<T extends Disposable>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

function collect(result: unknown): Disposable[] {
  if (!result || typeof result !== 'object') return [];
  if ('dispose' in result && 'isDisposed' in result) return [result as Disposable];
  return Object.values(result as object).flatMap(collect);
}

/**
 * Runs fn and disposes the tensors it created, except those it returns (a tensor, or arrays and plain objects of them),
 * which move to the enclosing scope. Not for async functions: awaiting inside would let other code's tensors in.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set(collect(result));
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  for (const t of survivors) track(t);
  return result;
}

/** Disposes one tensor or a list of them. */
export function dispose(ts: Disposable | Disposable[]): void {
  for (const t of Array.isArray(ts) ? ts : [ts]) t.dispose();
}
