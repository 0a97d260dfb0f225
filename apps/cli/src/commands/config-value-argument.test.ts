import { describe, expect, it } from "vitest";
import { parseValueArgument } from "./config.ts";

describe("imgate config set: the value argument", () => {
  it("reads JSON5 literals as values", () => {
    expect(parseValueArgument("18791")).toBe(18791);
    expect(parseValueArgument("true")).toBe(true);
    expect(parseValueArgument("['+15550001111', 'chat_id:42']")).toEqual(["+15550001111", "chat_id:42"]);
  });

  it("keeps anything JSON5 refuses as a string, leading zeros included (as the gateway's loader reads it)", () => {
    expect(parseValueArgument("0123")).toBe("0123");
    expect(parseValueArgument("pairing")).toBe("pairing");
  });

  it("keeps a phone number a string although JSON5 reads a leading + as a signed number", () => {
    expect(parseValueArgument("+15550001111")).toBe("+15550001111");
    expect(parseValueArgument(" +15550001111 ")).toBe("+15550001111");
  });
});
