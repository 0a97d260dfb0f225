import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { ControlApiHttpError } from "./control-api-http-error.ts";

/**
 * Reads a JSON request body of at most `maxBytes` and validates it with `schema`.
 * @throws {ControlApiHttpError} 413 when too large, 415 when not JSON, 400 when invalid.
 */
export async function readJsonBody<T>(
  request: IncomingMessage,
  schema: z.ZodType<T>,
  maxBytes: number,
): Promise<T> {
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ControlApiHttpError(
      415,
      "unsupported_media_type",
      "Send the request body as application/json.",
    );
  }
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > maxBytes) {
    throw new ControlApiHttpError(
      413,
      "body_too_large",
      `The request body exceeds ${maxBytes} bytes; send less.`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new ControlApiHttpError(
        413,
        "body_too_large",
        `The request body exceeds ${maxBytes} bytes; send less.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ControlApiHttpError(400, "invalid_json", "The request body is not valid JSON.", {
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new ControlApiHttpError(
      400,
      "invalid_request",
      `Invalid request (${where}${issue?.message ?? "invalid"}).`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}
