// The address list on SQLite (core/store.h, "contacts-list"): see contact_list_sql.h and
// migrations/sqlite/0005_contact_list.sql.
#include "storage/contact_list_sql.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;

namespace {

void BindAll(Statement& s, const ContactListSql& q) {
  int i = 1;
  for (const auto& p : q.params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      s.Bind(i++, *n);
    } else {
      s.Bind(i++, std::get<std::string>(p));
    }
  }
}

core::ContactListRow ReadListRow(const Statement& s) {
  constexpr int kStateColumn = rows::kContactColumnCount;  // after rows::kContactColumns
  return {rows::ReadContact(s), static_cast<core::ConsentState>(s.ColumnInt(kStateColumn))};
}

Result<std::vector<core::ContactListRow>> ListRows(SqliteDb& db, const ContactListSql& q) {
  Statement s(db, q.sql);
  BindAll(s, q);
  return rows::AllRows(s, ReadListRow);
}

Result<std::int64_t> CountOf(SqliteDb& db, const ContactListSql& q) {
  Statement s(db, q.sql);
  BindAll(s, q);
  std::int64_t count = s.Step() ? s.ColumnInt(0) : 0;
  if (!s.status()) return s.status().error();
  return count;
}

}  // namespace

// A dense substring search reads its page in sort order (contact_list_sql.h explains); in id
// order FTS5 itself yields the matches in order, so the index query stops at the page.
Result<std::vector<core::ContactListRow>> SqliteTx::ListContactRows(
    core::TenantId tenant, const core::ContactListFilter& filter, std::int64_t offset, int limit) {
  if (filter.sort == "id" && offset == 0 && !IsSubstringSearch(filter) && HasValueFilters(filter)) {
    auto rows =
        ListRows(db_, ContactListWindowSql(SqlDialect::kSqlite, tenant, filter, 0, limit,
                                           kSearchWindowRows, WindowOutside::kValueFilters));
    if (!rows || rows->size() == static_cast<std::size_t>(limit)) return rows;
    return ListRows(db_, ContactIdByFilterSql(SqlDialect::kSqlite, tenant, filter, limit));
  }
  if (IsSubstringSearch(filter) && filter.sort != "id") {
    auto matches =
        CountOf(db_, SearchMatchCountSql(SqlDialect::kSqlite, filter, kSqliteDenseSearchMatches));
    if (!matches) return matches.error();
    if (*matches >= kSqliteDenseSearchMatches) {
      auto rows = ListRows(db_, ContactListWindowSql(SqlDialect::kSqlite, tenant, filter, offset,
                                                     limit, kSearchWindowRows));
      if (!rows || rows->size() == static_cast<std::size_t>(limit)) return rows;
    }
  }
  return ListRows(db_, ContactListPageSql(SqlDialect::kSqlite, tenant, filter, offset, limit));
}

Result<std::int64_t> SqliteTx::CountContactRows(core::TenantId tenant,
                                                const core::ContactListFilter& filter,
                                                std::int64_t cap) {
  return CountOf(db_, ContactListCountSql(SqlDialect::kSqlite, tenant, filter, cap));
}

Result<std::vector<core::ContactId>> SqliteTx::ListContactRowIds(
    core::TenantId tenant, const core::ContactListFilter& filter) {
  const auto q = ContactListIdsSql(SqlDialect::kSqlite, tenant, filter);
  Statement s(db_, q.sql);
  BindAll(s, q);
  std::vector<core::ContactId> ids;
  while (s.Step()) ids.push_back(s.ColumnInt(0));
  if (!s.status()) return s.status().error();
  return ids;
}

Status SqliteTx::RefreshListState(core::TenantId tenant, core::ContactId contact) {
  Statement s(db_, RefreshListStateSql(SqlDialect::kSqlite));
  s.Bind(1, tenant).Bind(2, contact);
  return s.Run();
}

}  // namespace consentd::storage
