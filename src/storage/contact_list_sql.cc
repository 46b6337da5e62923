#include "storage/contact_list_sql.h"

#include "core/consent.h"
#include "storage/row_readers.h"

namespace consentd::storage {

namespace {

// Builds one statement: appends text and parameters, numbering PostgreSQL's placeholders.
class Builder {
 public:
  explicit Builder(SqlDialect dialect) : dialect_(dialect) {}

  Builder& Text(std::string_view text) {
    out_.sql += text;
    return *this;
  }
  Builder& Param(std::variant<std::int64_t, std::string> value) {
    out_.params.push_back(std::move(value));
    out_.sql += dialect_ == SqlDialect::kSqlite ? "?" : "$" + std::to_string(out_.params.size());
    return *this;
  }
  bool postgres() const { return dialect_ == SqlDialect::kPostgres; }
  ContactListSql Done() { return std::move(out_); }

 private:
  SqlDialect dialect_;
  ContactListSql out_;
};

int StateCode(std::string_view key) {
  for (auto s : {core::ConsentState::kNone, core::ConsentState::kGranted,
                 core::ConsentState::kWithdrawn, core::ConsentState::kDeletionRequested}) {
    if (core::ConsentStateKey(s) == key) return static_cast<int>(s);
  }
  return -1;  // validated before; matches nothing
}

// An FTS5 phrase: the text in double quotes, quotes doubled.
std::string FtsPhrase(std::string_view text) {
  std::string phrase = "\"";
  for (char ch : text) phrase += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return phrase + "\"";
}

// A LIKE pattern matching `text` anywhere (backslash is PostgreSQL's default escape).
std::string LikeAnywhere(std::string_view text) {
  std::string pattern = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
    pattern += ch;
  }
  return pattern + "%";
}

void AddSearch(Builder& b, std::string_view search) {
  const std::string plz = b.postgres() ? "c.plz COLLATE \"C\"" : "c.plz";
  switch (core::SearchModeOf(search)) {
    case core::SearchMode::kNone:
      return;
    case core::SearchMode::kSubstring:
      if (b.postgres()) {
        b.Text(" AND c.id IN (SELECT consentd_contact_search(").Param(LikeAnywhere(search));
        b.Text("))");
      } else {
        b.Text(" AND c.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ");
        b.Param(FtsPhrase(search)).Text(")");
      }
      return;
    case core::SearchMode::kPlzPrefix:
      b.Text(" AND " + plz + " >= ").Param(std::string(search));
      b.Text(" AND " + plz + " < ").Param(core::PrefixEnd(search));
      return;
    case core::SearchMode::kNamePrefix:
      b.Text(" AND c.sort_name >= ").Param(std::string(search));
      b.Text(" AND c.sort_name < ").Param(core::PrefixEnd(search));
      return;
  }
}

enum class WithSearch { kYes, kNo };

// AND <state, legal basis, Kontaktart> of `f`.
// over the table (or function rows) named `t`.
void AddFilters(Builder& b, const core::ContactListFilter& f, std::string_view t = "c") {
  const std::string c = " AND " + std::string(t) + ".";
  if (!f.state.empty()) b.Text(c + "list_state = ").Param(std::int64_t{StateCode(f.state)});
  if (!f.basis.empty()) b.Text(c + "legal_basis = ").Param(f.basis);
  if (!f.kontaktart.empty()) b.Text(c + "kontaktart = ").Param(f.kontaktart);
  if (f.after_id > 0) b.Text(c + "id > ").Param(std::int64_t{f.after_id});
}

// FROM contacts c WHERE <tenant, live, filter>.
void AddFromWhere(Builder& b, core::TenantId tenant, const core::ContactListFilter& f,
                  WithSearch search = WithSearch::kYes) {
  b.Text(" FROM contacts c WHERE c.tenant_id = ").Param(tenant).Text(" AND c.erased_at IS NULL");
  AddFilters(b, f);
  if (search == WithSearch::kYes) AddSearch(b, f.search);
}

// rows::kContactColumns, each prefixed with `t.`.
std::string ContactColumnsOf(std::string_view t) {
  std::string columns;
  for (std::string_view rest = rows::kContactColumns; !rest.empty();) {
    auto comma = rest.find(", ");
    columns +=
        (columns.empty() ? "" : ", ") + std::string(t) + "." + std::string(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  return columns;
}

// SQLite: FROM <the trigram index's matches> joined to contacts c WHERE <tenant, live, other
// filters>, for a substring search: the matches stream from the index one by one (a LIMIT
// stops them), where "c.id IN (...)" would first collect every match.
void AddMatchesFromWhere(Builder& b, core::TenantId tenant, const core::ContactListFilter& f) {
  // CROSS JOIN keeps this order in SQLite: the index first, each match's row by its id.
  b.Text(" FROM contacts_fts CROSS JOIN contacts c ON c.id = contacts_fts.rowid ");
  b.Text("WHERE contacts_fts MATCH ").Param(FtsPhrase(f.search));
  // FTS5 takes a rowid range itself: matches before the cursor are skipped, not read.
  if (f.after_id > 0) b.Text(" AND contacts_fts.rowid > ").Param(std::int64_t{f.after_id});
  b.Text(" AND c.tenant_id = ").Param(tenant).Text(" AND c.erased_at IS NULL");
  core::ContactListFilter others = f;
  others.after_id = 0;  // applied to the index above
  AddFilters(b, others);
}

// PostgreSQL: "<pattern>, <state>, <legal basis>, <Kontaktart>, <cursor>", the first
// arguments of the search functions (migrations/postgres/0012_search_pages.sql); '' (NULL
// there) for a filter not given.
void AddSearchArguments(Builder& b, const core::ContactListFilter& f) {
  b.Param(LikeAnywhere(f.search));
  b.Text(", NULLIF(").Param(f.state.empty() ? std::string() : std::to_string(StateCode(f.state)));
  b.Text(", '')::smallint, NULLIF(").Param(f.basis).Text(", ''), NULLIF(").Param(f.kontaktart);
  b.Text(", ''), ").Param(std::int64_t{f.after_id}).Text("::bigint");
}

// The sort order as consentd_contact_search_page() names it: OrderBy()'s keys.
std::string SortName(const core::ContactListFilter& f) {
  for (const char* known : {"plz", "ort", "created", "state", "id"}) {
    if (f.sort == known) return known;
  }
  return "name";
}

// ORDER BY the filter's sort keys, ties by id, over the table (or subquery) named `t`
// (consentd_contact_search_page() sorts the same way).
std::string OrderBy(SqlDialect dialect, const core::ContactListFilter& f, std::string_view t) {
  const std::string dir = f.descending ? " DESC" : "";
  const std::string c = std::string(t) + ".";
  std::string keys;
  if (f.sort == "plz") {
    keys = c + (dialect == SqlDialect::kPostgres ? "plz COLLATE \"C\"" : "plz") + dir;
  } else if (f.sort == "ort") {
    keys = c + "sort_ort" + dir;
  } else if (f.sort == "created") {
    keys = c + "created_at" + dir;
  } else if (f.sort == "state") {
    keys = c + "list_state" + dir + ", " + c + "sort_name" + dir;
  } else if (f.sort == "id") {
    return " ORDER BY " + c + "id" + dir;
  } else {
    keys = c + "sort_name" + dir;
  }
  return " ORDER BY " + keys + ", " + c + "id" + dir;
}

// ", t.<column>" of each column OrderBy() sorts by, besides the id.
std::string SortKeyColumns(const core::ContactListFilter& f, std::string_view t) {
  const std::string c = ", " + std::string(t) + ".";
  if (f.sort == "plz") return c + "plz";
  if (f.sort == "ort") return c + "sort_ort";
  if (f.sort == "created") return c + "created_at";
  if (f.sort == "state") return c + "list_state" + c + "sort_name";
  if (f.sort == "id") return "";
  return c + "sort_name";
}

// "t.<key>, ..., t.id": the columns OrderBy() sorts by, as a row value.
std::string RowKeys(const core::ContactListFilter& f, std::string_view t) {
  const std::string keys = SortKeyColumns(f, t);
  return (keys.empty() ? std::string() : keys.substr(2) + ", ") + std::string(t) + ".id";
}

// PostgreSQL: "(SELECT COUNT(*) ...)" of the matches of `search` among the tenant's first
// `rows` contacts in name order (an index-only scan: contacts_list_name includes the search
// key), counting no further than `cap`.
void AddNameWindowMatchCount(Builder& b, core::TenantId tenant, const std::string& search,
                             std::int64_t rows, std::int64_t cap) {
  b.Text("(SELECT COUNT(*) FROM (SELECT 1 FROM (SELECT c.search_key");
  b.Text(" FROM contacts c WHERE c.tenant_id = ").Param(tenant);
  b.Text(" AND c.erased_at IS NULL ORDER BY c.sort_name, c.id LIMIT ").Param(rows);
  b.Text(") AS w WHERE strpos(w.search_key, ").Param(search).Text(") > 0 LIMIT ").Param(cap);
  b.Text(") AS matches)");
}

// SELECT COUNT(*) of the trigram index's matches for filter.search, at most `cap`
// (SearchMatchCountSql).
void AddSearchMatchCount(Builder& b, const core::ContactListFilter& filter, std::int64_t cap) {
  if (b.postgres()) {
    b.Text("SELECT consentd_contact_search_count(");
    AddSearchArguments(b, filter);
    b.Text(", ").Param(cap).Text(")");
  } else {
    b.Text("SELECT COUNT(*) FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ");
    b.Param(FtsPhrase(filter.search)).Text(" LIMIT ").Param(cap).Text(")");
  }
}

}  // namespace

bool IsSubstringSearch(const core::ContactListFilter& filter) {
  return core::SearchModeOf(filter.search) == core::SearchMode::kSubstring;
}

ContactListSql SearchMatchCountSql(SqlDialect dialect, const core::ContactListFilter& filter,
                                   std::int64_t cap) {
  Builder b(dialect);
  AddSearchMatchCount(b, filter, cap);
  return b.Done();
}

ContactListSql ContactListWindowSql(SqlDialect dialect, core::TenantId tenant,
                                    const core::ContactListFilter& filter, std::int64_t offset,
                                    int limit, std::int64_t window, WindowOutside outside) {
  core::ContactListFilter inside = filter, values = filter;
  if (outside == WindowOutside::kValueFilters) {
    inside.state.clear(), inside.basis.clear(), inside.kontaktart.clear();
    values.after_id = 0;  // the cursor is the window's own start
  }
  Builder b(dialect);
  if (b.postgres() && outside == WindowOutside::kSearch) {
    // The window's ids from the list's index alone where it holds the search key (name
    // order: contacts_list_name includes it, an index-only scan), then only the page's rows.
    b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state");
    b.Text(" FROM contacts c WHERE c.tenant_id = ").Param(tenant);
    b.Text(" AND c.erased_at IS NULL AND c.id = ANY (ARRAY(SELECT w.id FROM (SELECT c.id");
    b.Text(", c.search_key" + SortKeyColumns(filter, "c"));
    AddFromWhere(b, tenant, inside, WithSearch::kNo);
    b.Text(OrderBy(dialect, filter, "c")).Text(" LIMIT ").Param(window);
    b.Text(") AS w WHERE strpos(w.search_key, ").Param(filter.search).Text(") > 0");
    b.Text(OrderBy(dialect, filter, "w"));
    b.Text(" LIMIT ").Param(std::int64_t{limit}).Text(" OFFSET ").Param(offset).Text("))");
    b.Text(OrderBy(dialect, filter, "c"));
    return b.Done();
  }
  if (outside == WindowOutside::kSearch) {
    // SQLite: the window's last contact (read from the list's index alone, once) bounds the
    // index range, and the scan stops at the page, where a window subquery would be read
    // whole to be sorted again. No last contact (fewer than `window`): no rows.
    b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state");
    AddFromWhere(b, tenant, inside, WithSearch::kNo);
    // The key holds the folded text as it is: a plain substring test, no pattern characters.
    b.Text(" AND instr(c.search_key, ").Param(filter.search).Text(") > 0");
    b.Text(" AND (" + RowKeys(filter, "c") + (filter.descending ? ") >= (" : ") <= ("));
    b.Text("SELECT " + RowKeys(filter, "w"));
    b.Text(" FROM contacts w WHERE w.tenant_id = ").Param(tenant);
    b.Text(" AND w.erased_at IS NULL");
    AddFilters(b, inside, "w");
    b.Text(OrderBy(dialect, filter, "w")).Text(" LIMIT 1 OFFSET ").Param(window - 1).Text(")");
    b.Text(OrderBy(dialect, filter, "c"));
    b.Text(" LIMIT ").Param(std::int64_t{limit}).Text(" OFFSET ").Param(offset);
    return b.Done();
  }
  b.Text("SELECT " + ContactColumnsOf("w") + ", w.list_state FROM (SELECT ");
  b.Text(ContactColumnsOf("c") + ", c.list_state");
  if (filter.sort != "id") b.Text(", c.sort_name, c.sort_ort");  // the outer ORDER BY's keys
  AddFromWhere(b, tenant, inside, WithSearch::kNo);
  b.Text(OrderBy(dialect, filter, "c")).Text(" LIMIT ").Param(window).Text(") AS w WHERE TRUE");
  AddFilters(b, values, "w");
  b.Text(OrderBy(dialect, filter, "w"));
  b.Text(" LIMIT ").Param(std::int64_t{limit}).Text(" OFFSET ").Param(offset);
  return b.Done();
}

ContactListSql ContactSearchPageSql(core::TenantId tenant, const core::ContactListFilter& filter,
                                    std::int64_t offset, int limit) {
  const SqlDialect dialect = SqlDialect::kPostgres;
  Builder b(dialect);
  // The function chooses the page's ids and counts the matches; then only those rows.
  b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state, p.matches");
  b.Text(" FROM consentd_contact_search_page(");
  AddSearchArguments(b, filter);
  b.Text(", ").Param(SortName(filter)).Text(", ");
  b.Param(std::string(filter.descending ? "true" : "false")).Text("::boolean, ");
  b.Param(offset).Text("::bigint, ").Param(std::int64_t{limit}).Text("::integer)");
  b.Text(" AS p JOIN contacts c ON c.id = p.id WHERE c.tenant_id = ").Param(tenant);
  b.Text(" AND c.erased_at IS NULL");
  b.Text(OrderBy(dialect, filter, "c"));
  return b.Done();
}

ContactListSql ContactSearchOrderSql(core::TenantId tenant, const core::ContactListFilter& filter) {
  Builder b(SqlDialect::kSqlite);
  b.Text("SELECT c.id");
  AddMatchesFromWhere(b, tenant, filter);
  b.Text(OrderBy(SqlDialect::kSqlite, filter, "c"));
  return b.Done();
}

ContactListSql ContactRowsByIdsSql(SqlDialect dialect, core::TenantId tenant,
                                   const core::ContactListFilter& filter,
                                   const std::vector<core::ContactId>& ids) {
  Builder b(dialect);
  b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state FROM contacts c WHERE c.tenant_id = ");
  b.Param(tenant).Text(" AND c.erased_at IS NULL AND c.id IN (");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) b.Text(", ");
    b.Param(std::int64_t{ids[i]});
  }
  if (ids.empty()) b.Text("NULL");
  b.Text(")").Text(OrderBy(dialect, filter, "c"));
  return b.Done();
}

ContactListSql ContactListPageSql(SqlDialect dialect, core::TenantId tenant,
                                  const core::ContactListFilter& filter, std::int64_t offset,
                                  int limit) {
  Builder b(dialect);
  b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state");
  if (b.postgres() && IsSubstringSearch(filter)) {
    return ContactSearchPageSql(tenant, filter, offset, limit);
  }
  if (b.postgres() && offset > 0) {
    // A deep page: the skipped entries come from the list's index alone (an index-only
    // scan), the table is read for the page's rows only.
    b.Text(" FROM contacts c WHERE c.tenant_id = ").Param(tenant);
    b.Text(" AND c.erased_at IS NULL AND c.id = ANY (ARRAY(SELECT c.id");
    AddFromWhere(b, tenant, filter);
    b.Text(OrderBy(dialect, filter, "c"));
    b.Text(" LIMIT ").Param(std::int64_t{limit}).Text(" OFFSET ").Param(offset).Text("))");
    b.Text(OrderBy(dialect, filter, "c"));
    return b.Done();
  }
  if (IsSubstringSearch(filter)) {
    AddMatchesFromWhere(b, tenant, filter);
  } else {
    AddFromWhere(b, tenant, filter);
  }
  if (IsSubstringSearch(filter) && filter.sort == "id" && !filter.descending) {
    // FTS5 yields its matches in rowid (= contact id) order: a LIMIT stops it early, where
    // ORDER BY c.id would sort every match first.
    b.Text(" ORDER BY contacts_fts.rowid");
  } else {
    b.Text(OrderBy(dialect, filter, "c"));
  }
  b.Text(" LIMIT ").Param(std::int64_t{limit}).Text(" OFFSET ").Param(offset);
  return b.Done();
}

bool HasValueFilters(const core::ContactListFilter& filter) {
  return !filter.state.empty() || !filter.basis.empty() || !filter.kontaktart.empty();
}

ContactListSql ContactIdByFilterSql(SqlDialect dialect, core::TenantId tenant,
                                    const core::ContactListFilter& filter, int limit) {
  Builder b(dialect);
  core::ContactListFilter values = filter;
  values.after_id = 0;
  b.Text("SELECT " + ContactColumnsOf("c") + ", c.list_state");
  AddFromWhere(b, tenant, values);
  b.Text(" AND +c.id > ").Param(std::int64_t{filter.after_id});
  b.Text(" ORDER BY +c.id LIMIT ").Param(std::int64_t{limit});
  return b.Done();
}

ContactListSql ContactListCountSql(SqlDialect dialect, core::TenantId tenant,
                                   const core::ContactListFilter& filter, std::int64_t cap) {
  Builder b(dialect);
  if (b.postgres() && IsSubstringSearch(filter)) {
    // The count function stops at the cap and reads only the rows the trigram index gives
    // for the search and the other filters.
    if (HasValueFilters(filter) || filter.after_id != 0) {
      AddSearchMatchCount(b, filter, cap);
      return b.Done();
    }
    // A dense search reaches the cap within the first contacts in name order, read from
    // the index alone (contacts_list_name includes the search key): no match's row read.
    // Only a search dense enough for that tries it: a probe of the first rows must hold its
    // share of the cap. A CASE runs a branch's subquery only when the branches before it did
    // not answer, COALESCE its second argument only when the first is NULL.
    b.Text("SELECT COALESCE(CASE WHEN ");
    AddNameWindowMatchCount(b, tenant, filter.search, kSearchCountProbeRows,
                            cap * kSearchCountProbeRows / kSearchCountWindowRows);
    b.Text(" = ").Param(cap * kSearchCountProbeRows / kSearchCountWindowRows);
    b.Text(" THEN CASE WHEN ");
    AddNameWindowMatchCount(b, tenant, filter.search, kSearchCountWindowRows, cap);
    b.Text(" = ").Param(cap).Text(" THEN ").Param(cap).Text("::bigint END END, (");
    AddSearchMatchCount(b, filter, cap);
    b.Text("))");
    return b.Done();
  }
  b.Text("SELECT COUNT(*) FROM (SELECT 1");
  if (IsSubstringSearch(filter)) {
    AddMatchesFromWhere(b, tenant, filter);
  } else {
    AddFromWhere(b, tenant, filter);
  }
  b.Text(" LIMIT ").Param(cap).Text(") AS matches");
  return b.Done();
}

ContactListSql ContactListIdsSql(SqlDialect dialect, core::TenantId tenant,
                                 const core::ContactListFilter& filter) {
  Builder b(dialect);
  b.Text("SELECT c.id");
  AddFromWhere(b, tenant, filter);
  b.Text(" ORDER BY c.id");
  return b.Done();
}

std::string ContactByEmailFromSql(SqlDialect dialect) {
  return dialect == SqlDialect::kPostgres
             ? "FROM contacts WHERE tenant_id = $1 AND email_key = lower($2) "
               "AND email <> '' AND erased_at IS NULL"
             : "FROM contacts WHERE tenant_id = ? AND email = ? COLLATE NOCASE "
               "AND email <> '' AND erased_at IS NULL";
}

std::string RefreshListStateSql(SqlDialect dialect) {
  const bool pg = dialect == SqlDialect::kPostgres;
  return std::string(
             "UPDATE contacts SET list_state = CASE "
             "WHEN EXISTS (SELECT 1 FROM deletion_requests d WHERE d.tenant_id = "
             "contacts.tenant_id "
             "AND d.contact_id = contacts.id AND d.status = 'open') THEN 3 "
             "ELSE COALESCE((SELECT CASE WHEN k.revoked_at IS NOT NULL THEN 2 "
             "WHEN k.granted_at IS NOT NULL THEN 1 ELSE 0 END "
             "FROM consents k JOIN consent_purposes p "
             "ON p.tenant_id = k.tenant_id AND p.id = k.purpose_id "
             "WHERE k.tenant_id = contacts.tenant_id AND k.contact_id = contacts.id "
             "AND p.key = 'akquisition'), 0) END "
             "WHERE tenant_id = ") +
         (pg ? "$1 AND id = $2" : "? AND id = ?");
}

}  // namespace consentd::storage
