export type { ExitInfo, ImsgProcess, ImsgTransport } from "./transport.ts";
