#include "storage/sqlite/sqlite_store.h"

#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_tx.h"
#include "storage/store_support.h"

namespace consentd::storage {

namespace {

class SqliteStore final : public core::Store {
 public:
  SqliteStore(std::string path, SqliteOptions options, std::unique_ptr<SqliteDb> writer)
      : path_(std::move(path)),
        options_(options),
        writer_db_(std::move(writer)),
        writer_thread_([this] { WriterLoop(); }) {}

  ~SqliteStore() override {
    queue_.Stop();
    writer_thread_.join();
  }

  core::Status Read(const core::ReadFn& fn) override {
    auto db = AcquireReader();
    if (!db) return db.error();
    CONSENTD_RETURN_IF_ERROR((*db)->Exec("BEGIN"));
    SqliteTx tx(**db);
    core::Status status = fn(tx);
    (void)(*db)->Exec("COMMIT");
    ReleaseReader(std::move(*db));
    return status;
  }

  core::Status Write(const core::WriteFn& fn) override { return WriteAsync(fn).get(); }

  std::future<core::Status> WriteAsync(core::WriteFn fn) override {
    auto done = queue_.Push(std::move(fn));
    if (options_.on_enqueue_for_test) options_.on_enqueue_for_test();
    return done;
  }

  core::Result<int> Migrate() override;

 private:
  core::Result<std::unique_ptr<SqliteDb>> AcquireReader() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!readers_.empty()) {
        auto db = std::move(readers_.back());
        readers_.pop_back();
        return db;
      }
    }
    return SqliteDb::Open(path_);
  }

  void ReleaseReader(std::unique_ptr<SqliteDb> db) {
    std::lock_guard lock(pool_mutex_);
    readers_.push_back(std::move(db));
  }

  void WriterLoop() {
    for (;;) {
      std::vector<std::unique_ptr<Unit>> batch = queue_.NextBatch(options_.max_batch);
      if (batch.empty()) return;  // stopping and drained
      CommitBatch(batch);
    }
  }

  // One transaction for the whole batch; each unit inside its own savepoint. Units are
  // acknowledged only after COMMIT returned.
  void CommitBatch(const std::vector<std::unique_ptr<Unit>>& batch) {
    SqliteDb& db = *writer_db_;
    core::Status begin = db.Exec("BEGIN IMMEDIATE");
    if (!begin) {
      for (const auto& u : batch) u->done.set_value(begin);
      return;
    }
    std::vector<core::Status> results;
    results.reserve(batch.size());
    SqliteTx tx(db);
    for (const auto& u : batch) results.push_back(RunUnit(db, tx, *u));
    core::Status commit = db.Exec("COMMIT");
    if (!commit) (void)db.Exec("ROLLBACK");
    if (commit && options_.on_commit_for_test) {
      options_.on_commit_for_test(static_cast<int>(batch.size()));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i]->done.set_value(commit ? results[i] : commit);
    }
  }

  static core::Status RunUnit(SqliteDb& db, SqliteTx& tx, Unit& unit) {
    CONSENTD_RETURN_IF_ERROR(db.Exec("SAVEPOINT unit"));
    core::Status status = RunGuarded(unit.fn, tx);
    if (!status) (void)db.Exec("ROLLBACK TO unit");
    (void)db.Exec("RELEASE unit");
    return status;
  }

  const std::string path_;
  const SqliteOptions options_;
  std::unique_ptr<SqliteDb> writer_db_;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteDb>> readers_;

  UnitQueue queue_;

  std::mutex migrate_mutex_;
  std::thread writer_thread_;  // last: starts after everything above is initialised
};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// The schema version recorded in `db`, read without taking the write lock; 0 for a new file.
std::int64_t RecordedVersion(SqliteDb& db) {
  Statement exists(
      db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.Step()) return 0;
  Statement version(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return version.Step() ? version.ColumnInt(0) : 0;
}

core::Result<int> SqliteStore::Migrate() {
  std::lock_guard lock(migrate_mutex_);
  auto opened = SqliteDb::Open(path_);
  if (!opened) return opened.error();
  SqliteDb& db = **opened;
  // Up to date (the usual case, e.g. every CLI command next to a busy server): no write lock.
  const auto known = MigrationsOf("sqlite");
  if (!known.empty() && RecordedVersion(db) == known.back().version) return 0;
  CONSENTD_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto rollback_on_error = [&db](core::Status s) -> core::Result<int> {
    (void)db.Exec("ROLLBACK");
    return s.error();
  };
  if (auto s = db.Exec(kCreateMigrationsTable); !s) return rollback_on_error(s);
  // Read through a function whose statements are done when it returns: a migration that
  // drops a table (a rebuild) fails while any statement of the connection is still open.
  const std::int64_t have = RecordedVersion(db);
  const auto migrations = MigrationsOf("sqlite");
  if (!migrations.empty() && have > migrations.back().version) {
    (void)db.Exec("ROLLBACK");
    return SchemaTooNew(have, migrations.back().version);
  }
  int applied = 0;
  for (const auto& m : migrations) {
    if (m.version <= have) continue;
    if (auto s = db.Exec(m.sql); !s) return rollback_on_error(s);
    Statement mark(db,
                   "INSERT INTO schema_migrations (version, name, applied_at) "
                   "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ'))");
    mark.Bind(1, std::int64_t{m.version}).Bind(2, m.name);
    if (auto s = mark.Run(); !s) return rollback_on_error(s);
    ++applied;
  }
  CONSENTD_RETURN_IF_ERROR(db.Exec("COMMIT"));
  return applied;
}

}  // namespace

core::Result<std::unique_ptr<core::Store>> OpenSqliteStore(const std::string& path,
                                                           SqliteOptions options) {
  if (options.max_batch < 1) return core::InvalidArgument("max_batch must be at least 1");
  auto writer = SqliteDb::Open(path);
  if (!writer) return writer.error();
  return std::unique_ptr<core::Store>(
      std::make_unique<SqliteStore>(path, options, std::move(*writer)));
}

}  // namespace consentd::storage
