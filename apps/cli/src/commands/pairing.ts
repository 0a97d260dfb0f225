/**
 * `imgate pairing list | approve | reject`: DM pairing requests in the state database
 * (`<stateDir>/state.db`), shared safely with a running gateway.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { CliError, ExitCode, UsageError } from "../cli-error.ts";
import { renderTable, writeJson, writeLines } from "../output.ts";

/** The message `--notify` sends to an approved sender. */
export const APPROVAL_MESSAGE = "✅ imgate access approved. Send a message to start chatting.";

const CHANNEL_ALIASES: Record<string, string> = { imessage: "imessage", imsg: "imessage" };

/** Normalises a channel argument (`imessage`, alias `imsg`, any case, trimmed). */
export function normalizeChannel(input: string): string {
  const channel = CHANNEL_ALIASES[input.trim().toLowerCase()];
  if (!channel) {
    throw new UsageError(`Unknown channel "${input}"; the only channel is imessage (alias imsg).`);
  }
  return channel;
}

const listOptions = z.object({ config: z.string().optional(), json: z.boolean().optional() });
const approveOptions = listOptions.extend({ notify: z.boolean().optional(), account: z.string().optional() });
const codeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{4,16}$/, "a pairing code is letters and digits, e.g. ABCD2345");

function parseCode(code: string): string {
  const parsed = codeSchema.safeParse(code);
  if (!parsed.success) {
    throw new UsageError(
      `"${code}" is not a pairing code (${parsed.error.issues[0]?.message}); copy it from \`imgate pairing list\`.`,
    );
  }
  return parsed.data.toUpperCase();
}

type PairingService = import("@imgate/channel-core").PairingService;

/** Opens the pairing service over the state database; `undefined` when there is no database yet. */
async function openPairing(
  stateDir: string,
  options: { create: boolean },
): Promise<{ pairing: PairingService; close(): void } | undefined> {
  const path = join(stateDir, "state.db");
  if (!options.create && !existsSync(path)) return undefined;
  const { openStateStore, createPairingService } = await import("@imgate/channel-core");
  const store = openStateStore({ path });
  return { pairing: createPairingService({ store }), close: () => store.close() };
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

function inMinutes(ms: number): string {
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

/** `imgate pairing list [imessage] [--json]`. */
export async function runPairingList(channelArg: string | undefined, rawOptions: unknown): Promise<number> {
  const options = listOptions.parse(rawOptions);
  const channel = normalizeChannel(channelArg ?? "imessage");
  const { stateDir } = await loadConfig(options.config);
  const opened = await openPairing(stateDir, { create: false });
  let requests: import("@imgate/channel-core").PendingPairing[] = [];
  if (opened) {
    try {
      requests = opened.pairing.list(channel);
    } finally {
      opened.close();
    }
  }
  if (options.json) {
    writeJson({
      channel,
      requests: requests.map((request) => ({
        code: request.code,
        sender: request.sender,
        meta: request.meta ?? {},
        createdAt: new Date(request.createdAt).toISOString(),
        lastSeenAt: new Date(request.lastSeenAt).toISOString(),
        expiresAt: new Date(request.expiresAt).toISOString(),
      })),
    });
    return ExitCode.ok;
  }
  if (requests.length === 0) {
    writeLines([`No pending ${channel} pairing requests.`]);
    return ExitCode.ok;
  }
  const now = Date.now();
  writeLines([
    ...renderTable(
      [
        { header: "Code", cell: (r) => r.code },
        { header: "Sender", cell: (r) => r.sender },
        { header: "Requested", cell: (r) => ago(now - r.createdAt) },
        { header: "Expires in", cell: (r) => inMinutes(r.expiresInMs) },
        { header: "Meta", cell: (r) => (r.meta ? JSON.stringify(r.meta) : "") },
      ],
      requests,
    ),
    "",
    `Approve with: imgate pairing approve ${channel} <CODE>`,
  ]);
  return ExitCode.ok;
}

function translatePairingError(error: unknown, code: string): never {
  const errorCode = (error as { code?: string } | undefined)?.code;
  if (errorCode === "PAIRING_CODE_NOT_FOUND") {
    throw new CliError(
      "CLI_NOT_FOUND",
      `No pending pairing request found for code: ${code}; check the code with \`imgate pairing list\` (codes expire after an hour).`,
      { cause: error },
    );
  }
  if (errorCode === "PAIRING_RATE_LIMITED") {
    throw new CliError("CLI_FAILED", `${(error as Error).message}`, { cause: error });
  }
  throw error;
}

/** `imgate pairing approve imessage <CODE> [--notify]`. */
export async function runPairingApprove(
  channelArg: string,
  codeArg: string,
  rawOptions: unknown,
): Promise<number> {
  const options = approveOptions.parse(rawOptions);
  const channel = normalizeChannel(channelArg);
  const code = parseCode(codeArg);
  const loaded = await loadConfig(options.config);
  let approved: { sender: string } | undefined;
  let notified: { via: string } | undefined;
  if (options.notify) {
    // A running gateway approves and sends the confirmation through its own outbox.
    const { callControlApi, controlApiAddress } = await import("../control-api-client.ts");
    const response = await callControlApi(
      controlApiAddress(loaded.config.gateway.http),
      "POST",
      "/v1/pairing/approve",
      {
        channel,
        code,
        notify: true,
      },
    );
    if (response && response.status === 404) translatePairingError({ code: "PAIRING_CODE_NOT_FOUND" }, code);
    const { gatewayRefusal, parseGatewayReply } = await import("../gateway-reply.ts");
    if (response && response.status >= 400) {
      throw new CliError(
        "CLI_FAILED",
        gatewayRefusal(response)?.message ?? `The gateway refused the approval (HTTP ${response.status}).`,
      );
    }
    if (response) {
      const { approvePairingResultSchema } = await import("@imgate/gateway/control-api-types");
      const body = parseGatewayReply(approvePairingResultSchema, response, "POST /v1/pairing/approve");
      approved = { sender: body.sender };
      if (body.notified !== false) notified = { via: "gateway" };
    }
  }
  if (!approved) {
    const opened = await openPairing(loaded.stateDir, { create: true });
    if (!opened) throw new CliError("CLI_FAILED", "The state database could not be opened.");
    try {
      approved = opened.pairing.approve(channel, code);
    } catch (error) {
      translatePairingError(error, code);
    } finally {
      opened.close();
    }
    if (options.notify) {
      const { sendMessage } = await import("../send-message.ts");
      const result = await sendMessage(loaded, {
        target: approved.sender,
        text: APPROVAL_MESSAGE,
        ...(options.account ? { accountId: options.account } : {}),
      });
      notified = { via: result.via };
    }
  }
  if (options.json) {
    writeJson({ channel, code, sender: approved.sender, approved: true, notified: notified ?? null });
  } else {
    writeLines([
      `Approved ${approved.sender} on ${channel}; they can now message the agent directly.`,
      ...(notified ? [`Told ${approved.sender} (sent via ${notified.via}).`] : []),
    ]);
  }
  return ExitCode.ok;
}

/** `imgate pairing reject imessage <CODE>`. */
export async function runPairingReject(
  channelArg: string,
  codeArg: string,
  rawOptions: unknown,
): Promise<number> {
  const options = listOptions.parse(rawOptions);
  const channel = normalizeChannel(channelArg);
  const code = parseCode(codeArg);
  const loaded = await loadConfig(options.config);
  const opened = await openPairing(loaded.stateDir, { create: false });
  if (!opened) translatePairingError({ code: "PAIRING_CODE_NOT_FOUND" }, code);
  let rejected: { sender: string };
  try {
    rejected = opened.pairing.reject(channel, code);
  } catch (error) {
    translatePairingError(error, code);
  } finally {
    opened.close();
  }
  if (options.json) writeJson({ channel, code, sender: rejected.sender, rejected: true });
  else writeLines([`Rejected the request from ${rejected.sender} on ${channel}.`]);
  return ExitCode.ok;
}
