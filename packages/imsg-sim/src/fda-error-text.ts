/**
 * The Full-Disk-Access banner imsg prints when chat.db cannot be opened (§2.1): it contains
 * `Permission Error`, `Full Disk Access` and the database path, which is what clients look for.
 */
export function fdaErrorText(dbPath: string): string {
  return [
    "⚠️  Permission Error: Cannot access Messages database",
    "",
    `The Messages database at ${dbPath} requires Full Disk Access permission.`,
    "",
    "To fix:",
    "1. Open System Settings → Privacy & Security → Full Disk Access",
    "2. Add your terminal application (Terminal.app, iTerm, etc.) or the app that launches imsg",
    "3. Restart that application",
    "4. Try again",
    "",
    "Note: This is required because macOS protects the Messages database (chat.db).",
    "",
    "Underlying error: authorization denied (code: 23)",
  ].join("\n");
}
