import { describe, expect, it } from "vitest";
import { formatHistoryContext } from "./format-history.ts";
import type { HistoryEntry } from "./history-store.ts";

const options = { channelLabel: "iMessage", fromLabel: "Team id:42", envelope: { timezone: "utc" } };

describe("formatHistoryContext (§9.3)", () => {
  it("returns the current envelope when there is no history", () => {
    expect(formatHistoryContext([], "[iMessage Team id:42] +1: hi", options)).toBe(
      "[iMessage Team id:42] +1: hi",
    );
  });

  it("renders each entry as an envelope and wraps the current message", () => {
    const text = formatHistoryContext(
      [
        { sender: "+1", text: "first", timestamp: Date.UTC(2026, 0, 17), messageId: "10" },
        { sender: "+2", senderLabel: "Bob (+2)", text: "second\\n", messageId: "11" },
      ],
      "CURRENT",
      options,
    );
    expect(text).toBe(
      [
        "[Chat messages since your last reply - for context]",
        "[iMessage Team id:42 2026-01-17T00:00Z] +1: first [id:10]",
        "[iMessage Team id:42] Bob (+2): second\\n [id:11]",
        "",
        "[Current message - respond to this]",
        "CURRENT",
      ].join("\n"),
    );
  });

  it("accepts the history store's entries as they are", () => {
    const stored: HistoryEntry[] = [
      { sender: "+1", text: "hi", messageId: "5", timestamp: Date.UTC(2026, 0, 17) },
    ];
    expect(formatHistoryContext(stored, "NOW", options)).toContain(
      "[iMessage Team id:42 2026-01-17T00:00Z] +1: hi [id:5]",
    );
  });
});
