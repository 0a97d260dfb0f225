/**
 * Test harness: the imsg stand-in as a real child process behind imsg-rpc's supervised client, plus a
 * small chat.db writer for inbound rows (until imsg-sim's `./testing` export lands).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { silentLogger } from "@imgate/channel-core";
import { createImsgClient, type ImsgClient, spawnTransport } from "@imgate/imsg-rpc";
import type { ImsgPort } from "../imsg-port.ts";
import { imsgPortFromClient } from "../imsg-port-from-client.ts";

/** Path of the stand-in's `imsg` launcher. */
export const SIM_IMSG = resolve(import.meta.dirname, "../../../imsg-sim/bin/imsg");
/** The stand-in's own handle in these tests. */
export const SELF = "bot@icloud.com";

/** A running stand-in. */
export interface SimHarness {
  client: ImsgClient;
  port: ImsgPort;
  dbPath: string;
  stop(): Promise<void>;
}

/** Starts the stand-in (`compat` 0.9 or 0.15) with extra `IMSG_SIM_*` env. */
export async function startSim(
  compat: "0.9" | "0.15",
  env: Record<string, string> = {},
): Promise<SimHarness> {
  const dir = mkdtempSync(join(tmpdir(), "imessage-channel-"));
  const dbPath = join(dir, "chat.db");
  const client = createImsgClient({
    transport: spawnTransport({
      cliPath: SIM_IMSG,
      dbPath,
      env: {
        IMSG_SIM_COMPAT: compat,
        IMSG_SIM_CREATE_DB: "1",
        IMSG_SIM_SELF: SELF,
        IMSG_SIM_POLL_MS: "50",
        ...env,
      },
    }),
    logger: silentLogger,
    restart: { maxAttempts: 1 },
  });
  await client.start();
  return {
    client,
    port: imsgPortFromClient(client),
    dbPath,
    async stop() {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const APPLE_EPOCH_MS = 978_307_200_000;

/** Options of {@link writeInbound}. */
export interface InboundRow {
  from: string;
  text: string;
  /** Chat identifier; default the sender's DM. */
  chat?: string;
  group?: boolean;
  /** Store the text only in `attributedBody`. */
  attributedOnly?: boolean;
  /** Leave the row unjoined (imsg ≤0.9 reports `chat_id: 0`); join it later with {@link joinRow}. */
  unjoined?: boolean;
}

function attributedBody(text: string): Uint8Array {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length >= 0x80) throw new Error("test helper supports short texts only");
  return Buffer.concat([
    Buffer.from("streamtyped NSString "),
    Buffer.from([0x01, 0x2b, bytes.length]),
    bytes,
    Buffer.from([0x86, 0x84]),
  ]);
}

/** Writes one inbound row (as Messages would) and returns its ROWID, chat ROWID and guid. */
export function writeInbound(dbPath: string, row: InboundRow): { id: number; chatId: number; guid: string } {
  const db = new DatabaseSync(dbPath);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const handle =
      (db.prepare("SELECT ROWID AS id FROM handle WHERE id = ?").get(row.from) as { id: number } | undefined)
        ?.id ??
      Number(
        db.prepare("INSERT INTO handle(id, service) VALUES (?, 'iMessage')").run(row.from).lastInsertRowid,
      );
    const identifier = row.chat ?? row.from;
    const chatGuid = `iMessage;${row.group ? "+" : "-"};${identifier}`;
    const chatId =
      (db.prepare("SELECT ROWID AS id FROM chat WHERE guid = ?").get(chatGuid) as { id: number } | undefined)
        ?.id ??
      Number(
        db
          .prepare(
            "INSERT INTO chat(guid, chat_identifier, service_name, display_name) VALUES (?, ?, 'iMessage', ?)",
          )
          .run(chatGuid, identifier, row.group ? "Group" : "").lastInsertRowid,
      );
    db.prepare("INSERT OR IGNORE INTO chat_handle_join(chat_id, handle_id) VALUES (?, ?)").run(
      chatId,
      handle,
    );
    const guid = randomUUID().toUpperCase();
    const date = BigInt(Date.now() - APPLE_EPOCH_MS) * 1_000_000n;
    const id = Number(
      db
        .prepare(
          "INSERT INTO message(guid, text, attributedBody, handle_id, service, date, is_from_me, destination_caller_id) VALUES (?, ?, ?, ?, 'iMessage', ?, 0, ?)",
        )
        .run(
          guid,
          row.attributedOnly ? null : row.text,
          row.attributedOnly ? attributedBody(row.text) : null,
          handle,
          date,
          SELF,
        ).lastInsertRowid,
    );
    if (!row.unjoined) joinRow(dbPath, chatId, id, db);
    return { id, chatId, guid };
  } finally {
    db.close();
  }
}

/** Writes the chat join of a row written with `unjoined`. */
export function joinRow(dbPath: string, chatId: number, messageId: number, open?: DatabaseSync): void {
  const db = open ?? new DatabaseSync(dbPath);
  try {
    db.prepare(
      "INSERT OR IGNORE INTO chat_message_join(chat_id, message_id, message_date) SELECT ?, ROWID, date FROM message WHERE ROWID = ?",
    ).run(chatId, messageId);
  } finally {
    if (!open) db.close();
  }
}

/** Number of message rows with exactly this text. */
export function countRows(dbPath: string, text: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM message WHERE text = ?").get(text) as { n: number }).n;
  } finally {
    db.close();
  }
}
