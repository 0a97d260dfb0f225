/**
 * A send while the account is paused and no gateway runs (issue 15): it is not sent, it is held in the
 * state database's outbox — chunked as the gateway would — and goes out in order once sending resumes
 * and a gateway runs. Nothing is dropped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "./cli-config.ts";
import type { Account } from "./imessage-channel-api.ts";

const CHANNEL = "imessage";

/** The account's pause switch in the state database, when on (`undefined` also without a database). */
export async function pausedInStateStore(
  loaded: LoadedConfig,
  accountId: string,
): Promise<import("@imgate/channel-core").PauseState | undefined> {
  const path = join(loaded.stateDir, "state.db");
  if (!existsSync(path)) return undefined;
  const { openStateStore, createPauseStore } = await import("@imgate/channel-core");
  const store = openStateStore({ path });
  try {
    return createPauseStore({ store }).stateOf(CHANNEL, accountId);
  } finally {
    store.close();
  }
}

/** Queues `text` (chunked; `file` on the first chunk) for `target` in the outbox; returns the outbox ids. */
export async function holdInOutbox(
  loaded: LoadedConfig,
  account: Account,
  message: { target: string; text?: string },
  file: string | undefined,
): Promise<string[]> {
  const { openStateStore, createOutbox, chunkText, agentIdempotencyKey } = await import(
    "@imgate/channel-core"
  );
  const store = openStateStore({ path: join(loaded.stateDir, "state.db") });
  try {
    const outbox = createOutbox({ store, requireReconcile: false });
    const texts = message.text
      ? chunkText(message.text, { limit: account.textChunkLimit, mode: account.chunkMode })
      : [];
    const chunks = texts.length === 0 ? [""] : texts;
    return store.transaction(() =>
      chunks.map((chunk, index) =>
        String(
          outbox.enqueue({
            idempotencyKey: agentIdempotencyKey(),
            channel: CHANNEL,
            accountId: account.accountId,
            chatKey: message.target,
            target: message.target,
            text: chunk,
            ...(index === 0 && file !== undefined ? { media: [file] } : {}),
          }).entry.id,
        ),
      ),
    );
  } finally {
    store.close();
  }
}
