/** How an interceptor sees one method call on a brick. */
export interface InterceptedCall {
  /** The method's name. */
  readonly method: string;
  readonly args: readonly unknown[];
  /** Calls the underlying method with `args` (or other arguments). */
  proceed(args?: readonly unknown[]): unknown;
}

/**
 * A view of `brick` whose method calls go through `intercept`; everything else (fields, emitters)
 * passes through. Wrapped functions are cached so `view.x === view.x`. Used by lineage wiring and
 * by access checks, which stack: a guarded view intercepts a wired view.
 */
export function interceptBrick<B extends object>(
  brick: B,
  intercept: (call: InterceptedCall) => unknown,
  options: { readonly methods?: ReadonlySet<string> } = {},
): B {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(brick, {
    get(target, property) {
      // Read with the target as receiver: getters over private fields fail on a proxy.
      const value = Reflect.get(target, property);
      if (typeof value !== "function" || typeof property !== "string") return value;
      if (options.methods && !options.methods.has(property)) return value.bind(target);
      let wrapped = cache.get(property);
      if (wrapped === undefined) {
        const method = value as (...a: unknown[]) => unknown;
        wrapped = (...args: unknown[]) =>
          intercept({ method: property, args, proceed: (a = args) => method.apply(target, a as unknown[]) });
        cache.set(property, wrapped);
      }
      return wrapped;
    },
  });
}
