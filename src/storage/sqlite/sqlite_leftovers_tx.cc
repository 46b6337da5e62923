// SqliteTx: lookups of the admin UI's leftovers (retention holds in mail selection,
// import jobs cut by a crash).
#include "storage/contact_detail_rows.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<bool> SqliteTx::HasRetentionHold(core::TenantId tenant, core::ContactId contact) {
  Statement s(db_,
              "SELECT 1 FROM deletion_requests WHERE tenant_id = ? AND contact_id = ? "
              "AND status = 'retained' LIMIT 1");
  s.Bind(1, tenant).Bind(2, contact);
  if (s.Step()) return true;
  if (!s.status()) return s.status().error();
  return false;
}

Result<std::vector<core::ImportJob>> SqliteTx::ListImportJobsInState(core::TenantId tenant,
                                                                     core::ImportJobState state) {
  Statement s(db_, Select(kImportJobColumns,
                          "FROM import_jobs WHERE tenant_id = ? AND state = ? ORDER BY id"));
  s.Bind(1, tenant).Bind(2, core::ImportJobStateKey(state));
  return AllRows(s, ReadImportJob<Statement>);
}

}  // namespace consentd::storage
