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

// SELECT <contact columns>, list_state ... ORDER BY ... LIMIT ... OFFSET ...
ContactListSql ContactListPageSql(SqlDialect dialect, core::TenantId tenant,
                                  const core::ContactListFilter& filter, std::int64_t offset,
                                  int limit);
// SELECT COUNT(*) over at most `cap` matches.
ContactListSql ContactListCountSql(SqlDialect dialect, core::TenantId tenant,
                                   const core::ContactListFilter& filter, std::int64_t cap);
// SELECT id of every match, in id order.
ContactListSql ContactListIdsSql(SqlDialect dialect, core::TenantId tenant,
                                 const core::ContactListFilter& filter);

// The statement that sets a contact's list_state (params: tenant, contact id) from its
// consent for the default purpose and its open deletion request.
std::string RefreshListStateSql(SqlDialect dialect);

}  // namespace consentd::storage
