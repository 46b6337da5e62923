// core::Store on an SQLite file: WAL, synchronous=FULL, one writer thread with group commit.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/store.h"

namespace consentd::storage {

struct SqliteOptions {
  // Most units of work committed in one transaction. 1 turns group commit off (one
  // transaction and one fsync per unit), which the benchmarks use as the baseline.
  int max_batch = 256;
  // Test hooks: called (on the caller's thread) after a unit is queued, and (on the writer
  // thread) after each COMMIT with the number of units it carried.
  std::function<void()> on_enqueue_for_test;
  std::function<void(int)> on_commit_for_test;
};

// Opens the store at `path`. The file is created if missing; call Migrate() before use.
core::Result<std::unique_ptr<core::Store>> OpenSqliteStore(const std::string& path,
                                                           SqliteOptions options = {});

}  // namespace consentd::storage
