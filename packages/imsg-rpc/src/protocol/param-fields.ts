/**
 * Param fields that both imsg version families accept with the same meaning. Each family's method table
 * (`v0-9.ts`, `v0-15.ts`) composes them into its own strict schemas, so the version differences stay visible
 * there while the shared parts are declared once.
 */
import { z } from "zod";

/** A send target: a handle (`to`) or exactly one chat field (imsg enforces the "exactly one"). */
export const chatTargetParams = {
  to: z.string().optional(),
  chat_id: z.int().optional(),
  chat_identifier: z.string().optional(),
  chat_guid: z.string().optional(),
};

/** Filters of `messages.history` and `watch.subscribe` (protocol §2.4). */
export const messageFilterParams = {
  participants: z.array(z.string()).optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  attachments: z.boolean().optional(),
};

/** How a direct send is routed (`service`, `region`; protocol §2.4 `send`). */
export const sendRoutingParams = {
  service: z.enum(["imessage", "sms", "auto"]).optional(),
  region: z.string().optional(),
};
