import { ControlApiHttpError } from "../control-api/control-api-http-error.ts";
import { outboundFileProblem } from "./outbound-file-problem.ts";

/**
 * Checks a file named in `POST /v1/send` before it is queued: it must be a readable regular file within
 * `mediaMaxMb`. Throws a 400 {@link ControlApiHttpError} (`invalid_file`) naming the fix.
 */
export async function checkOutboundFile(path: string, mediaMaxMb: number): Promise<void> {
  const problem = await outboundFileProblem(path, mediaMaxMb);
  if (problem !== undefined) throw new ControlApiHttpError(400, "invalid_file", problem);
}
