// A backend's primitives as one table, from primitive name to an implementation on the backend's own storage type,
// plus the one generic wrapper that turns the table into the Primitives contract: it checks every Storage argument
// (this backend's, not released) and wraps what the implementation returns. A new primitive is then its signature in
// Primitives (backend.ts), its WebGPU kernel, its float64 loops, and one line in each backend's table.

import type { Primitives, Storage } from './backend.ts';

export type PrimitiveName = keyof Primitives;

/** A Storage argument or result (or a list of them) as the backend's own type S; any other argument as it is. */
type Own<T, S> = T extends Storage ? S : T extends Storage[] ? S[] : T;
type OwnResult<R, S> = R extends Storage ? S : { [K in keyof R]: Own<R[K], S> };
type Implementation<F, S, Leading extends unknown[]> = F extends (...args: infer A) => infer R
  ? (...args: [...Leading, ...{ [I in keyof A]: Own<A[I], S> }]) => OwnResult<R, S>
  : never;

/** Each primitive's implementation: the `Leading` arguments (the WebGPU runtime), then the primitive's, on S. */
export type PrimitiveTable<S, Leading extends unknown[] = []> = {
  [K in PrimitiveName]: Implementation<Primitives[K], S, Leading>;
};

/** Storages are the only arguments with a backend; parameters are plain data. */
const isStorage = (value: unknown): value is Storage =>
  typeof value === 'object' && value !== null && 'backend' in value;

/** The name errors give a primitive: conv2dGradInput -> conv2d_grad_input. */
const opName = (name: PrimitiveName) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The base class of a backend whose primitives are `table`'s implementations. The backend says how to check and
 * unwrap an operand (own), how to wrap a result (wrap) and which arguments every implementation takes first (leading).
 */
export function tableBackend<S, Leading extends unknown[]>(table: PrimitiveTable<S, Leading>) {
  abstract class TableBackend {
    /** The operand as this backend's own storage; throws, naming `op`, for another backend's or a released one. */
    protected abstract own(s: Storage, op: string): S;
    /** A result of an implementation as a Storage of this backend. */
    protected abstract wrap(result: S): Storage;
    protected abstract leading(): Leading;

    static {
      for (const name of Object.keys(table) as PrimitiveName[]) {
        const implementation = table[name] as (...args: unknown[]) => S | Record<string, S>;
        const named = opName(name);
        const primitive = function (this: TableBackend, ...args: unknown[]) {
          // unary, binary and reduce take their op first: errors name that op.
          const op = typeof args[0] === 'string' ? args[0] : named;
          for (let i = 0; i < args.length; i++) {
            const arg = args[i];
            if (isStorage(arg)) args[i] = this.own(arg, op);
            else if (Array.isArray(arg) && arg.every(isStorage)) args[i] = arg.map((s) => this.own(s, op));
          }
          const result = implementation(...this.leading(), ...args);
          if (result === undefined) return undefined; // an update in place
          // One storage, or a plain object of them ({ values, indices }) or of lists of them, some null (not asked for).
          if (Object.getPrototypeOf(result) !== Object.prototype) return this.wrap(result as S);
          return Object.fromEntries(
            Object.entries(result as Record<string, S | S[] | null>).map(([k, r]) => [
              k,
              r === null ? null : Array.isArray(r) ? r.map((x) => this.wrap(x)) : this.wrap(r),
            ]),
          );
        };
        // Like a class method: not enumerable.
        Object.defineProperty(this.prototype, name, { value: primitive, writable: true, configurable: true });
      }
    }
  }
  return TableBackend as unknown as abstract new () => TableBackend & Primitives;
}
