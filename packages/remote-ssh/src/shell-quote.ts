/**
 * POSIX single-quote quoting: the result is one shell word whose value is exactly `value` in sh, bash,
 * dash and zsh. Inside single quotes nothing is special, so the only thing to handle is `'` itself,
 * which becomes `'\''` (close, escaped quote, reopen).
 */
export function quoteShellArg(value: string): string {
  if (value.includes("\0")) {
    throw new TypeError("a shell argument cannot contain a NUL byte");
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Renders `env NAME='value' … 'argv0' 'arg1' …` for a remote shell. Going through `env` (rather than
 * `NAME=value cmd`) keeps the assignments working in shells without that syntax; every word is quoted.
 */
export function renderRemoteCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string {
  if (argv.length === 0) {
    throw new TypeError("a remote command needs at least one word");
  }
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) {
      throw new TypeError(`invalid environment variable name ${JSON.stringify(name)}`);
    }
    return quoteShellArg(`${name}=${value}`);
  });
  const words = argv.map(quoteShellArg);
  return assignments.length === 0 ? words.join(" ") : ["env", ...assignments, ...words].join(" ");
}
