/**
 * The demo's private world: a temporary directory with a config file, a state directory and a
 * chat.db path for the imsg stand-in, a free loopback port and a random control-API token.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Paths into the imsg stand-in's package, located relative to the CLI (it is spawned, never imported). */
export const imsgSim = {
  /** `imsg` stand-in, used as `cliPath`. */
  imsg: fileURLToPath(new URL("../../../../packages/imsg-sim/bin/imsg", import.meta.url)),
  /** `imsg-sim inject …`. */
  tool: fileURLToPath(new URL("../../../../packages/imsg-sim/bin/imsg-sim", import.meta.url)),
};

/** Everything the demo created; {@link DemoWorkspace.remove} deletes it. */
export interface DemoWorkspace {
  dir: string;
  configPath: string;
  stateDir: string;
  dbPath: string;
  port: number;
  token: string;
  /** The agent's name and the mention that wakes it in groups. */
  agentName: string;
  mention: string;
  remove(): void;
}

/** Asks the kernel for a free loopback port. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Creates the temporary directory and writes the demo config (JSON5, commented for readers). */
export async function createDemoWorkspace(): Promise<DemoWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), "imgate-demo-"));
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const dbPath = join(dir, "chat.db");
  const configPath = join(dir, "imgate.json5");
  const port = await freeLoopbackPort();
  const token = randomBytes(18).toString("base64url");
  const agentName = "Molty";
  const mention = "@molty";
  writeFileSync(
    configPath,
    `// imgate demo config: the imsg stand-in on a temporary chat.db, the echo agent.
{
  channels: {
    imessage: {
      cliPath: ${JSON.stringify(imsgSim.imsg)},
      dbPath: ${JSON.stringify(dbPath)},
      dmPolicy: "pairing",           // strangers get a pairing code
      groupPolicy: "open",           // any group may talk to the agent…
      groups: { "*": { requireMention: true } }, // …but only when it is mentioned
      includeAttachments: true,      // photos and voice memos reach the agent
    },
  },
  agents: {
    list: [
      {
        id: "main",
        default: true,
        identity: { name: ${JSON.stringify(agentName)} },
        groupChat: { mentionPatterns: [${JSON.stringify(mention)}] },
        backend: { type: "echo" },
        // A vision agent instead: photos reach the model as images (HEIC converted to JPEG) and voice memos are
        // transcribed. Set OPENAI_API_KEY (or point baseUrl at Ollama, llama.cpp or vLLM) and use this line:
        // backend: { type: "openai", model: "gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY", vision: true, transcription: { model: "whisper-1" } },
      },
    ],
  },
  gateway: {
    stateDir: ${JSON.stringify(stateDir)},
    http: { host: "127.0.0.1", port: ${port}, tokenEnv: "IMGATE_TOKEN" },
  },
}
`,
    { mode: 0o600 },
  );
  return {
    dir,
    configPath,
    stateDir,
    dbPath,
    port,
    token,
    agentName,
    mention,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
