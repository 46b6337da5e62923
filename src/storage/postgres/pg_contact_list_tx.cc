// The address list on PostgreSQL (core/store.h, "contacts-list"): see contact_list_sql.h and
// migrations/postgres/0003_contact_list.sql.
#include "storage/contact_list_sql.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;

namespace {

PgParams ParamsOf(const ContactListSql& q) {
  PgParams params;
  for (const auto& p : q.params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      params.Add(*n);
    } else {
      params.Add(std::get<std::string>(p));
    }
  }
  return params;
}

core::ContactListRow ReadListRow(const PgRow& r) {
  constexpr int kStateColumn = rows::kContactColumnCount;  // after rows::kContactColumns
  return {rows::ReadContact(r), static_cast<core::ConsentState>(r.ColumnInt(kStateColumn))};
}

}  // namespace

// A substring search first tries the window of the list in sort order (exact whenever it fills
// the page: dense searches end there), then the matches' own keys (contact_list_sql.h), which
// also leaves their number for CountContactRows. No density count first: here it costs what
// the window does.
Result<std::vector<core::ContactListRow>> PgTx::ListContactRows(
    core::TenantId tenant, const core::ContactListFilter& filter, std::int64_t offset, int limit) {
  auto list = [&](const ContactListSql& q) {
    return rows::AllRows(TenantQuery(tenant, q.sql, ParamsOf(q)), ReadListRow);
  };
  if (IsSubstringSearch(filter)) {
    auto rows = list(ContactListWindowSql(SqlDialect::kPostgres, tenant, filter, offset, limit,
                                          kSearchWindowRows));
    if (!rows || rows->size() == static_cast<std::size_t>(limit)) return rows;
  }
  return list(ContactListPageSql(SqlDialect::kPostgres, tenant, filter, offset, limit));
}

Result<std::int64_t> PgTx::CountContactRows(core::TenantId tenant,
                                            const core::ContactListFilter& filter,
                                            std::int64_t cap) {
  const auto q = ContactListCountSql(SqlDialect::kPostgres, tenant, filter, cap);
  auto r = TenantQuery(tenant, q.sql, ParamsOf(q));
  if (!r) return r.error();
  return r->row(0).ColumnInt(0);
}

Result<std::vector<core::ContactId>> PgTx::ListContactRowIds(
    core::TenantId tenant, const core::ContactListFilter& filter) {
  const auto q = ContactListIdsSql(SqlDialect::kPostgres, tenant, filter);
  auto r = TenantQuery(tenant, q.sql, ParamsOf(q));
  if (!r) return r.error();
  std::vector<core::ContactId> ids;
  ids.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) ids.push_back(r->row(i).ColumnInt(0));
  return ids;
}

Status PgTx::RefreshListState(core::TenantId tenant, core::ContactId contact) {
  return TenantSend(tenant, RefreshListStateSql(SqlDialect::kPostgres),
                    PgParams().Add(tenant).Add(contact));
}

}  // namespace consentd::storage
