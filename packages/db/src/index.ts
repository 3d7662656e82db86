export type { CreateApiKeyInput, GeneratedApiKey } from "./api-keys.ts";
export {
  createApiKey,
  defaultKeyPrefix,
  defaultTestKeyPrefix,
  generateApiKey,
  hashApiKey,
} from "./api-keys.ts";
export type { AuditEntry } from "./audit.ts";
export { writeAudit } from "./audit.ts";
export type { Database, DatabaseConfig } from "./client.ts";
export { createDatabase } from "./client.ts";
export { DataDirLockedError } from "./data-dir-lock.ts";
export { envError, ZDatabaseEnv } from "./env.ts";
export { bootstrapFirstRun, firstRunCreditMicros, firstRunOrgSlug } from "./first-run.ts";
export type { LedgerEntryInput } from "./ledger.ts";
export { postLedgerEntry, postLedgerEntryInTransaction } from "./ledger.ts";
export { closeOnSignals, openDatabase } from "./lifecycle.ts";
export type { MigrateResult, Migration } from "./migrate.ts";
export { defaultMigrationsDir, MigrationError, migrate, readMigrations } from "./migrate.ts";
export { createPasswordReset, hashToken, newOneTimeToken, passwordResetTtlMs } from "./one-time-tokens.ts";
export { createOrganization, createOrganizationInTransaction, defaultProjectSlug } from "./orgs.ts";
export { hashPassword, verifyPassword } from "./passwords.ts";
export { isUniqueViolation } from "./prisma-errors.ts";
export * from "./prisma-types.ts";
export { defaultPrices, defaultPricesEffectiveFrom, seedPrices } from "./seed.ts";
export type { SqlRunner } from "./sql-runner.ts";
export * from "./usage-writer.ts";
