/**
 * Everything the CLI needs from the registry core, in one module that context.ts loads on first
 * use: --help, --version and usage errors then start without SQLite and zod (a third of startup).
 */
export { Registry } from '../main/core/registry'
export { bulkInTurns } from '../main/core/bulk'
export { seedDemo } from '../main/core/demo'
export { openRegistryDatabase } from '../main/db/open'
export { dispatch, operationTable } from '../main/transport/dispatch'
export { backupRegistry, restoreRegistry, writePrivateFileAtomically } from '../main/core/backup'
export { verifyAuditExport } from '../main/core/audit-export'
export { usageCsv } from '../main/core/export'
export { createScanHandlers } from '../main/scan/handlers'
export { openPgRegistry } from '../main/db/pg/open'
export { pgOperationTable, runsOnPostgres } from '../main/transport/pg-table'
export { pgVerify } from '../main/core/pg/verify-result'
export { seedPgDemo } from '../main/core/pg/demo'
