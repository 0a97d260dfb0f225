import { NotificationType, ParameterStructures, RequestType } from "vscode-jsonrpc";
import { z } from "zod";

/** How long a method may take by default: `send` lanes stall for minutes on Tahoe (§6.2). */
export type MethodTimeoutClass = "default" | "send";

/**
 * One imsg RPC method, declared once: the vscode-jsonrpc `RequestType` plus the zod schemas of the
 * params this version family accepts and of its result.
 */
export interface ImsgMethod<P extends object, R> {
  readonly method: string;
  readonly type: RequestType<P, R, unknown>;
  /** The params the family accepts: only these keys are ever sent (§2.9 strict params). */
  readonly params: z.ZodType<P>;
  /** Keys of `params`, to strip what the family would reject. */
  readonly paramKeys: ReadonlySet<string>;
  readonly result: z.ZodType<R>;
  readonly timeout: MethodTimeoutClass;
}

/** One imsg notification, declared once with its params schema. */
export interface ImsgNotification<P> {
  readonly method: string;
  readonly type: NotificationType<P>;
  readonly params: z.ZodType<P>;
}

/** Declares a method; `params` must be a strict object so unknown keys are never sent. */
export function defineMethod<S extends z.ZodObject, R extends z.ZodType>(
  method: string,
  params: S,
  result: R,
  timeout: MethodTimeoutClass = "default",
): ImsgMethod<z.output<S> & object, z.output<R>> {
  return {
    method,
    type: new RequestType<z.output<S> & object, z.output<R>, unknown>(method, ParameterStructures.byName),
    params: params as unknown as z.ZodType<z.output<S> & object>,
    paramKeys: new Set(Object.keys(params.shape)),
    result: z.compile(result) as z.ZodType<z.output<R>>,
    timeout,
  };
}

/** Declares a notification; the params schema is compiled because it sits on the hot path. */
export function defineNotification<S extends z.ZodType>(
  method: string,
  params: S,
): ImsgNotification<z.output<S>> {
  return {
    method,
    type: new NotificationType<z.output<S>>(method, ParameterStructures.byName),
    params: z.compile(params) as z.ZodType<z.output<S>>,
  };
}
