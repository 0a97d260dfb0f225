import { describe, expect, it } from "vitest";
import { resolveAccounts } from "./resolve-accounts.ts";
import { checkImessageConfig, validateImessageConfig } from "./validate-config.ts";

describe("channels.imessage.maxMessageAge", () => {
  it("defaults to 15 minutes live and 2 hours replayed", () => {
    expect(resolveAccounts(validateImessageConfig({}))[0]?.maxMessageAge).toEqual({
      liveMs: 900_000,
      replayMs: 7_200_000,
    });
  });

  it("is inherited by accounts like other keys; an account's value replaces the top level's, 0 turns a limit off", () => {
    const accounts = resolveAccounts(
      validateImessageConfig({
        maxMessageAge: { liveMs: 60_000, replayMs: 0 },
        accounts: { home: {}, work: { maxMessageAge: { liveMs: 0 } } },
      }),
    );
    expect(accounts.map((a) => [a.accountId, a.maxMessageAge])).toEqual([
      ["home", { liveMs: 60_000, replayMs: 0 }],
      // Shallow overlay (decision Q1): the unset field takes the default, not the top level's.
      ["work", { liveMs: 0, replayMs: 7_200_000 }],
    ]);
  });

  it("refuses negative, fractional and misspelt values with the key's path", () => {
    const result = checkImessageConfig({ maxMessageAge: { liveMs: -1, replayMS: 5, replayMs: 1.5 } });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining([
        "channels.imessage.maxMessageAge.liveMs",
        "channels.imessage.maxMessageAge.replayMs",
      ]),
    );
    expect(issues.map((issue) => issue.message).join("\n")).toContain('did you mean "replayMs"');
  });
});
