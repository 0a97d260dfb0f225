/** Top-level help of the stand-in `imsg`. */
export const IMSG_HELP = `imsg (imsg-sim stand-in) — send and read iMessage / SMS from the terminal

Usage: imsg <command> [options]

Commands:
  chats     List recent chats (--limit N, --json)
  history   Show messages of a chat (--chat-id N, --limit N, --json)
  send      Send a message (--to H | --chat-id N | --chat-identifier I | --chat-guid G, --text T, --file F)
  group     Show a chat's details (--chat-id N, --json)
  status    Show feature status (--json)
  rpc       Run the JSON-RPC server over stdin/stdout (--db PATH)

Global options:
  --db PATH          Messages database (default ~/Library/Messages/chat.db)
  --json             NDJSON output
  -v, --verbose      Verbose logging
  --log-level LEVEL  Log level
  -V, --version      Print the version
  -h, --help         Show help

Stand-in only: --compat 0.9|0.15 (or IMSG_SIM_COMPAT), --sim-fda, --sim-bridge (or IMSG_SIM_BRIDGE=1); see packages/imsg-sim/README.md.
`;

/** Per-command help texts (`imsg <cmd> --help` exits 0 without running the command). */
export const COMMAND_HELP: Record<string, string> = {
  rpc: "Usage: imsg rpc [--db PATH] [--json] [-v] [--log-level L]\n\nRun a JSON-RPC 2.0 server over stdin/stdout (one JSON object per line).\n",
  chats: "Usage: imsg chats [--limit N] [--json] [--db PATH]\n\nList chats with messages, newest first.\n",
  history:
    "Usage: imsg history --chat-id N [--limit N] [--participants a,b] [--start ISO] [--end ISO] [--attachments] [--json] [--db PATH]\n",
  send: "Usage: imsg send (--to H | --chat-id N | --chat-identifier I | --chat-guid G) [--text T] [--file F] [--service imessage|sms|auto] [--region US] [--json]\n",
  group: "Usage: imsg group --chat-id N [--json] [--db PATH]\n",
  status: "Usage: imsg status [--json]\n",
};
