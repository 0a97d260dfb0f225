import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";

/** Where and how voice memos are transcribed (the `openai` backend's `transcription` block, resolved). */
export interface TranscriptionSettings {
  /** Transcription model, e.g. `whisper-1`. */
  model: string;
  /** Base URL; `/audio/transcriptions` is appended. */
  baseUrl: string;
  /** Environment variable that holds the API key. */
  apiKeyEnv?: string | undefined;
  timeoutMs: number;
}

/** Edges of {@link transcribeAudio}. */
export interface TranscribeDeps {
  fetch: typeof fetch;
  env: NodeJS.ProcessEnv;
  /** Aborted when the gateway stops. */
  signal: AbortSignal;
}

/** The audio file to transcribe. */
export interface AudioFile {
  path: string;
  /** File name sent with the upload (the sender's name; endpoints read the format from its extension). */
  name: string;
  mimeType: string;
}

const transcriptionSchema = z.object({ text: z.string() });

/**
 * Sends an audio file to an OpenAI-compatible `/audio/transcriptions` endpoint as multipart form data (`file`,
 * `model`, `response_format=json`) and returns the transcript. Rejects with an Error that says what went wrong
 * (the caller turns it into a note: the turn still runs).
 */
export async function transcribeAudio(
  file: AudioFile,
  settings: TranscriptionSettings,
  deps: TranscribeDeps,
): Promise<string> {
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/audio/transcriptions`;
  const bytes = await readFile(file.path);
  const form = new FormData();
  // A converted voice memo keeps the sender's name but is M4A: name the upload after what it is.
  const uploadName =
    file.mimeType === "audio/mp4" && !/\.m4a$/i.test(file.name)
      ? `${basename(file.name).replace(/\.[^.]*$/, "")}.m4a`
      : basename(file.name);
  form.append("file", new Blob([bytes], { type: file.mimeType }), uploadName);
  form.append("model", settings.model);
  form.append("response_format", "json");
  const headers: Record<string, string> = { accept: "application/json" };
  const apiKey = settings.apiKeyEnv ? deps.env[settings.apiKeyEnv] : undefined;
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const response = await deps.fetch(url, {
    method: "POST",
    headers,
    body: form,
    signal: AbortSignal.any([deps.signal, AbortSignal.timeout(settings.timeoutMs)]),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  let parsed: z.ZodSafeParseResult<{ text: string }>;
  try {
    parsed = transcriptionSchema.safeParse(JSON.parse(body));
  } catch {
    throw new Error(`${url} answered with a body that is not JSON`);
  }
  if (!parsed.success) throw new Error(`${url} answered without a "text" field`);
  return parsed.data.text.trim();
}
