// The address list on PostgreSQL (core/store.h, "contacts-list"): see contact_list_sql.h and
// migrations/postgres/0003_contact_list.sql.
#include <algorithm>

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

// The rows of ContactSearchPageSql and their last column, the number of all matches (0 when
// there are no rows).
Result<core::ContactListSlice> CountedRows(Result<PgResult> r) {
  constexpr int kMatchesColumn = rows::kContactColumnCount + 1;  // after list_state
  if (!r) return r.error();
  core::ContactListSlice slice;
  slice.rows.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) {
    slice.rows.push_back(ReadListRow(r->row(i)));
    slice.matches = r->row(i).ColumnInt(kMatchesColumn);
  }
  return slice;
}

}  // namespace

// A substring search first tries the window of the list in sort order (exact whenever it fills
// the page: dense searches end there), then one pass over the matches, which counts them too
// (contact_list_sql.h). No density count first: here it costs what the window does.
Result<ContactSearchPage> PgTx::SubstringSearchPage(core::TenantId tenant,
                                                    const core::ContactListFilter& filter,
                                                    std::int64_t offset, int limit) {
  const auto window =
      ContactListWindowSql(SqlDialect::kPostgres, tenant, filter, offset, limit, kSearchWindowRows);
  auto rows = rows::AllRows(TenantQuery(tenant, window.sql, ParamsOf(window)), ReadListRow);
  if (!rows) return rows.error();
  ContactSearchPage page;
  if (rows->size() == static_cast<std::size_t>(limit)) {
    page.slice.rows = std::move(*rows);
    return page;
  }
  const auto q = ContactSearchPageSql(tenant, filter, offset, limit);
  auto counted = CountedRows(TenantQuery(tenant, q.sql, ParamsOf(q)));
  if (!counted) return counted.error();
  page.slice = std::move(*counted);
  // The function numbers the matches on the rows it returns: past the last, none says how many.
  page.counted = !page.slice.rows.empty() || offset == 0;
  return page;
}

Result<std::vector<core::ContactListRow>> PgTx::ListContactRows(
    core::TenantId tenant, const core::ContactListFilter& filter, std::int64_t offset, int limit) {
  if (IsSubstringSearch(filter)) {
    auto page = SubstringSearchPage(tenant, filter, offset, limit);
    if (!page) return page.error();
    return std::move(page->slice.rows);
  }
  const auto q = ContactListPageSql(SqlDialect::kPostgres, tenant, filter, offset, limit);
  return rows::AllRows(TenantQuery(tenant, q.sql, ParamsOf(q)), ReadListRow);
}

// A search page that counted its matches answers the count too.
Result<core::ContactListSlice> PgTx::ListContactPage(core::TenantId tenant,
                                                     const core::ContactListFilter& filter,
                                                     std::int64_t offset, int limit,
                                                     std::int64_t count_cap) {
  core::ContactListSlice slice;
  if (IsSubstringSearch(filter)) {
    auto page = SubstringSearchPage(tenant, filter, offset, limit);
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
  const auto q = ContactListCountSql(SqlDialect::kPostgres, tenant, filter, count_cap);
  auto r = TenantQuery(tenant, q.sql, ParamsOf(q));
  if (!r) return r.error();
  slice.matches = r->row(0).ColumnInt(0);
  return slice;
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
