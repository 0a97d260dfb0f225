/**
 * Entry point of `bin/imsg`: the stand-in for the macOS `imsg` CLI. Commands load lazily so `rpc` starts fast.
 * Errors go to stdout with exit code 1, as imsg's CommandRouter does (§1).
 */
import { extractSimFlags, parseCommandArgs } from "./cli-args.ts";
import { COMMAND_HELP, IMSG_HELP } from "./cli-help.ts";
import { DEFAULT_DB_PATH } from "./home-path.ts";
import { resolveSimOptions } from "./sim-options.ts";

const COMMAND_OPTIONS = {
  rpc: {},
  status: {},
  chats: { limit: { type: "string" } },
  history: {
    "chat-id": { type: "string" },
    limit: { type: "string" },
    participants: { type: "string" },
    start: { type: "string" },
    end: { type: "string" },
    attachments: { type: "boolean" },
    "convert-attachments": { type: "boolean" },
  },
  send: {
    to: { type: "string" },
    "chat-id": { type: "string" },
    "chat-identifier": { type: "string" },
    "chat-guid": { type: "string" },
    text: { type: "string" },
    file: { type: "string" },
    service: { type: "string" },
    region: { type: "string" },
    transport: { type: "string" },
  },
  group: { "chat-id": { type: "string" } },
} as const;

type Command = keyof typeof COMMAND_OPTIONS;

function write(text: string): void {
  process.stdout.write(text);
}

async function main(argv: string[]): Promise<number> {
  const { args, compat, fda, bridge } = extractSimFlags(argv);
  const options = resolveSimOptions(process.env, { compat, fda, bridge });
  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    write(IMSG_HELP);
    return 0;
  }
  if (command === "--version" || command === "-V") {
    write(`${options.version}\n`);
    return 0;
  }
  if (!(command in COMMAND_OPTIONS)) {
    write(`Unknown command: ${command}\n\n${IMSG_HELP}`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    write(COMMAND_HELP[command] ?? IMSG_HELP);
    return 0;
  }
  const name = command as Command;
  const { flags } = parseCommandArgs(rest, COMMAND_OPTIONS[name]);
  const io = { stdout: write };
  switch (name) {
    case "rpc":
      return runRpc(options, typeof flags.db === "string" ? flags.db : DEFAULT_DB_PATH);
    case "status":
      (await import("./cli-commands.ts")).runStatus(options, flags, io);
      return 0;
    case "chats":
      (await import("./cli-commands.ts")).runChats(options, flags, io);
      return 0;
    case "history":
      (await import("./cli-commands.ts")).runHistory(options, flags, io);
      return 0;
    case "send":
      await (await import("./cli-commands.ts")).runSend(options, flags, io);
      return 0;
    case "group":
      (await import("./cli-commands.ts")).runGroup(options, flags, io);
      return 0;
  }
}

async function runRpc(options: ReturnType<typeof resolveSimOptions>, dbPath: string): Promise<number> {
  const [{ OutputWriter }, { RpcContext }, { RpcServer }] = await Promise.all([
    import("./output-writer.ts"),
    import("./rpc-context.ts"),
    import("./rpc-server.ts"),
  ]);
  const out = new OutputWriter({
    sink: process.stdout,
    escapeSlashes: options.escapeSlashes,
    faults: options.faults,
    exit: (code) => process.exit(code),
  });
  const server = new RpcServer(new RpcContext(options, dbPath, out));
  return server.run(process.stdin);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (code !== 0 || process.argv[2] === "rpc") process.exit(code);
  },
  (error: unknown) => {
    write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
