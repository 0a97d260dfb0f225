/**
 * A duration for people: "1 hour", "30 minutes", "24 hours", "2 days" (the largest unit that divides
 * evenly; otherwise rounded in the largest unit that fits). Used where messages name a configured time.
 */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1_000],
  ];
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? "" : "s"}`;
  // Hours up to two days read better than days ("24 hours", "36 hours").
  for (const [unit, size] of units) {
    if (unit === "day" && ms < 2 * 86_400_000) continue;
    if (ms >= size && ms % size === 0) return plural(ms / size, unit);
  }
  for (const [unit, size] of units) {
    if (unit === "day" && ms < 2 * 86_400_000) continue;
    if (ms >= size) return plural(Math.round(ms / size), unit);
  }
  return plural(Math.max(0, Math.round(ms)), "millisecond").replace(/^1 milliseconds$/, "1 millisecond");
}
