import type { MessagePayload } from "./message-payload.ts";
import type { MessageRow } from "./message-store.ts";

/** The balloon bundle id of URL-preview rows. */
export const URL_BALLOON_BUNDLE_ID = "com.apple.messages.URLBalloonProvider";

const WINDOW_MS = 90_000;

/**
 * Watch-side URL-preview dedupe (§2.4): a `URLBalloonProvider` row is dropped when the same
 * `(chat_id, is_from_me, sender, text)` was seen within 90 s.
 */
export class UrlPreviewDeduper {
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records the row and says whether it is a duplicate preview row to drop. */
  skip(
    row: MessageRow,
    payload: Pick<MessagePayload, "chat_id" | "is_from_me" | "sender" | "text">,
  ): boolean {
    const key = `${payload.chat_id}\u0000${payload.is_from_me}\u0000${payload.sender}\u0000${payload.text}`;
    const now = this.#now();
    const last = this.#seen.get(key);
    this.#seen.set(key, now);
    if (this.#seen.size > 1000) {
      for (const [k, t] of this.#seen) if (now - t > WINDOW_MS) this.#seen.delete(k);
    }
    return row.balloonBundleId === URL_BALLOON_BUNDLE_ID && last !== undefined && now - last <= WINDOW_MS;
  }
}
