/**
 * The parts of `@imgate/imessage-channel` the CLI uses: account resolution and target parsing. Looked up
 * at run time so that the CLI builds against a channel package whose index does not export them yet;
 * a missing export is reported as one clear error instead of a crash.
 */
import { CliError } from "./cli-error.ts";

/** The fields of a resolved account (`ResolvedImessageAccount`) that the CLI reads. */
export interface Account {
  accountId: string;
  isDefault: boolean;
  enabled: boolean;
  cliPath: string;
  dbPath?: string;
  remote?: {
    host: string;
    port?: number;
    user?: string;
    knownHostsFile?: string;
    hostKeyPolicy?: string;
    imsgPath?: string;
  };
  service: "imessage" | "sms" | "auto";
  region: string;
}

/** A parsed send target (`ImessageTarget`). */
export type Target =
  | { kind: "chat_id"; chatId: number }
  | { kind: "chat_guid"; chatGuid: string }
  | { kind: "chat_identifier"; chatIdentifier: string }
  | { kind: "handle"; handle: string; service?: "imessage" | "sms" | "auto" };

/** The channel functions the CLI calls. */
export interface ImessageChannelApi {
  resolveAccounts(section: unknown): Account[];
  normalizeAccountId(id: string): string;
  parseTarget(input: string, options?: { region?: string }): Target;
}

/** Loads the channel functions; throws naming the missing export. */
export async function loadImessageChannel(): Promise<ImessageChannelApi> {
  const module = (await import("@imgate/imessage-channel")) as Record<string, unknown>;
  for (const name of ["resolveAccounts", "normalizeAccountId", "parseTarget"] as const) {
    if (typeof module[name] !== "function") {
      throw new CliError(
        "CLI_FAILED",
        `@imgate/imessage-channel does not export ${name}; update the workspace (git pull) and rebuild.`,
      );
    }
  }
  return module as unknown as ImessageChannelApi;
}
