import { z } from "zod";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import type { AgentBackend } from "./agent-backend.ts";
import { AgentError, isRetryableHttpStatus } from "./agent-error.ts";
import type { AgentTurn } from "./agent-turn.ts";
import { backoffDelay, parseRetryAfter } from "./retry-delay.ts";

/** Settings of {@link createOpenAIBackend} (the `openai` backend config block, defaults applied). */
export interface OpenAIBackendSettings {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string | undefined;
  system?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/** Injectable edges of {@link createOpenAIBackend}. */
export interface OpenAIBackendDeps {
  /** Where `apiKeyEnv` is looked up; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default global fetch. */
  fetch?: typeof fetch;
  /** First backoff step in ms (doubling per retry); default 500. Retry-After always wins. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, including Retry-After; default 30 000. */
  maxRetryDelayMs?: number;
}

/** The part of a chat-completions response imgate reads. */
const chatCompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
      }),
    )
    .min(1),
});

type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

/** The chat messages for a turn: system prompt, session history, then the formatted body. */
export function buildChatMessages(turn: AgentTurn, system: string | undefined): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (system) messages.push({ role: "system", content: system });
  for (const entry of turn.history) messages.push({ role: entry.role, content: entry.text });
  messages.push({ role: "user", content: turn.body });
  return messages;
}

/**
 * A backend for any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Ollama, llama.cpp, vLLM).
 * Each attempt has its own timeout; 429, 5xx and network errors are retried up to `maxRetries` times with
 * exponential backoff, honouring `Retry-After`. The response is validated before use.
 */
export function createOpenAIBackend(
  settings: OpenAIBackendSettings,
  deps: OpenAIBackendDeps = {},
): AgentBackend {
  const env = deps.env ?? process.env;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const baseDelay = deps.retryBaseDelayMs ?? 500;
  const maxDelay = deps.maxRetryDelayMs ?? 30_000;
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/chat/completions`;

  async function attempt(
    turn: AgentTurn,
    signal: AbortSignal,
  ): Promise<{ text: string } | { retryAfterMs?: number; error: AgentError }> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    const apiKey = settings.apiKeyEnv ? env[settings.apiKeyEnv] : undefined;
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: settings.model, messages: buildChatMessages(turn, settings.system) }),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      return connectionFailure(
        error,
        signal,
        timeout,
        `The openai backend could not reach ${url}; check baseUrl and that the server is running.`,
      );
    }
    let bodyText: string;
    try {
      bodyText = await response.text();
    } catch (error) {
      return connectionFailure(
        error,
        signal,
        timeout,
        `The openai backend lost the connection to ${url} mid-response; it will be retried.`,
      );
    }
    if (!response.ok) {
      const retryable = isRetryableHttpStatus(response.status);
      const error = new AgentError(
        GatewayErrorCode.AgentFailed,
        `The openai backend got HTTP ${response.status} from ${url}; ${response.status === 401 || response.status === 403 ? `check the API key in ${settings.apiKeyEnv ?? "apiKeyEnv"}` : "check the server's logs"}.`,
        { backend: "openai", retryable, cause: bodyText.slice(0, 500) },
      );
      if (!retryable) throw error;
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      return retryAfterMs === undefined ? { error } : { error, retryAfterMs };
    }
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch (error) {
      throw badResponse("the body is not JSON", error);
    }
    const parsed = chatCompletionSchema.safeParse(json);
    if (!parsed.success)
      throw badResponse(parsed.error.issues[0]?.message ?? "unexpected shape", parsed.error);
    return { text: parsed.data.choices[0]!.message.content ?? "" };
  }

  /** A request or body read that failed: a stop or a timeout throws; anything else is a retryable failure. */
  function connectionFailure(
    error: unknown,
    signal: AbortSignal,
    timeout: AbortSignal,
    message: string,
  ): { error: AgentError } {
    if (signal.aborted) throw abortedError(error);
    if (timeout.aborted) throw timeoutError(settings.timeoutMs, error);
    return {
      error: new AgentError(GatewayErrorCode.AgentFailed, message, {
        backend: "openai",
        retryable: true,
        cause: error,
      }),
    };
  }

  function badResponse(detail: string, cause: unknown): AgentError {
    return new AgentError(
      GatewayErrorCode.AgentBadResponse,
      `The openai backend at ${url} returned an invalid chat completion (${detail}); check that baseUrl points at an OpenAI-compatible API.`,
      // A garbled body is usually a proxy or a server in trouble: worth another attempt later.
      { backend: "openai", retryable: true, cause },
    );
  }

  return {
    kind: "openai",
    async reply(turn, { signal }) {
      for (let attemptIndex = 0; ; attemptIndex += 1) {
        const result = await attempt(turn, signal);
        if ("text" in result) return { text: result.text };
        if (attemptIndex >= settings.maxRetries) throw result.error;
        const wait = Math.min(
          maxDelay,
          result.retryAfterMs ?? backoffDelay(attemptIndex, baseDelay, maxDelay),
        );
        try {
          await abortableSleep(wait, signal);
        } catch (error) {
          throw abortedError(error);
        }
      }
    },
  };
}

function abortedError(cause: unknown): AgentError {
  return new AgentError(
    GatewayErrorCode.AgentAborted,
    "The agent call was abandoned because the gateway is stopping; it will be retried on the next start.",
    {
      backend: "openai",
      cause,
    },
  );
}

function timeoutError(timeoutMs: number, cause: unknown): AgentError {
  return new AgentError(
    GatewayErrorCode.AgentTimeout,
    `The openai backend did not answer within ${timeoutMs} ms; raise backend.timeoutMs or check the server.`,
    { backend: "openai", retryable: true, cause },
  );
}
