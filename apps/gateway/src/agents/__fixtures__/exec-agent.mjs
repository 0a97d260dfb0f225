// Test agent for the exec backend. Mode from argv[2]:
//   reply   – reads the turn JSON from stdin, answers {"text": "<agentId>:<text>", "env": {...}}
//   fail    – writes to stderr and exits 3
//   hang    – writes its pid to argv[3], ignores SIGTERM and never exits
//   garbage – prints non-JSON
//   flood   – prints far more than the output cap
import { writeFileSync } from "node:fs";

const mode = process.argv[2];
if (mode === "hang") {
  // Written first thing, and SIGTERM ignored, so the test sees the SIGKILL escalation.
  writeFileSync(process.argv[3], String(process.pid));
  process.on("SIGTERM", () => {});
  setInterval(() => {}, 1000);
}
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  if (mode === "reply") {
    const turn = JSON.parse(input);
    process.stdout.write(
      JSON.stringify({
        text: `${turn.agentId}:${turn.text}`,
        env: { EXTRA: process.env.EXTRA ?? null, IMGATE_TOKEN: process.env.IMGATE_TOKEN ?? null },
        lines: input.split("\n").length,
      }),
    );
  } else if (mode === "fail") {
    process.stderr.write("agent exploded\n");
    process.exit(3);
  } else if (mode === "garbage") {
    process.stdout.write("this is not json");
  } else if (mode === "flood") {
    process.stdout.write("x".repeat(200_000));
  }
});
