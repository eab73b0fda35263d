/** The members a spec may provide for a `T`: each one must have the type `T` declares for it. */
export type StrictImpl<T> = { [K in keyof T]?: T[K] };

/**
 * A mock of `T` made of the members the spec gives; touching any other member throws, so an unexpected call
 * (a PG call, a repository write) fails the test instead of returning undefined. The parameter is typed from `T`,
 * so a misspelt member or a wrong signature is a compile error. `then` reads as absent so the mock can be awaited
 * or returned from an async function without looking like a promise.
 */
export function strictMock<T extends object>(impl: StrictImpl<T> = {}): T {
  return new Proxy(impl as T, {
    get(target, prop) {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${String(prop)}`);
    },
  });
}
