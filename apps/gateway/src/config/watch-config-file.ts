import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "@imgate/channel-core";
import { logErrorFields } from "../logging/log-error-fields.ts";

/** A running config file watch. */
export interface ConfigFileWatch {
  close(): void;
}

/** Default quiet period after the last change before the file is read. */
export const CONFIG_RELOAD_DEBOUNCE_MS = 300;

/**
 * Calls `onChange` once the config file has been quiet for `debounceMs` after a change. The folder is
 * watched, not the file, so editors that save by writing a new file and renaming it are seen too.
 * Calls never overlap: a change during a running `onChange` is handled after it.
 */
export function watchConfigFile(
  path: string,
  onChange: () => Promise<void>,
  options: { logger: Logger; debounceMs?: number },
): ConfigFileWatch {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let closed = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, changed) => {
      if (closed || (changed !== null && changed !== name)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        chain = chain.then(() => (closed ? undefined : onChange())).catch(() => {});
      }, options.debounceMs ?? CONFIG_RELOAD_DEBOUNCE_MS);
    });
    watcher.on("error", (error) =>
      options.logger.warn(
        { ...logErrorFields(error), path },
        "config file watch failed; restart the gateway to apply changes",
      ),
    );
  } catch (error) {
    options.logger.warn(
      { ...logErrorFields(error), path },
      "cannot watch the config file; restart the gateway to apply changes",
    );
  }
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
