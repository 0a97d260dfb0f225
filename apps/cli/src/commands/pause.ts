/**
 * `imgate pause [--account ID]` / `imgate resume [--account ID]`: the kill switch of outbound sending
 * (issue 15). Through the running gateway's control API when one answers (it applies at once), else in
 * the state database (the gateway reads it at start, and re-reads it while paused) — with
 * `gateway.state.postgres` the database every gateway shares, so one pause stops them all. While paused nothing
 * is sent — replies, pairing codes, `imgate send` — and everything waits in the outbox.
 */
import { z } from "zod";
import { type LoadedConfig, loadConfig } from "../cli-config.ts";
import { CliError, ExitCode } from "../cli-error.ts";
import { writeJson, writeLines } from "../output.ts";

const CHANNEL = "imessage";

const pauseOptions = z.object({
  config: z.string().optional(),
  json: z.boolean().optional(),
  account: z.string().min(1).optional(),
  reason: z.string().max(500).optional(),
});

type PauseResult = import("@imgate/gateway/control-api-types").PauseResult;
type Action = PauseResult["action"];

/** Applies the switch through the gateway; `undefined` when none runs. */
async function viaGateway(
  loaded: LoadedConfig,
  action: Action,
  body: { accountId?: string; reason?: string },
): Promise<PauseResult | undefined> {
  const [
    { callControlApi, controlApiAddress },
    { gatewayRefusal, parseGatewayReply },
    { pauseResultSchema },
  ] = await Promise.all([
    import("../control-api-client.ts"),
    import("../gateway-reply.ts"),
    import("@imgate/gateway/control-api-types"),
  ]);
  const path = action === "paused" ? "/v1/pause" : "/v1/resume";
  const response = await callControlApi(controlApiAddress(loaded.config.gateway.http), "POST", path, body);
  if (!response) return undefined;
  if (response.status >= 400) {
    const refusal = gatewayRefusal(response);
    throw new CliError(
      response.status === 404 ? "CLI_NOT_FOUND" : "CLI_FAILED",
      refusal?.message ?? `The gateway refused POST ${path} (HTTP ${response.status}).`,
    );
  }
  return parseGatewayReply(pauseResultSchema, response, `POST ${path}`);
}

/**
 * Applies the switch in the configured state (no gateway answers here): the SQLite file, or the PostgreSQL
 * database every gateway shares. `shared` says which.
 */
async function viaStateStore(
  loaded: LoadedConfig,
  action: Action,
  accountId: string | undefined,
  reason: string | undefined,
): Promise<{ result: PauseResult; shared: boolean }> {
  const [{ openStateBackend }, { selectAccount }, { loadImessageChannel }] = await Promise.all([
    import("../open-state-backend.ts"),
    import("../imsg-session.ts"),
    import("../imessage-channel-api.ts"),
  ]);
  const { resolveAccounts } = await loadImessageChannel();
  const accountIds = resolveAccounts(loaded.config.channels.imessage ?? {}).map(
    (account) => account.accountId,
  );
  const id = accountId === undefined ? undefined : (await selectAccount(loaded, accountId)).accountId;
  // Nothing to resume in a SQLite file that does not exist yet.
  const opened = await openStateBackend(loaded, { create: action === "paused" });
  if (!opened) {
    const accounts = accountIds.map((entry) => ({ accountId: entry, paused: false, queued: 0 }));
    return { result: { action, accounts }, shared: false };
  }
  const { pauses, outbox, kind } = opened.backend;
  try {
    if (action === "paused") await pauses.pause(CHANNEL, id, reason);
    else {
      if (id !== undefined && (await pauses.stateOf(CHANNEL, id))?.scope === "all") {
        throw new CliError(
          "CLI_FAILED",
          "Every account is paused (imgate pause without --account); resume them all with `imgate resume`.",
        );
      }
      await pauses.resume(CHANNEL, id);
    }
    const queued = new Map<string, number>();
    for (const entry of await outbox.list(["queued"])) {
      if (entry.channel === CHANNEL) queued.set(entry.accountId, (queued.get(entry.accountId) ?? 0) + 1);
    }
    const accounts: PauseResult["accounts"] = [];
    for (const entry of accountIds) {
      accounts.push({
        accountId: entry,
        paused: (await pauses.stateOf(CHANNEL, entry)) !== undefined,
        queued: queued.get(entry) ?? 0,
      });
    }
    return { result: { action, accounts }, shared: kind === "postgres" };
  } finally {
    await opened.close();
  }
}

async function run(action: Action, rawOptions: unknown): Promise<number> {
  const options = pauseOptions.parse(rawOptions);
  const loaded = await loadConfig(options.config);
  const body = {
    ...(options.account !== undefined ? { accountId: options.account } : {}),
    ...(options.reason !== undefined && action === "paused" ? { reason: options.reason } : {}),
  };
  const fromGateway = await viaGateway(loaded, action, body);
  const via = fromGateway ? "gateway" : "state";
  const fromState = fromGateway
    ? undefined
    : await viaStateStore(loaded, action, options.account, options.reason);
  const result = fromGateway ?? (fromState as NonNullable<typeof fromState>).result;
  const shared = fromState?.shared === true;
  if (options.json) {
    writeJson({ ...result, via, ...(fromState ? { state: shared ? "postgres" : "sqlite" } : {}) });
    return ExitCode.ok;
  }
  const which = options.account === undefined ? "every account" : `account ${options.account}`;
  const when = fromGateway
    ? "the running gateway applied it now"
    : shared
      ? "in the PostgreSQL database the gateways share; each applies it before its next send"
      : "no gateway runs; it applies when one starts";
  const lines =
    action === "paused"
      ? [
          `Paused sending on ${which} (${when}): nothing is sent — replies, pairing codes, imgate send — everything waits in the outbox.`,
          `Resume with: imgate resume${options.account !== undefined ? ` --account ${options.account}` : ""}`,
        ]
      : [
          `Resumed sending on ${which} (${when}); waiting messages go out in order, within channels.imessage.limits.`,
        ];
  for (const account of result.accounts) {
    lines.push(
      `  imessage/${account.accountId}: ${account.paused ? "paused" : "sending"}, ${account.queued} message(s) waiting in the outbox`,
    );
  }
  writeLines(lines);
  return ExitCode.ok;
}

/** `imgate pause [--account ID] [--reason TEXT] [--json]`. */
export const runPause = (rawOptions: unknown) => run("paused", rawOptions);
/** `imgate resume [--account ID] [--json]`. */
export const runResume = (rawOptions: unknown) => run("resumed", rawOptions);
