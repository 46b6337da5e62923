// The address list's SQL, shared by the SQLite and PostgreSQL stores: one WHERE clause and
// ORDER BY per filter, differing only where the dialects do (placeholders, the substring
// search, byte-wise comparison of the PLZ). Internal to storage/.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/search_key.h"

namespace consentd::storage {

enum class SqlDialect { kSqlite, kPostgres };

// A statement's text and its parameters, in order.
struct ContactListSql {
  std::string sql;
  std::vector<std::variant<std::int64_t, std::string>> params;
};

// SELECT <contact columns>, list_state ... ORDER BY ... LIMIT ... OFFSET ...; a substring
// search joins the trigram index's matches to their rows, and counts stream them likewise
// (on PostgreSQL a substring search is ContactSearchPageSql: its extra column is ignored).
// A deep page on PostgreSQL (offset > 0, no substring search) chooses its ids from the list's
// index alone (an index-only scan past the skipped entries) and reads only the page's rows.
ContactListSql ContactListPageSql(SqlDialect dialect, core::TenantId tenant,
                                  const core::ContactListFilter& filter, std::int64_t offset,
                                  int limit);
// PostgreSQL: a page of a substring search whose rows end with one more column, the number of
// all matches. One pass over the matches chooses the page and counts them, the table is read
// for the page's rows only (consentd_contact_search_page()). The pass reads every match's
// sort keys: what a narrow search costs, too much for a dense one (below).
ContactListSql ContactSearchPageSql(core::TenantId tenant, const core::ContactListFilter& filter,
                                    std::int64_t offset, int limit);
// SQLite's pass likewise: SELECT id of every match of a substring search, in sort order; the
// store counts them as it steps through and keeps the page's ids, then reads only those rows
// (ContactRowsByIdsSql). SQLite sorts the ids and keys alone, where a page of whole rows would
// copy every match's columns into its sorter, and a window function (count(*) OVER ()) would
// first copy every match into a temporary table.
ContactListSql ContactSearchOrderSql(core::TenantId tenant, const core::ContactListFilter& filter);
// SELECT <contact columns>, list_state of the tenant's live contacts `ids`, in filter.sort
// order.
ContactListSql ContactRowsByIdsSql(SqlDialect dialect, core::TenantId tenant,
                                   const core::ContactListFilter& filter,
                                   const std::vector<core::ContactId>& ids);

// A substring search's page as a store read it, and whether the number of its matches (in
// slice.matches, not yet capped) came with it or still needs ContactListCountSql.
struct ContactSearchPage {
  core::ContactListSlice slice;
  bool counted = false;
};

// A substring search whose matches are dense (many of the tenant's contacts) is cheaper read
// in sort order than through the trigram index, which yields every match unsorted. The stores
// read the page from the first kSearchWindowRows contacts in sort order (ContactListWindowSql),
// which is exact whenever it yields the whole page, and fall back to ContactListPageSql
// otherwise. SQLite first counts the index's matches up to kSqliteDenseSearchMatches
// (SearchMatchCountSql: it reads only the index, so it is cheap) and tries the window only
// when there are that many; PostgreSQL's count would recheck each match's row, costing what
// the window does, so it always tries the window first.
// In id order (sort "id", the API's cursor pages) SQLite needs none of this: FTS5 yields its
// matches in rowid order, so the index query stops at the page.
inline constexpr std::int64_t kSqliteDenseSearchMatches = 5000;
inline constexpr std::int64_t kSearchWindowRows = 2000;
// PostgreSQL counts a substring search without other filters first among this many contacts
// in name order (the index alone): a dense search ("gmail": 30 % of the contacts) reaches the
// cap there; the trigram index would first collect all its matches, then read the rows of as
// many as the cap.
inline constexpr std::int64_t kSearchCountWindowRows = 5000;
// It does so only when its first kSearchCountProbeRows contacts in name order hold their share
// of the cap: the window reaches the cap only at a density of cap / kSearchCountWindowRows
// (20 %); a sparser search ("mü": 6 %) would read the whole window for nothing.
inline constexpr std::int64_t kSearchCountProbeRows = 1000;

// Whether `filter` is a substring search (the trigram index), where the above applies.
bool IsSubstringSearch(const core::ContactListFilter& filter);

// SELECT COUNT(*) of the trigram index's matches for filter.search, at most `cap`. SQLite
// counts every tenant's matches (a cheap estimate of density, never shown); PostgreSQL counts
// the current tenant's that also pass the filter's state, legal basis and Kontaktart (the
// trigram index holds those too: consentd_contact_search_count()).
ContactListSql SearchMatchCountSql(SqlDialect dialect, const core::ContactListFilter& filter,
                                   std::int64_t cap);

// What a window (below) leaves to be checked on its rows: the search text (a dense substring
// search) or the state, legal basis and Kontaktart (SQLite's id-order pages).
enum class WindowOutside { kSearch, kValueFilters };

// Like ContactListPageSql, but reads only the first `window` contacts in sort order that match
// the filter's other conditions (those not `outside`), and keeps those whose rows pass what
// is `outside`. Exact when it returns `limit` rows; fewer rows say nothing about the rest.
ContactListSql ContactListWindowSql(SqlDialect dialect, core::TenantId tenant,
                                    const core::ContactListFilter& filter, std::int64_t offset,
                                    int limit, std::int64_t window,
                                    WindowOutside outside = WindowOutside::kSearch);

// SQLite, id order from the cursor with a state, legal basis or Kontaktart filter (the API's
// cursor pages): SQLite keeps no statistics per value, so it would walk the primary key from
// the cursor even for a state no contact has. The store reads the page from the first `window`
// contacts after the cursor (ContactListWindowSql with WindowOutside::kValueFilters, exact
// when it fills the page), else through
// the filter's own index, sorted by id (ContactIdByFilterSql: "+c.id" keeps the primary key
// out of both the range and the order).
bool HasValueFilters(const core::ContactListFilter& filter);
ContactListSql ContactIdByFilterSql(SqlDialect dialect, core::TenantId tenant,
                                    const core::ContactListFilter& filter, int limit);

// SELECT COUNT(*) over at most `cap` matches.
ContactListSql ContactListCountSql(SqlDialect dialect, core::TenantId tenant,
                                   const core::ContactListFilter& filter, std::int64_t cap);
// SELECT id of every match, in id order.
ContactListSql ContactListIdsSql(SqlDialect dialect, core::TenantId tenant,
                                 const core::ContactListFilter& filter);

// "FROM contacts WHERE ..." of a tenant's live contact with an e-mail address in any letter
// case (params: tenant, address). PostgreSQL compares the stored folded copy `email_key`: a
// condition on lower(email) could not use an index under row-level security.
std::string ContactByEmailFromSql(SqlDialect dialect);

// The statement that sets a contact's list_state (params: tenant, contact id) from its
// consent for the default purpose and its open deletion request.
std::string RefreshListStateSql(SqlDialect dialect);

}  // namespace consentd::storage
