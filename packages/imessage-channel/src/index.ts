export type { ConfigCheckResult, ValidateConfigOptions } from "./validate-config.ts";
export { checkImessageConfig, formatKeyPath, validateImessageConfig } from "./validate-config.ts";
