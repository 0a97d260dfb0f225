/**
 * Reads control-API bodies with the gateway's own zod schemas (`@imgate/gateway/control-api-types`): the
 * reply comes from another process, possibly another imgate version, so it is validated, never cast.
 */
import { controlApiErrorSchema } from "@imgate/gateway/control-api-types";
import type { z } from "zod";
import { CliError } from "./cli-error.ts";
import type { ControlApiResponse } from "./control-api-client.ts";

/**
 * The body of `response` as `schema` declares it.
 * @param request What was asked, e.g. `GET /readyz`, for the message.
 * @throws {CliError} naming a version mismatch between imgate and the running gateway when the body does not match.
 */
export function parseGatewayReply<S extends z.ZodType>(
  schema: S,
  response: ControlApiResponse,
  request: string,
): z.output<S> {
  const parsed = schema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues[0]?.path.join(".") || "body";
  throw new CliError(
    "CLI_FAILED",
    `The gateway answered ${request} with an unexpected body (HTTP ${response.status}, at ${where}); check that imgate and the running gateway are the same version (restart the gateway after upgrading), and see its log.`,
    { cause: parsed.error },
  );
}

/** The gateway's sentence from a refusal body (`{ error: { code, message } }`), when the body is one. */
export function gatewayRefusal(response: ControlApiResponse): { code: string; message: string } | undefined {
  const parsed = controlApiErrorSchema.safeParse(response.body);
  return parsed.success ? parsed.data.error : undefined;
}
