import { describe, expect, it } from "vitest";
import { parseLegacyTapback } from "./legacy-tapback.ts";

describe("parseLegacyTapback", () => {
  it.each([
    ["Loved “see you at 6”", { kind: "love", added: true, quoted: "see you at 6" }],
    ["Liked “ok”", { kind: "like", added: true, quoted: "ok" }],
    ["Disliked “no”", { kind: "dislike", added: true, quoted: "no" }],
    ["Laughed at “lol”", { kind: "laugh", added: true, quoted: "lol" }],
    ["Emphasized “now!”", { kind: "emphasis", added: true, quoted: "now!" }],
    ["Questioned “why”", { kind: "question", added: true, quoted: "why" }],
    ["Removed a heart from “see you”", { kind: "love", added: false, quoted: "see you" }],
    ["Removed an exclamation from “x”", { kind: "emphasis", added: false, quoted: "x" }],
    ['Liked "straight quotes"', { kind: "like", added: true, quoted: "straight quotes" }],
    ["Loved “two\nlines”", { kind: "love", added: true, quoted: "two\nlines" }],
  ])("%j is a tapback", (text, expected) => {
    expect(parseLegacyTapback(text)).toEqual(expected);
  });

  it.each([
    "I Loved “that film”",
    "Loved it",
    "Loved “unclosed",
    "Loved “a” and more",
    // No quote: the target cannot be told apart (several images), so it stays an ordinary message.
    "Liked an image",
    "Removed a heart from an image",
    "",
  ])("%j is ordinary text", (text) => {
    expect(parseLegacyTapback(text)).toBeUndefined();
  });
});
