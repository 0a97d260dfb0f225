import type { AsyncOf } from "./state-backend.ts";

/**
 * The {@link AsyncOf} view of a synchronous object: each method of `target` becomes one that runs it at
 * once (so calls keep their order) and returns its result, or its exception, as a promise. The methods
 * named in `keepSync` stay synchronous; other properties read through to `target`.
 */
export function asyncView<T extends object, K extends keyof T = never>(
  target: T,
  keepSync: readonly K[] = [],
): NoInfer<AsyncOf<Omit<T, K>> & Pick<T, K>> {
  const view: Record<PropertyKey, unknown> = {};
  for (const key of Object.keys(target) as Array<keyof T & string>) {
    const value = target[key];
    if (typeof value === "function" && !keepSync.includes(key as unknown as K)) {
      const method = value as (...args: unknown[]) => unknown;
      view[key] = async (...args: unknown[]) => method.apply(target, args);
    } else if (typeof value === "function") {
      view[key] = (value as (...args: unknown[]) => unknown).bind(target);
    } else {
      Object.defineProperty(view, key, { enumerable: true, get: () => target[key] });
    }
  }
  return view as AsyncOf<Omit<T, K>> & Pick<T, K>;
}
