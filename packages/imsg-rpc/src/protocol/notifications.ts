/** The notifications imsg sends, identical in every version family (§2.4, §2.9, §9). */
import { z } from "zod";
import { defineNotification } from "./define-method.ts";
import { messageSchema } from "./shapes.ts";

/** `message`: one row of a watch subscription. */
export const messageNotification = defineNotification(
  "message",
  z.looseObject({ subscription: z.int(), message: messageSchema }),
);

/** `error`: the subscription's stream failed and emits nothing more; resubscribe (§2.4). */
export const errorNotification = defineNotification(
  "error",
  z.looseObject({
    subscription: z.int(),
    error: z.looseObject({ message: z.string().default("") }).default({ message: "" }),
  }),
);

/** `watch.overflow` (0.14+): terminal; resume from `resume_after_rowid` (§9). */
export const watchOverflowNotification = defineNotification(
  "watch.overflow",
  z.looseObject({
    subscription: z.int(),
    resume_after_rowid: z.int(),
    reason: z.string().optional(),
    terminal: z.boolean().optional(),
  }),
);

/** Params of the `message` notification. */
export type MessageNotificationParams = z.infer<typeof messageNotification.params>;
/** Params of the `error` notification. */
export type ErrorNotificationParams = z.infer<typeof errorNotification.params>;
/** Params of the `watch.overflow` notification. */
export type WatchOverflowParams = z.infer<typeof watchOverflowNotification.params>;
