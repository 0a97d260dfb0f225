/**
 * `imgate pairing list | approve | reject`: DM pairing requests in the state database (`<stateDir>/state.db`,
 * or the PostgreSQL database every gateway shares with `gateway.state.postgres`), safe beside running gateways.
 */
import { z } from "zod";
import { type LoadedConfig, loadConfig } from "../cli-config.ts";
import { CliError, ExitCode, UsageError } from "../cli-error.ts";
import { renderTable, writeJson, writeLines } from "../output.ts";

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

type AsyncPairing = import("@imgate/channel-core").AsyncPairing;

/**
 * Opens the pairing requests of the configured state (the SQLite file, or the shared PostgreSQL database) with
 * the config's expiry and reject cooldown (the gateway's own settings); `undefined` when there is no SQLite
 * file yet.
 */
async function openPairing(
  loaded: LoadedConfig,
  options: { create: boolean },
): Promise<{ pairing: AsyncPairing; close(): Promise<void> } | undefined> {
  const { openStateBackend } = await import("../open-state-backend.ts");
  const opened = await openStateBackend(loaded, options);
  return opened && { pairing: opened.backend.pairing, close: opened.close };
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
  const loaded = await loadConfig(options.config);
  const opened = await openPairing(loaded, { create: false });
  let requests: import("@imgate/channel-core").PendingPairing[] = [];
  if (opened) {
    try {
      requests = await opened.pairing.list(channel);
    } finally {
      await opened.close();
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

async function translatePairingError(error: unknown, code: string, loaded: LoadedConfig): Promise<never> {
  const errorCode = (error as { code?: string } | undefined)?.code;
  if (errorCode === "PAIRING_CODE_NOT_FOUND") {
    // The service's own sentence when it knows more (e.g. the code was rejected); else the generic one.
    const known = (error as Error | undefined)?.message;
    if (known && !known.startsWith("No pending pairing request")) {
      throw new CliError("CLI_NOT_FOUND", known, { cause: error });
    }
    const { formatDuration } = await import("@imgate/channel-core");
    throw new CliError(
      "CLI_NOT_FOUND",
      `No pending pairing request found for code: ${code}; check the code with \`imgate pairing list\` (codes expire after ${formatDuration(loaded.config.gateway.pairingExpiryMs)}).`,
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
  let approved: { sender: string; alreadyApproved?: boolean } | undefined;
  let notified: { via: string } | undefined;
  let noticeHeld = false;
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
    const { gatewayRefusal, parseGatewayReply } = await import("../gateway-reply.ts");
    if (response && response.status === 404) {
      const message = gatewayRefusal(response)?.message;
      await translatePairingError({ code: "PAIRING_CODE_NOT_FOUND", message }, code, loaded);
    }
    if (response && response.status >= 400) {
      throw new CliError(
        "CLI_FAILED",
        gatewayRefusal(response)?.message ?? `The gateway refused the approval (HTTP ${response.status}).`,
      );
    }
    if (response) {
      const { approvePairingResultSchema } = await import("@imgate/gateway/control-api-types");
      const body = parseGatewayReply(approvePairingResultSchema, response, "POST /v1/pairing/approve");
      approved = { sender: body.sender, ...(body.alreadyApproved ? { alreadyApproved: true } : {}) };
      if (body.notified === true) notified = { via: "gateway" };
      noticeHeld = body.noticeHeld === true;
    }
  }
  if (!approved) {
    const opened = await openPairing(loaded, { create: true });
    if (!opened) throw new CliError("CLI_FAILED", "The state database could not be opened.");
    try {
      approved = await opened.pairing.approve(channel, code);
    } catch (error) {
      return translatePairingError(error, code, loaded);
    } finally {
      await opened.close();
    }
    if (options.notify && !approved.alreadyApproved) {
      const [{ sendMessage }, { PAIRING_APPROVED_MESSAGE }] = await Promise.all([
        import("../send-message.ts"),
        import("@imgate/channel-core"),
      ]);
      const result = await sendMessage(loaded, {
        target: approved.sender,
        text: PAIRING_APPROVED_MESSAGE,
        ...(options.account ? { accountId: options.account } : {}),
      });
      if (result.status === "sent") notified = { via: result.via };
      noticeHeld = result.status === "held";
    }
  }
  if (options.json) {
    writeJson({
      channel,
      code,
      sender: approved.sender,
      approved: true,
      alreadyApproved: approved.alreadyApproved === true,
      notified: notified ?? null,
      ...(noticeHeld ? { noticeHeld: true } : {}),
    });
  } else if (approved.alreadyApproved) {
    writeLines([
      `Code ${code} was already approved: ${approved.sender} can message the agent; nothing changed.`,
    ]);
  } else {
    writeLines([
      `Approved ${approved.sender} on ${channel}; they can now message the agent directly.`,
      ...(notified ? [`Told ${approved.sender} (sent via ${notified.via}).`] : []),
      ...(noticeHeld
        ? [
            `The notice to ${approved.sender} is held in the outbox (sending is paused or over a limit); it goes out by itself.`,
          ]
        : []),
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
  const opened = await openPairing(loaded, { create: false });
  if (!opened) return translatePairingError({ code: "PAIRING_CODE_NOT_FOUND" }, code, loaded);
  let rejected: { sender: string };
  let cooldownMs: number;
  try {
    rejected = await opened.pairing.reject(channel, code);
    cooldownMs = opened.pairing.rejectCooldownMs;
  } catch (error) {
    return translatePairingError(error, code, loaded);
  } finally {
    await opened.close();
  }
  const until = new Date(Date.now() + cooldownMs).toISOString();
  if (options.json) {
    writeJson({ channel, code, sender: rejected.sender, rejected: true, noNewCodeUntil: until });
  } else {
    const { formatDuration } = await import("@imgate/channel-core");
    writeLines([
      cooldownMs > 0
        ? `Rejected the request from ${rejected.sender} on ${channel}; they get no new code for ${formatDuration(cooldownMs)} (channels.imessage.pairingRejectCooldownMs).`
        : `Rejected the request from ${rejected.sender} on ${channel}.`,
    ]);
  }
  return ExitCode.ok;
}
