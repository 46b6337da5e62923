// PgTx: lookups of the admin UI's leftovers (retention holds in mail selection,
// import jobs cut by a crash).
#include "storage/contact_detail_rows.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

namespace {

std::int64_t FirstColumn(const PgRow& r) { return r.ColumnInt(0); }

}  // namespace

Result<bool> PgTx::HasRetentionHold(core::TenantId tenant, core::ContactId contact) {
  auto found = OneOrNone(TenantQuery(tenant,
                                     "SELECT 1 FROM deletion_requests WHERE tenant_id = $1 "
                                     "AND contact_id = $2 AND status = 'retained' LIMIT 1",
                                     PgParams().Add(tenant).Add(contact)),
                         FirstColumn);
  if (!found) return found.error();
  return found->has_value();
}

Result<std::vector<core::ImportJob>> PgTx::ListImportJobsInState(core::TenantId tenant,
                                                                 core::ImportJobState state) {
  return AllRows(TenantQuery(tenant,
                             Select(kImportJobColumns,
                                    "FROM import_jobs WHERE tenant_id = $1 AND state = $2 "
                                    "ORDER BY id"),
                             PgParams().Add(tenant).Add(core::ImportJobStateKey(state))),
                 ReadImportJob<PgRow>);
}

}  // namespace consentd::storage
