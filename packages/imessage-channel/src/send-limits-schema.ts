import { z } from "zod";
import { strictObject } from "./strict-object.ts";

const budget = z.int().min(0).max(1_000_000);

/**
 * Outbound limits of one account (issue 15): a send over a limit is held in the outbox and released in
 * order as the budget allows, never dropped. 0 turns a limit off. Defaults follow iMessage API vendors'
 * published guidance (README "Keeping your Apple ID safe").
 */
export const sendLimitsSchema = strictObject({
  /** First messages to new contacts (handles that never wrote to this account) per rolling hour. */
  newContactsPerHour: budget
    .optional()
    .describe(
      "New contacts (handles that never wrote to this account, per imsg's history) written to per rolling hour; more are held in the outbox. 0 = unlimited. Default 15.",
    ),
  /** First messages to new contacts per rolling 24 hours. */
  newContactsPerDay: budget
    .optional()
    .describe("New contacts written to per rolling 24 hours; more are held. 0 = unlimited. Default 50."),
  /** Pacing: the least time between any two sends of the account. */
  minSendIntervalMs: z
    .int()
    .min(0)
    .max(3_600_000)
    .optional()
    .describe("Least time between two sends of the account, in ms. 0 = no pacing. Default 1000."),
  /** Messages (chunks) per rolling 24 hours, replies included. */
  maxPerDay: budget
    .optional()
    .describe(
      "Messages (each chunk counts) sent per rolling 24 hours, replies included; more are held. 0 = unlimited. Default 1000.",
    ),
}).describe(
  "Outbound limits; a send over a limit is held in the outbox (never dropped) until the budget allows.",
);

/** `limits` as written. */
export type SendLimitsConfig = z.infer<typeof sendLimitsSchema>;
