/**
 * `imgate demo`: the gateway, the imsg stand-in and the echo agent as real processes on a temporary
 * chat.db, playing a short scripted conversation live — a stranger gets a pairing code, it is approved,
 * the conversation continues; a group message is ignored without a mention and answered with one; a
 * message is marked read, the typing bubble shows while the agent works, and a tapback reaches the agent as
 * an event — then (unless `--script-only`) staying up so you can inject your own messages.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { relative } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { CliError, ExitCode } from "../cli-error.ts";
import { observeChatDb, type SentMessage } from "../demo/chat-db-observer.ts";
import {
  type DemoRun,
  gatewayLogTail,
  inject,
  runSelf,
  STEP_TIMEOUT_MS,
  stopGateway,
  waitForLogLine,
  waitForReply,
  waitUntilReady,
} from "../demo/demo-run.ts";
import { createDemoWorkspace, imsgSim } from "../demo/demo-workspace.ts";

const optionsSchema = z.object({ scriptOnly: z.boolean().optional(), keep: z.boolean().optional() });

const STRANGER = "+15550001111";
const GROUP_MEMBER = "+15550002222";
const GROUP_ID = "chat424242";
const GROUP_NAME = "Weekend plans";

/** Shows a path relative to the working directory when that is shorter (the README runs from the repo root). */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && rel.length < path.length ? rel : path;
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, "\\$1")}"`;
}

function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line, index) => (index === 0 ? line : `${" ".repeat(prefix.length)}${line}`))
    .join("\n");
}

async function playScript(run: DemoRun): Promise<void> {
  const bot = run.workspace.agentName;
  const dm = (from: string, text: string) => say(`  ${from} → ${bot}:  ${text}`);
  const reply = (to: string, text: string) =>
    say(`  ${bot} → ${to}:  ${indent(text, `  ${bot} → ${to}:  `)}`);

  say('1. A stranger writes. dmPolicy is "pairing", so they get a pairing code instead of the agent.');
  const hello = "Hi! Who is this?";
  dm(STRANGER, hello);
  await inject(run, { from: STRANGER, text: hello });
  const pairingReply = await waitForReply(run, "the pairing code reply", (m) => m.chat === STRANGER);
  reply(STRANGER, pairingReply.text);
  const code = /\b([A-HJ-NP-Z2-9]{8})\b/.exec(pairingReply.text)?.[1];
  if (!code)
    throw new CliError(
      "CLI_FAILED",
      `The pairing reply carries no code: ${JSON.stringify(pairingReply.text)}`,
    );
  say();

  say("2. The owner approves the code (the CLI asks the running gateway, which tells the sender).");
  const approveArgs = [
    "pairing",
    "approve",
    "imessage",
    code,
    "--notify",
    "--config",
    run.workspace.configPath,
  ];
  say(`  $ imgate ${approveArgs.slice(0, 5).join(" ")} --config ${show(run.workspace.configPath)}`);
  const approval = await runSelf(run, approveArgs);
  for (const line of (approval.stdout + approval.stderr).trim().split("\n")) say(`  ${line}`);
  if (approval.code !== 0) throw new CliError("CLI_FAILED", `pairing approve exited with ${approval.code}`);
  const notice = await waitForReply(run, "the approval notice", (m) => m.chat === STRANGER);
  reply(STRANGER, notice.text);
  say();

  say(`3. The conversation continues: the echo agent answers with exactly what it got.`);
  for (const text of ["What's the weather like?", "Thanks, talk later 👋"]) {
    dm(STRANGER, text);
    await inject(run, { from: STRANGER, text });
    const answer = await waitForReply(
      run,
      `the echo of ${JSON.stringify(text)}`,
      (m) => m.chat === STRANGER && m.text === text,
    );
    reply(STRANGER, answer.text);
  }
  say();

  say(`4. In a group, the agent only answers when it is mentioned (${run.workspace.mention}).`);
  const group = { id: GROUP_ID, name: GROUP_NAME, participants: [STRANGER] };
  const plain = "Anyone up for a hike on Saturday?";
  say(`  ${GROUP_MEMBER} in "${GROUP_NAME}":  ${plain}`);
  await inject(run, { from: GROUP_MEMBER, text: plain, group });
  const mentioned = `${run.workspace.mention} can you remind us on Friday?`;
  say(`  ${GROUP_MEMBER} in "${GROUP_NAME}":  ${mentioned}`);
  await inject(run, { from: GROUP_MEMBER, text: mentioned, group });
  const unexpected: SentMessage[] = [];
  const groupReply = await waitForReply(
    run,
    "the answer to the mention",
    (m) => m.chat === GROUP_ID && m.text === mentioned,
    (m) => unexpected.push(m),
  );
  const answeredPlain = unexpected.some((m) => m.chat === GROUP_ID);
  say(
    answeredPlain
      ? `  ${bot} answered the message without a mention — that is a bug.`
      : `  (no reply to "${plain}": not mentioned, so the gateway only kept it as group history)`,
  );
  say(`  ${bot} → "${GROUP_NAME}":  ${groupReply.text}`);
  if (answeredPlain)
    throw new CliError("CLI_FAILED", "The gateway answered a group message that did not mention it.");
  say();

  await playPresence(run);
}

/** Step 5: read receipt, typing bubble and a tapback, through imsg's bridge (simulated by imsg-sim). */
async function playPresence(run: DemoRun): Promise<void> {
  const bot = run.workspace.agentName;
  say(
    "5. What the person sees in Messages (imsg's bridge, simulated): a read receipt, the typing bubble, a tapback.",
  );
  const before = run.observer.bridgeCalls().at(-1)?.id ?? 0;
  const question = "Can you keep it short?";
  say(`  ${STRANGER} → ${bot}:  ${question}`);
  await inject(run, { from: STRANGER, text: question });
  const answer = await waitForReply(
    run,
    `the echo of ${JSON.stringify(question)}`,
    (m) => m.chat === STRANGER && m.text === question,
  );
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let calls = run.observer.bridgeCalls(before).filter((c) => c.chat === STRANGER);
  while (!calls.some((c) => c.method === "typing" && c.typing === false) && Date.now() < deadline) {
    await delay(100);
    calls = run.observer.bridgeCalls(before).filter((c) => c.chat === STRANGER);
  }
  const read = calls.some((c) => c.method === "read");
  const typed = calls.some((c) => c.method === "typing" && c.typing === true);
  const cleared = calls.some((c) => c.method === "typing" && c.typing === false);
  if (!read || !typed || !cleared) {
    throw new CliError(
      "CLI_FAILED",
      `The demo did not see the read receipt and typing bubble (bridge calls: ${JSON.stringify(calls)}); see ${run.logPath}.`,
    );
  }
  say(`  [Messages on ${STRANGER}'s phone]  “Read” under the message, as the agent takes it`);
  say(`  [Messages on ${STRANGER}'s phone]  ${bot} is typing …`);
  say(`  ${bot} → ${STRANGER}:  ${answer.text}`);
  say(`  [Messages on ${STRANGER}'s phone]  the typing bubble goes away`);
  say(`  ${STRANGER} ❤️ loves ${bot}'s answer (a tapback)`);
  await inject(run, { from: STRANGER, text: "", reaction: { kind: "love", on: answer.guid } });
  await waitForLogLine(run, "tapback handed to the agent as an event", "the tapback reach the agent");
  const after = "Bye!";
  say(`  ${STRANGER} → ${bot}:  ${after}`);
  await inject(run, { from: STRANGER, text: after });
  const unexpected: SentMessage[] = [];
  const bye = await waitForReply(
    run,
    `the echo of ${JSON.stringify(after)}`,
    (m) => m.chat === STRANGER && m.text === after,
    (m) => unexpected.push(m),
  );
  if (unexpected.some((m) => m.chat === STRANGER)) {
    throw new CliError("CLI_FAILED", "The gateway answered a tapback as if it were a text message.");
  }
  say(
    `  (the tapback reached ${bot} as an event, not as a message “Loved …” to answer; the echo agent lets events pass)`,
  );
  say(`  ${bot} → ${STRANGER}:  ${bye.text}`);
  say();
}

function printTryYourself(run: DemoRun): void {
  const { workspace } = run;
  const sim = show(imsgSim.tool);
  say("The demo keeps running. In another terminal, try:");
  say(`  ${sim} inject --db ${show(workspace.dbPath)} --from +15550003333 --text "Hello there"`);
  say(
    `  ${sim} inject --db ${show(workspace.dbPath)} --from ${STRANGER} --reaction like --reacted-to GUID   (a tapback; GUID of a message, see chat.db)`,
  );
  say(`  ./imgate pairing list --config ${show(workspace.configPath)}`);
  say(`  ./imgate pairing approve imessage CODE --config ${show(workspace.configPath)}`);
  say(
    `  ${sim} inject --db ${show(workspace.dbPath)} --from +15550002222 --chat-identifier ${GROUP_ID} --group --name ${quote(GROUP_NAME)} --text "${workspace.mention} hi"`,
  );
  say(`(with IMGATE_TOKEN=${workspace.token} in that terminal, so the CLI may talk to this gateway)`);
  say(`Gateway log: ${show(run.logPath)}. Ctrl-C stops everything and deletes the workspace.`);
  say();
}

async function followLive(run: DemoRun): Promise<void> {
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let gatewayGone = false;
  void run.gatewayExit.then(() => {
    gatewayGone = true;
  });
  while (!stop && !gatewayGone) {
    for (const m of run.observer.poll()) {
      const where = m.chatName ? `"${m.chatName}"` : m.chat;
      const agent = run.workspace.agentName;
      // Same shapes as the scripted part: "A → B:" for a DM, "A in "Group":" for a group.
      if (m.fromMe) say(`  ${agent} → ${where}:  ${m.text}`);
      else if (m.chatName) say(`  ${m.sender} in ${where}:  ${m.text}`);
      else say(`  ${m.sender} → ${agent}:  ${m.text}`);
    }
    await delay(200);
  }
  if (gatewayGone && !stop) say(`The gateway exited; its log ends with:\n${gatewayLogTail(run.logPath)}`);
}

/** `imgate demo [--script-only] [--keep]`. */
export async function runDemo(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const workspace = await createDemoWorkspace();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IMGATE_TOKEN: workspace.token,
    IMGATE_LOG_LEVEL: "debug",
    // The imsg stand-in plays imsg with its IMCore bridge running: typing, read and tapbacks work.
    IMSG_SIM_BRIDGE: "1",
  };
  delete env.IMGATE_STATE_DIR;
  delete env.IMGATE_CONFIG;
  const logPath = `${workspace.dir}/gateway.log`;
  say("imgate demo: the gateway, the imsg stand-in (on a temporary chat.db) and the echo agent, all live.");
  say(`  workspace: ${show(workspace.dir)}`);
  say();

  const log = createWriteStream(logPath);
  const gateway = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, "gateway", "--config", workspace.configPath],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  gateway.stdout?.pipe(log);
  gateway.stderr?.pipe(log);
  const gatewayExit = new Promise<number | null>((resolve) => gateway.once("close", (code) => resolve(code)));
  const run: DemoRun = {
    workspace,
    gateway,
    gatewayExit,
    logPath,
    observer: observeChatDb(workspace.dbPath),
    env,
  };

  let exitCode: number = ExitCode.ok;
  try {
    process.stderr.write(process.stderr.isTTY ? "Starting the gateway…\r" : "");
    await waitUntilReady(run);
    run.observer.skipToEnd();
    await playScript(run);
    say("The script is done.");
    if (!options.scriptOnly) {
      printTryYourself(run);
      await followLive(run);
    }
  } catch (error) {
    exitCode = error instanceof CliError ? error.exitCode : ExitCode.failure;
    process.stderr.write(`imgate: ${(error as Error).message}\n`);
  } finally {
    run.observer.close();
    await stopGateway(run);
    log.end();
    if (options.keep) say(`Kept ${show(workspace.dir)}.`);
    else workspace.remove();
  }
  return exitCode;
}
