/**
 * The iMessage keys `/config` may never change from chat: they choose what runs (`cliPath`, `imsgPath`),
 * which database is read (`dbPath`), where the gateway connects (`remoteHost`, `remote`), and which remote
 * files may be fetched (`remoteAttachmentRoots`: as sensitive as what is run). Refused wherever they appear
 * in a path (top level, `accounts.<id>.…`), in any spelling.
 */
export const IMESSAGE_PROTECTED_CONFIG_KEYS: readonly string[] = [
  "cliPath",
  "dbPath",
  "remoteHost",
  "remote",
  "imsgPath",
  "remoteAttachmentRoots",
];
