/** One shell word: its value after quote removal, and whether it holds an unquoted expansion (`$`, backtick). */
export interface ShellWord {
  value: string;
  /** True when the word's value depends on the shell (`$VAR`, `$(…)`, backticks, unquoted globs aside). */
  dynamic: boolean;
}

/**
 * Splits shell text into simple commands (lists of words), the way sh reads it: quotes (`'…'`, `"…"`),
 * backslash escapes, backslash-newline continuations, `#` comments, and command separators (newline,
 * `;`, `&`, `|`, `&&`, `||`). No expansion is done; words that would expand are marked `dynamic`.
 * Here-documents and compound commands are not understood (their lines are read as commands).
 */
export function splitShellCommands(text: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let value = "";
  let dynamic = false;
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push({ value, dynamic });
    value = "";
    dynamic = false;
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "\n") {
        i += 2; // line continuation
        continue;
      }
      if (next !== undefined) {
        value += next;
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      value += text.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (c === '"') {
      inWord = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        const d = text[i] as string;
        if (d === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== "\n") value += text[i + 1];
          i += 2;
          continue;
        }
        if (d === "$" || d === "`") dynamic = true;
        value += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === "#" && !inWord) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "\n" || c === ";" || c === "&" || c === "|") {
      endCommand();
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord();
      i++;
      continue;
    }
    if (c === "$" || c === "`") dynamic = true;
    value += c;
    inWord = true;
    i++;
  }
  endCommand();
  return commands;
}
