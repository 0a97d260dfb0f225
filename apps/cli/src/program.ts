/**
 * The `imgate` command tree. Each subcommand's module is imported only when that subcommand runs, so
 * `imgate --help` and cheap commands never load the gateway.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { describeFailure, ExitCode, UsageError } from "./cli-error.ts";
import { wantsJson, writeJsonError } from "./output.ts";

/** What every command module's `run` returns: the process exit code. */
export type CommandResult = Promise<number>;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

const configOption = () =>
  new Option("--config <path>", "config file (JSON5); default: $IMGATE_CONFIG, else ~/.imgate/imgate.json5");
const jsonOption = () => new Option("--json", "print machine-readable JSON on stdout");

/**
 * Builds the command tree. `setExitCode` receives each action's result; actions throw {@link CliError}s
 * for failures, which {@link runCli} prints.
 */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("imgate")
    .description("imgate connects iMessage to AI agents.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    // Global options: `imgate --config X status` means `imgate status --config X` (the command's own
    // option, when given too, wins).
    .addOption(configOption())
    .addOption(jsonOption())
    // `gateway` has options and subcommands: `--config` after `install` must reach `install`.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`imgate: ${text.replace(/^error: /, "").trimEnd()} (see --help)\n`),
    });

  // Each action: lazy-load the module, run it, record its exit code.
  const act =
    <Args extends unknown[]>(load: () => Promise<(...args: Args) => CommandResult>) =>
    async (...args: Args) => {
      const run = await load();
      // Commander passes (...arguments, options, command): fill unset options from the global ones.
      const options = args.at(-2) as Record<string, unknown> | undefined;
      if (options && typeof options === "object") {
        for (const [key, value] of Object.entries(program.opts())) {
          if (value !== undefined && options[key] === undefined) options[key] = value;
        }
      }
      setExitCode(await run(...args));
    };

  const gateway = program
    .command("gateway")
    .description("run the gateway in the foreground until SIGINT/SIGTERM")
    .addOption(configOption())
    .enablePositionalOptions()
    .action(act(async () => (await import("./commands/gateway.ts")).runGateway));
  for (const verb of ["install", "uninstall"] as const) {
    gateway
      .command(verb)
      .description(
        verb === "install"
          ? "install the gateway as a user service (launchd LaunchAgent on macOS, systemd user unit on Linux)"
          : "remove the gateway's user service",
      )
      .addOption(configOption())
      .option("--dry-run", "print the service file and where it would go; change nothing")
      .option("--print", "same as --dry-run")
      .option(
        "--dir <path>",
        "directory for the service file (default: ~/Library/LaunchAgents or ~/.config/systemd/user)",
      )
      .addOption(new Option("--platform <kind>", "service manager to target").choices(["launchd", "systemd"]))
      .action(
        act(async () => {
          const module = await import("./commands/gateway-service.ts");
          return verb === "install" ? module.runGatewayInstall : module.runGatewayUninstall;
        }),
      );
  }

  const pairing = program.command("pairing").description("DM pairing requests: list, approve, reject");
  pairing
    .command("list")
    .description("list pending pairing requests")
    .argument("[channel]", "channel (imessage)")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/pairing.ts")).runPairingList));
  pairing
    .command("approve")
    .description("approve a pending pairing request by its code")
    .argument("<channel>", "channel (imessage)")
    .argument("<code>", "the pairing code the sender received")
    .option("--notify", "tell the sender they were approved")
    .option("--account <id>", "account that sends the --notify message (default: the default account)")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/pairing.ts")).runPairingApprove));
  pairing
    .command("reject")
    .description("reject a pending pairing request by its code")
    .argument("<channel>", "channel (imessage)")
    .argument("<code>", "the pairing code the sender received")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/pairing.ts")).runPairingReject));

  const config = program.command("config").description("read, check and edit the config file");
  const configCommand = (name: string, description: string) =>
    config.command(name).description(description).addOption(configOption());
  configCommand("validate", "check the config file and name every invalid key")
    .addOption(jsonOption())
    .action(act(async () => (await import("./commands/config.ts")).runConfigValidate));
  configCommand("show", "print the config with defaults applied and secrets redacted")
    .addOption(jsonOption())
    .action(act(async () => (await import("./commands/config.ts")).runConfigShow));
  configCommand("get", "print the value at a key path (e.g. channels.imessage.dmPolicy)")
    .argument("<path>", "dotted key path")
    .addOption(jsonOption())
    .action(act(async () => (await import("./commands/config.ts")).runConfigGet));
  configCommand(
    "set",
    "set a key path to a value (a JSON5 literal, else a string; +1555… stays a string); refuses an invalid result",
  )
    .argument("<path>", "dotted key path")
    .argument("<value>", 'value, e.g. open, 20, true, ["+15551234567"]')
    .action(act(async () => (await import("./commands/config.ts")).runConfigSet));
  configCommand("unset", "remove a key path; refuses an invalid result")
    .argument("<path>", "dotted key path")
    .action(act(async () => (await import("./commands/config.ts")).runConfigUnset));
  configCommand("schema", "print the JSON Schema of the config file")
    .option("--agent-reply", "print the JSON Schema of an exec/webhook agent's rich reply instead")
    .action(act(async () => (await import("./commands/config.ts")).runConfigSchema));

  program
    .command("chats")
    .description("list recent chats through imsg")
    .option("--limit <n>", "how many chats", "20")
    .option("--account <id>", "account to use (default: the default account)")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/chats.ts")).runChats));
  program
    .command("history")
    .description("show recent messages of a chat (chat_id:N, chat_guid:…, chat_identifier:… or a handle)")
    .argument("<target>", "chat target")
    .option("--limit <n>", "how many messages", "20")
    .option("--account <id>", "account to use (default: the default account)")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/history.ts")).runHistory));
  program
    .command("send")
    .description("send a message (through the running gateway when there is one)")
    .argument(
      "<target>",
      "chat_id:N (see `imgate chats`), chat_guid:…, chat_identifier:…, a phone number or email (optionally imessage:/sms:/auto:), or a contact name",
    )
    .argument("[text]", "message text")
    .option("--file <path>", "attach a file")
    .option("--account <id>", "account to send from (default: the default account)")
    .option("--no-wait", "through a gateway: return once the message is queued (status queued, exit 0)")
    .option("--timeout <seconds>", "how long to wait for the delivery outcome (default 10, at most 120)")
    .addHelpText(
      "after",
      "\nWaits for the outcome and exits 0 only when the message was sent (or queued with --no-wait, or held):\n" +
        "  exit 2  malformed target or unknown prefix (nothing sent)\n" +
        "  exit 1  no such chat, a contact name imsg cannot resolve, a failed or unconfirmed send\n" +
        "  exit 0  also when held (status held): paused (`imgate pause`) or over channels.imessage.limits — the\n" +
        "          message waits in the outbox and goes out once by itself; do not resend it\n" +
        "The same rules apply with and without a running gateway; --json prints the outcome or the refusal\n" +
        "as JSON on stdout ({target, status, accountId, via, outboxIds, error: {code, message}}).",
    )
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/send.ts")).runSend));

  program
    .command("pause")
    .description(
      "stop all outbound sending (kill switch); everything waits in the outbox until `imgate resume`",
    )
    .option("--account <id>", "pause only this account (default: every account)")
    .option("--reason <text>", "why, shown in `imgate status`")
    .addHelpText(
      "after",
      "\nWorks through the running gateway (applied at once) or, when none runs, in the state database.\n" +
        "While paused nothing is sent — replies, pairing codes, `imgate send`, control-API sends — and nothing is\n" +
        "dropped: `imgate resume` releases the held messages in order. The pause survives restarts.",
    )
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/pause.ts")).runPause));
  program
    .command("resume")
    .description("resume outbound sending after `imgate pause`; held messages go out in order")
    .option("--account <id>", "resume only this account (default: every account)")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/pause.ts")).runResume));
  program
    .command("status")
    .description("show whether the gateway runs and how its accounts are")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/status.ts")).runStatus));
  program
    .command("doctor")
    .description("check the whole setup and name the fix for each problem")
    .addOption(jsonOption())
    .addOption(configOption())
    .action(act(async () => (await import("./commands/doctor.ts")).runDoctor));
  program
    .command("demo")
    .description("run the gateway, the imsg stand-in and the echo agent with a scripted conversation")
    .option("--script-only", "exit after the scripted conversation")
    .option("--keep", "keep the temporary directory after exit")
    .addOption(configOption().hideHelp())
    .action(act(async () => (await import("./commands/demo.ts")).runDemo));

  return program;
}

/** Parses `argv` (without node and script), runs the command and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.ok;
  }
  const json = wantsJson(argv);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" under exitOverride; everything else is a usage error (commander
      // already printed its sentence on stderr).
      if (error.exitCode === 0) return ExitCode.ok;
      if (json) writeJsonError(new UsageError(error.message.replace(/^error: /, "")));
      return ExitCode.usage;
    }
    const failure = describeFailure(error);
    if (json) writeJsonError(error);
    process.stderr.write(`imgate: ${failure.message}\n`);
    if (process.env.IMGATE_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return failure.exitCode;
  }
}
