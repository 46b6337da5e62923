// SqliteTx: the contact detail page's links and the admin UI's CSV import jobs.
#include "storage/contact_detail_rows.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::LinkToken>> SqliteTx::ListLinkTokens(core::TenantId tenant,
                                                              core::ContactId contact) {
  Statement s(db_, Select(kTokenColumns,
                          "FROM link_tokens WHERE tenant_id = ? AND contact_id = ? "
                          "ORDER BY id DESC"));
  s.Bind(1, tenant).Bind(2, contact);
  return AllRows(s, ReadToken<Statement>);
}

Result<core::ImportJob> SqliteTx::FindImportJob(core::TenantId tenant, std::int64_t id) {
  Statement s(db_, Select(kImportJobColumns, "FROM import_jobs WHERE tenant_id = ? AND id = ?"));
  s.Bind(1, tenant).Bind(2, id);
  return OneOrNotFound(s, ReadImportJob<Statement>, "import job " + std::to_string(id));
}

Result<std::int64_t> SqliteTx::RevokeLinkTokens(core::TenantId tenant, core::ContactId contact,
                                                core::Time now) {
  Statement s(db_,
              "UPDATE link_tokens SET revoked_at = ? "
              "WHERE tenant_id = ? AND contact_id = ? AND revoked_at IS NULL");
  s.Bind(1, core::FormatIso(now)).Bind(2, tenant).Bind(3, contact);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return std::int64_t{db_.Changes()};
}

Result<std::int64_t> SqliteTx::InsertImportJob(const core::ImportJob& j) {
  Statement s(db_,
              "INSERT INTO import_jobs (tenant_id, user_id, file_name, state, total_rows, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, j.tenant_id).Bind(2, j.user_id).Bind(3, j.file_name);
  s.Bind(4, core::ImportJobStateKey(j.state)).Bind(5, j.total_rows);
  s.Bind(6, core::FormatIso(j.created_at)).Bind(7, core::FormatIso(j.updated_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::UpdateImportJob(const core::ImportJob& j) {
  Statement s(db_,
              "UPDATE import_jobs SET state = ?, total_rows = ?, processed_rows = ?, inserted = ?, "
              "updated = ?, unchanged = ?, errors = ?, failure = ?, updated_at = ?, "
              "finished_at = ? WHERE tenant_id = ? AND id = ?");
  s.Bind(1, core::ImportJobStateKey(j.state)).Bind(2, j.total_rows).Bind(3, j.processed_rows);
  s.Bind(4, j.inserted).Bind(5, j.updated).Bind(6, j.unchanged).Bind(7, j.errors);
  s.Bind(8, j.failure).Bind(9, core::FormatIso(j.updated_at));
  BindOptionalText(s, 10, IsoOrNull(j.finished_at));
  s.Bind(11, j.tenant_id).Bind(12, j.id);
  return s.RunChanging("import job " + std::to_string(j.id));
}

}  // namespace consentd::storage
