import { describe, expect, it } from "vitest";
import { looksLikeFullDiskAccessDenial } from "./probe.ts";

describe("looksLikeFullDiskAccessDenial (the probe's and doctor's one test)", () => {
  it("recognises the ways imsg and SQLite report a denied Messages database", () => {
    for (const text of [
      "Error: Full Disk Access is required",
      "permissionDenied(path: ~/Library/Messages/chat.db)",
      "Permission Error: cannot open chat.db",
      "authorization denied",
      "unable to open database file",
      "open: Permission denied",
    ]) {
      expect(looksLikeFullDiskAccessDenial(text), text).toBe(true);
    }
  });

  it("does not mistake other failures for it", () => {
    for (const text of ["unknown command: rpc", "chat not found", "connection reset by peer"]) {
      expect(looksLikeFullDiskAccessDenial(text), text).toBe(false);
    }
  });
});
