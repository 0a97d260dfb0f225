/**
 * A composer of inbound middleware (koa-compose / grammY `Composer` shape): each step receives the
 * message's context and `next`, and either handles the message (returns without calling `next`) or hands
 * it on. Steps are small and independently testable; the order is the pipeline.
 */

/** Calls the rest of the pipeline. */
export type Next = () => Promise<void>;

/** One pipeline step. */
export type Middleware<C> = (ctx: C, next: Next) => Promise<void> | void;

/**
 * Composes `steps` into one middleware that runs them in order. Calling `next` twice in one step is a
 * programming error and rejects (a message must never be handled twice).
 */
export function composeMiddleware<C>(steps: readonly Middleware<C>[]): Middleware<C> {
  const chain = [...steps];
  return (ctx, last) => {
    let called = -1;
    const dispatch = async (index: number): Promise<void> => {
      if (index <= called) throw new Error("inbound pipeline: next() called twice by one step");
      called = index;
      const step = index < chain.length ? chain[index] : last;
      if (!step) return;
      await step(ctx, () => dispatch(index + 1));
    };
    return dispatch(0);
  };
}
