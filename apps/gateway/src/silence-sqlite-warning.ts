let installed = false;

/**
 * Drops Node's "SQLite is an experimental feature" warning (emitted once when `node:sqlite` loads; the
 * state store uses it) and passes every other warning on. Idempotent. Call it before anything
 * imports `node:sqlite` (in ES modules: then load the rest with a dynamic `import()`).
 */
export function silenceSqliteWarning(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.includes("SQLite is an experimental feature")) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
