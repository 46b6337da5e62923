// core::Store on PostgreSQL: a pool of connections for reads, one writer connection with
// group commit per process, row-level security per tenant. Several consentd processes
// ("nodes") may share one database.
#pragma once

#include <memory>
#include <string>

#include "core/store.h"

namespace consentd::storage {

struct PgOptions {
  // Most units of work committed in one transaction (as SqliteOptions::max_batch).
  int max_batch = 256;
  // Most connections for concurrent reads; a reader waits when all are busy.
  int max_readers = 16;
  // Migrate() grants this role what the application needs (empty: grant nothing).
  std::string app_role;
  // Refuse to run as a role that owns tables, is superuser or bypasses row-level
  // security: the application must be confined by the database's policies.
  bool require_confined_role = false;
};

// Connects to a libpq URL ("postgresql://user@host/db?…"). Migrate() applies pending
// migrations when the role may; as the application role it only checks that the schema is
// the one this binary expects.
core::Result<std::unique_ptr<core::Store>> OpenPgStore(const std::string& url,
                                                       PgOptions options = {});

}  // namespace consentd::storage
