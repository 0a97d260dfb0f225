export { processTree } from "./process-tree.ts";
export { type SshdHarness, type StartSshdOptions, startSshd } from "./sshd-harness.ts";
