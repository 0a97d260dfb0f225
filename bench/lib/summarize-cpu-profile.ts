/**
 * Prints where a V8 `.cpuprofile` spends its time: self time by function and by file (package), top N.
 * Run: `node bench/lib/summarize-cpu-profile.ts <file.cpuprofile> [N]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) by function and by file, largest first. */
export function summarizeCpuProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url.replace(/^file:\/\/.*?\/(packages|apps|node_modules)\//, "$1/") || "(native)";
    const key = `${frame.functionName || "(anonymous)"}  ${where}:${frame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const pkg = where.replace(/\/[^/]*$/, "");
    file.set(pkg, (file.get(pkg) ?? 0) + ms);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`,
      );
  return [
    `total sampled ${total.toFixed(0)} ms`,
    "self time by function:",
    ...rows(fn),
    "self time by folder:",
    ...rows(file),
  ].join("\n");
}

if (import.meta.main) {
  const [path, top] = process.argv.slice(2);
  if (!path) throw new Error("usage: summarize-cpu-profile.ts <file.cpuprofile> [N]");
  console.log(summarizeCpuProfile(JSON.parse(readFileSync(path, "utf8")) as Profile, Number(top ?? 25)));
}
