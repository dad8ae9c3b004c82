// The export module's public surface (issue 15). It owns getting backed-up data out as files:
// the `data_exports` table, the one way to start a zip export (startExport: the API and the
// CLI), the export job that builds the zip, its retention and downloads, and the single-item
// downloads (.eml, the file, .ics, .vcf). Other modules, the CLI, the jobs, bench and e2e import
// only this file.
export { type ExportService, exportServices } from './export-archive.ts';
export {
  type DataExport,
  defineExportJobs,
  deleteExpiredExports,
  deleteTenantExportFiles,
  EXPORT_JOB,
  exportAuditDetails,
  exportFilePath,
  getExport,
  listExports,
  type RunExportOptions,
  runExport,
} from './exports.ts';
export { exportModule } from './routes.ts';
export { sendExportZip } from './send-export-zip.ts';
export { type StartExportDeps, type StartExportInput, startExport } from './start-export.ts';
