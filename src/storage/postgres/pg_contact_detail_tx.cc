// PgTx: the contact detail page's links and the admin UI's CSV import jobs.
#include "storage/contact_detail_rows.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::LinkToken>> PgTx::ListLinkTokens(core::TenantId tenant,
                                                          core::ContactId contact) {
  return AllRows(TenantQuery(tenant,
                             Select(kTokenColumns,
                                    "FROM link_tokens WHERE tenant_id = $1 AND contact_id = $2 "
                                    "ORDER BY id DESC"),
                             PgParams().Add(tenant).Add(contact)),
                 ReadToken<PgRow>);
}

Result<core::ImportJob> PgTx::FindImportJob(core::TenantId tenant, std::int64_t id) {
  return OneOrNotFound(
      TenantQuery(tenant,
                  Select(kImportJobColumns, "FROM import_jobs WHERE tenant_id = $1 AND id = $2"),
                  PgParams().Add(tenant).Add(id)),
      ReadImportJob<PgRow>, "import job " + std::to_string(id));
}

Result<std::int64_t> PgTx::RevokeLinkTokens(core::TenantId tenant, core::ContactId contact,
                                            core::Time now) {
  auto r = TenantQuery(tenant,
                       "UPDATE link_tokens SET revoked_at = $3 "
                       "WHERE tenant_id = $1 AND contact_id = $2 AND revoked_at IS NULL",
                       PgParams().Add(tenant).Add(contact).Add(now));
  if (!r) return r.error();
  return std::int64_t{r->affected()};
}

Result<std::int64_t> PgTx::InsertImportJob(const core::ImportJob& j) {
  return ReturnedId(TenantQuery(j.tenant_id,
                                "INSERT INTO import_jobs (tenant_id, user_id, file_name, state, "
                                "total_rows, created_at, updated_at) "
                                "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                PgParams()
                                    .Add(j.tenant_id)
                                    .Add(j.user_id)
                                    .Add(j.file_name)
                                    .Add(core::ImportJobStateKey(j.state))
                                    .Add(j.total_rows)
                                    .Add(j.created_at)
                                    .Add(j.updated_at)));
}

Status PgTx::UpdateImportJob(const core::ImportJob& j) {
  PgParams params;
  params.Add(j.tenant_id).Add(j.id).Add(core::ImportJobStateKey(j.state)).Add(j.total_rows);
  params.Add(j.processed_rows).Add(j.inserted).Add(j.updated).Add(j.unchanged).Add(j.errors);
  params.Add(j.failure).Add(j.updated_at).Add(j.finished_at);
  return ChangedOrNotFound(
      TenantQuery(j.tenant_id,
                  "UPDATE import_jobs SET state = $3, total_rows = $4, processed_rows = $5, "
                  "inserted = $6, updated = $7, unchanged = $8, errors = $9, failure = $10, "
                  "updated_at = $11, finished_at = $12 WHERE tenant_id = $1 AND id = $2",
                  params),
      "import job " + std::to_string(j.id));
}

}  // namespace consentd::storage
