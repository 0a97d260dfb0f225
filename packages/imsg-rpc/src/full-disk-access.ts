import { ImsgFullDiskAccessError, ImsgResponseError, ImsgRpcCodes } from "./imsg-error.ts";

/**
 * Recognises imsg's "cannot read chat.db" answers: 0.9 answers every request with -32603 whose data
 * mentions Full Disk Access (§2.1); 0.14+ answers database requests with -32002 (§9).
 * Returns the typed error naming `binary`, or undefined for any other error.
 */
export function asFullDiskAccessError(error: unknown, binary: string): ImsgFullDiskAccessError | undefined {
  if (error instanceof ImsgFullDiskAccessError) return error;
  if (!(error instanceof ImsgResponseError)) return undefined;
  if (error.rpcCode === ImsgRpcCodes.databaseUnavailable) return new ImsgFullDiskAccessError(binary, error);
  const text = `${error.rpcMessage} ${typeof error.data === "string" ? error.data : JSON.stringify(error.data ?? "")}`;
  if (error.rpcCode === ImsgRpcCodes.internalError && /full disk access/i.test(text)) {
    return new ImsgFullDiskAccessError(binary, error);
  }
  return undefined;
}
