import { z } from "zod";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import type { AgentBackend } from "./agent-backend.ts";
import { AgentError, isRetryableHttpStatus } from "./agent-error.ts";
import type { AgentTurn } from "./agent-turn.ts";
import { backoffDelay, parseRetryAfter } from "./retry-delay.ts";
import { transcribeAudio } from "./transcribe-audio.ts";
import { TRANSCRIPT_MARKER } from "./transcript-marker.ts";
import { type ImageUrlPart, imagePartOf, isImageAttachment } from "./vision/image-part-of.ts";

/** Settings of {@link createOpenAIBackend} (the `openai` backend config block, defaults applied). */
export interface OpenAIBackendSettings {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string | undefined;
  system?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** Send the turn's images as `image_url` parts (the model must be a vision model). */
  vision?: boolean | undefined;
  /** Transcribe voice memos at `/audio/transcriptions` (base URL and key default to the backend's). */
  transcription?: { model: string; baseUrl?: string | undefined; apiKeyEnv?: string | undefined } | undefined;
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
  /** Told when a voice memo could not be transcribed (the turn runs with a note instead). */
  onTranscriptionFailed?: (name: string, error: unknown) => void;
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

/** A text content part of a user message. */
type TextPart = { type: "text"; text: string };

/** One chat message of the request (a user message with images has content parts). */
export type ChatMessage =
  | { role: "system" | "assistant"; content: string }
  | { role: "user"; content: string | Array<TextPart | ImageUrlPart> };

/** What the backend made of a turn's files before the request: image parts and extra lines for the model. */
export interface TurnMedia {
  /** Lines appended to the body (transcripts, notes about files the model does not get). */
  lines: string[];
  /** Image parts sent beside the text (vision only). */
  images: ImageUrlPart[];
  /** Transcripts made for this turn (also among `lines`). */
  transcripts?: string[];
}

/**
 * The chat messages for a turn: one system message (the backend's `system`, then the group's prompt), the
 * session history, then the formatted body, with the turn's images as `image_url` parts beside it.
 */
export function buildChatMessages(
  turn: AgentTurn,
  system: string | undefined,
  media: TurnMedia = { lines: [], images: [] },
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  // One system message: several are not understood by every chat template (llama.cpp, some Ollama models).
  const prompt = [system, turn.systemPrompt].filter((part) => part?.trim()).join("\n\n");
  if (prompt) messages.push({ role: "system", content: prompt });
  for (const entry of turn.history) messages.push({ role: entry.role, content: entry.text });
  const text = [turn.body, ...media.lines].join("\n");
  messages.push({
    role: "user",
    content: media.images.length > 0 ? [{ type: "text", text }, ...media.images] : text,
  });
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

  /**
   * Reads the turn's files once per turn (not per attempt): images for a vision model, voice memos through the
   * transcription endpoint. Whatever cannot be given to the model becomes a line that says so.
   */
  async function prepareMedia(turn: AgentTurn, signal: AbortSignal): Promise<TurnMedia> {
    const media: TurnMedia = { lines: [], images: [] };
    for (const attachment of turn.attachments) {
      if (settings.vision && isImageAttachment(attachment)) {
        const result = await imagePartOf(attachment);
        if ("part" in result) media.images.push(result.part);
        else media.lines.push(result.note);
        continue;
      }
      const isAudio = attachment.mimeType.toLowerCase().startsWith("audio/");
      if (!isAudio || !settings.transcription || attachment.transcript || !attachment.localPath) continue;
      const transcription = settings.transcription;
      try {
        const transcript = await transcribeAudio(
          { path: attachment.localPath, name: attachment.name, mimeType: attachment.mimeType },
          {
            model: transcription.model,
            baseUrl: transcription.baseUrl ?? settings.baseUrl,
            apiKeyEnv: transcription.apiKeyEnv ?? settings.apiKeyEnv,
            timeoutMs: settings.timeoutMs,
          },
          { fetch: doFetch, env, signal },
        );
        if (transcript === "")
          media.lines.push(`[voice memo ${attachment.name}: the transcription is empty]`);
        else {
          media.lines.push(`${TRANSCRIPT_MARKER} ${transcript}`);
          media.transcripts = [...(media.transcripts ?? []), transcript];
        }
      } catch (error) {
        if (signal.aborted) throw abortedError(error);
        media.lines.push(`[voice memo ${attachment.name} could not be transcribed]`);
        deps.onTranscriptionFailed?.(attachment.name, error);
      }
    }
    return media;
  }

  async function attempt(
    turn: AgentTurn,
    media: TurnMedia,
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
        body: JSON.stringify({
          model: settings.model,
          messages: buildChatMessages(turn, settings.system, media),
        }),
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
      const media = await prepareMedia(turn, signal);
      for (let attemptIndex = 0; ; attemptIndex += 1) {
        const result = await attempt(turn, media, signal);
        if ("text" in result) {
          return media.transcripts
            ? { text: result.text, transcripts: media.transcripts }
            : { text: result.text };
        }
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
