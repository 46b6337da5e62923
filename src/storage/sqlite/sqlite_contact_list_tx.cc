// The address list on SQLite (core/store.h, "contacts-list"): see contact_list_sql.h and
// migrations/sqlite/0005_contact_list.sql.
#include <algorithm>

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

// One pass over a narrow search's matches in sort order (ContactSearchOrderSql): their number,
// and the rows of those from `offset` on, at most `limit`.
Result<core::ContactListSlice> CountedSearchPage(SqliteDb& db, core::TenantId tenant,
                                                 const core::ContactListFilter& filter,
                                                 std::int64_t offset, int limit) {
  const auto order = ContactSearchOrderSql(tenant, filter);
  Statement s(db, order.sql);
  BindAll(s, order);
  std::vector<core::ContactId> ids;
  core::ContactListSlice slice;
  for (; s.Step(); ++slice.matches) {
    if (slice.matches >= offset && std::ssize(ids) < limit) ids.push_back(s.ColumnInt(0));
  }
  if (!s.status()) return s.status().error();
  if (ids.empty()) return slice;
  auto rows = ListRows(db, ContactRowsByIdsSql(SqlDialect::kSqlite, tenant, filter, ids));
  if (!rows) return rows.error();
  slice.rows = std::move(*rows);
  return slice;
}

// A dense search (the trigram index holds kSqliteDenseSearchMatches matches, any tenant's)
// takes its page from the window when that fills it (contact_list_sql.h); otherwise one pass
// over the matches chooses the page and counts them (CountedSearchPage).
Result<ContactSearchPage> SearchPageInSortOrder(SqliteDb& db, core::TenantId tenant,
                                                const core::ContactListFilter& filter,
                                                std::int64_t offset, int limit) {
  auto matches =
      CountOf(db, SearchMatchCountSql(SqlDialect::kSqlite, filter, kSqliteDenseSearchMatches));
  if (!matches) return matches.error();
  ContactSearchPage page;
  if (*matches >= kSqliteDenseSearchMatches) {
    auto rows = ListRows(db, ContactListWindowSql(SqlDialect::kSqlite, tenant, filter, offset,
                                                  limit, kSearchWindowRows));
    if (!rows) return rows.error();
    if (rows->size() == static_cast<std::size_t>(limit)) {
      page.slice.rows = std::move(*rows);
      return page;
    }
  }
  auto counted = CountedSearchPage(db, tenant, filter, offset, limit);
  if (!counted) return counted.error();
  page.slice = std::move(*counted);
  page.counted = true;
  return page;
}

bool InSortOrderSearch(const core::ContactListFilter& filter) {
  return IsSubstringSearch(filter) && filter.sort != "id";
}

}  // namespace

// In id order FTS5 itself yields a search's matches in order, so the index query stops at the
// page; an id-order page with value filters reads a window first (contact_list_sql.h).
Result<std::vector<core::ContactListRow>> SqliteTx::ListContactRows(
    core::TenantId tenant, const core::ContactListFilter& filter, std::int64_t offset, int limit) {
  if (filter.sort == "id" && offset == 0 && !IsSubstringSearch(filter) && HasValueFilters(filter)) {
    auto rows =
        ListRows(db_, ContactListWindowSql(SqlDialect::kSqlite, tenant, filter, 0, limit,
                                           kSearchWindowRows, WindowOutside::kValueFilters));
    if (!rows || rows->size() == static_cast<std::size_t>(limit)) return rows;
    return ListRows(db_, ContactIdByFilterSql(SqlDialect::kSqlite, tenant, filter, limit));
  }
  if (InSortOrderSearch(filter)) {
    auto page = SearchPageInSortOrder(db_, tenant, filter, offset, limit);
    if (!page) return page.error();
    return std::move(page->slice.rows);
  }
  return ListRows(db_, ContactListPageSql(SqlDialect::kSqlite, tenant, filter, offset, limit));
}

// A search page that counted its matches (on any page, also past the last) answers the count.
Result<core::ContactListSlice> SqliteTx::ListContactPage(core::TenantId tenant,
                                                         const core::ContactListFilter& filter,
                                                         std::int64_t offset, int limit,
                                                         std::int64_t count_cap) {
  core::ContactListSlice slice;
  if (InSortOrderSearch(filter)) {
    auto page = SearchPageInSortOrder(db_, tenant, filter, offset, limit);
    if (!page) return page.error();
    slice = std::move(page->slice);
    if (page->counted) {
      slice.matches = std::min(slice.matches, count_cap);
      return slice;
    }
  } else {
    auto rows = ListContactRows(tenant, filter, offset, limit);
    if (!rows) return rows.error();
    slice.rows = std::move(*rows);
  }
  auto count = CountOf(db_, ContactListCountSql(SqlDialect::kSqlite, tenant, filter, count_cap));
  if (!count) return count.error();
  slice.matches = *count;
  return slice;
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
