import { describe, expect, it } from "vitest";
import { isSecretKey, REDACTED, redactSecretFields } from "./redact-secrets.ts";

describe("isSecretKey", () => {
  it("matches secret-looking names anywhere in the name, in any case", () => {
    for (const key of [
      "token",
      "authToken",
      "access_token",
      "webhookSecret",
      "apiKey",
      "api-key",
      "privateKey",
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ["password", "passphrase", "Authorization", "cookie", "credentials"]) {
      expect(isSecretKey(key), key).toBe(true);
    }
  });

  it("does not treat names of environment variables or ordinary fields as secrets", () => {
    for (const key of ["tokenEnv", "apiKeyEnv", "passphraseEnv", "secretEnv", "host", "model", "dmPolicy"]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe("redactSecretFields", () => {
  it("replaces secret values at any depth and keeps the rest", () => {
    const input = {
      agents: [
        { backend: { apiKeyEnv: "OPENAI_KEY", apiKey: "sk-1", headers: { Authorization: "Bearer x" } } },
      ],
      remote: { passphrase: "pw", host: "mac" },
      nested: { credentials: { user: "u", pass: "p" } },
    };
    expect(redactSecretFields(input)).toEqual({
      agents: [
        { backend: { apiKeyEnv: "OPENAI_KEY", apiKey: REDACTED, headers: { Authorization: REDACTED } } },
      ],
      remote: { passphrase: REDACTED, host: "mac" },
      nested: { credentials: REDACTED },
    });
    expect(input.remote.passphrase).toBe("pw");
  });

  it("leaves unset secrets visible as unset", () => {
    expect(redactSecretFields({ token: "", secret: null, password: undefined })).toEqual({
      token: "",
      secret: null,
      password: undefined,
    });
  });

  it("returns class instances and primitives as they are", () => {
    const error = new Error("x");
    expect(redactSecretFields(error)).toBe(error);
    expect(redactSecretFields("token")).toBe("token");
  });
});
