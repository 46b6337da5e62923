#include "storage/postgres/pg_store.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <vector>

#include "storage/postgres/pg_db.h"
#include "storage/postgres/pg_tx.h"
#include "storage/store_support.h"

namespace consentd::storage {

namespace {

// Any two numbers; serialises `consentd migrate` runs of several nodes.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7417, 1)";

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

// The recorded schema version; 0 for an empty database.
core::Result<std::int64_t> RecordedVersion(PgConn& db) {
  auto exists = db.QueryOnce("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) return exists.error();
  if (exists->row(0).ColumnInt(0) == 0) return std::int64_t{0};
  auto version = db.QueryOnce("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) return version.error();
  return version->row(0).ColumnInt(0);
}

// Grants the application role exactly what consentd does with each table: it may read and
// write tenant rows (under row-level security), never change evidence, and only read the
// schema version and the installation secret.
core::Status GrantApplicationRole(PgConn& db, const std::string& role) {
  static const std::regex kRoleName("[a-z_][a-z0-9_]{0,62}");
  if (!std::regex_match(role, kRoleName)) {
    return core::InvalidArgument("app role '" + role + "' is not a plain lower-case role name");
  }
  auto exists = db.QueryOnce("SELECT 1 FROM pg_roles WHERE rolname = $1", PgParams().Add(role));
  if (!exists) return exists.error();
  if (exists->rows() == 0) {
    return core::InvalidArgument("role '" + role +
                                 "' does not exist; create it first: CREATE ROLE " + role +
                                 " LOGIN PASSWORD '…'");
  }
  // Run as one DO block so that the schema is whatever the migrations used.
  return db.Exec(R"sql(DO $grant$
DECLARE
  s text := quote_ident(current_schema());
  r text := quote_ident(')sql" +
                 role + R"sql(');
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %s TO %s', s, r);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s', s, r);
  EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON schema_migrations, server_secrets FROM %s', r);
  EXECUTE format('REVOKE UPDATE, DELETE ON activities FROM %s', r);
  EXECUTE format('REVOKE UPDATE, DELETE ON audit_log FROM %s', r);
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %s TO %s', s, r);
  EXECUTE format('REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA %s FROM PUBLIC', s);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %s TO %s', s, r);
END $grant$)sql");
}

// Refuses a role the database's row-level security would not confine.
core::Status CheckConfinedRole(PgConn& db) {
  auto r = db.QueryOnce(
      "SELECT current_user, rolsuper OR rolbypassrls, "
      "EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "        WHERE c.relowner = r.oid AND n.nspname = current_schema()) "
      "FROM pg_roles r WHERE r.rolname = current_user");
  if (!r) return r.error();
  if (r->rows() == 0) return core::Internal("current role not found in pg_roles");
  const auto row = r->row(0);
  const std::string role = row.ColumnText(0);
  if (row.ColumnInt(1) != 0) {
    return core::Error{core::ErrorCode::kPermissionDenied,
                       "role '" + role +
                           "' is a superuser or bypasses row-level security; "
                           "connect as the application role (see README, Running on PostgreSQL)"};
  }
  if (row.ColumnInt(2) != 0) {
    return core::Error{core::ErrorCode::kPermissionDenied,
                       "role '" + role +
                           "' owns consentd's tables; run `consentd migrate` "
                           "as the owner and everything else as the application role"};
  }
  return {};
}

// As RunGuarded for a read: an exception must not leak the pooled connection.
core::Status RunReadGuarded(const core::ReadFn& fn, core::ReadTx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return core::Internal(std::string("read threw: ") + e.what());
  }
}

constexpr std::string_view kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

class PgStore final : public core::Store {
 public:
  PgStore(std::string url, PgOptions options, std::unique_ptr<PgConn> writer)
      : url_(std::move(url)),
        options_(std::move(options)),
        writer_db_(std::move(writer)),
        writer_thread_([this] { WriterLoop(); }) {}

  ~PgStore() override {
    queue_.Stop();
    writer_thread_.join();
  }

  // One round trip for a read of one statement: BEGIN goes out with the first statement,
  // COMMIT is sent on return and its answer read by the connection's next reader (a
  // read-only transaction's COMMIT has nothing to fail on).
  core::Status Read(const core::ReadFn& fn) override {
    auto db = AcquireReader();
    if (!db) return db.error();
    (*db)->Send(std::string(kBeginRead));
    PgTx tx(**db, PgTx::Mode::kRead);
    core::Status status = RunReadGuarded(fn, tx);
    (*db)->Send("COMMIT");
    (*db)->Dispatch();
    ReleaseReader(std::move(*db));
    return status;
  }

  core::Status Write(const core::WriteFn& fn) override { return WriteAsync(fn).get(); }

  std::future<core::Status> WriteAsync(core::WriteFn fn) override {
    return queue_.Push(std::move(fn));
  }

  core::Result<int> Migrate() override;

 private:
  core::Result<std::unique_ptr<PgConn>> AcquireReader() {
    for (;;) {
      std::unique_ptr<PgConn> pooled;
      {
        std::unique_lock lock(pool_mutex_);
        pool_cv_.wait(lock,
                      [this] { return !readers_.empty() || open_readers_ < options_.max_readers; });
        if (readers_.empty()) {
          ++open_readers_;
          break;
        }
        pooled = std::move(readers_.back());
        readers_.pop_back();
      }
      // The previous reader's COMMIT answered; a connection the server closed meanwhile
      // (restart, idle timeout) is replaced.
      (void)pooled->Settle();
      if (pooled->Usable()) return pooled;
      pooled.reset();
      ForgetReader();
    }
    auto db = PgConn::Open(url_);
    if (!db) ForgetReader();
    return db;
  }

  // Keeps a healthy connection for the next reader; a broken one is closed.
  void ReleaseReader(std::unique_ptr<PgConn> db) {
    if (!db->ok()) {
      db.reset();
      ForgetReader();
      return;
    }
    {
      std::lock_guard lock(pool_mutex_);
      readers_.push_back(std::move(db));
    }
    pool_cv_.notify_one();
  }

  void ForgetReader() {
    {
      std::lock_guard lock(pool_mutex_);
      --open_readers_;
    }
    pool_cv_.notify_one();
  }

  void WriterLoop() {
    for (;;) {
      std::vector<std::unique_ptr<Unit>> batch = queue_.NextBatch(options_.max_batch);
      if (batch.empty()) return;  // stopping and drained
      CommitBatch(std::move(batch));
    }
  }

  // A lost writer connection (or one the server closed) is opened again before the next
  // batch.
  core::Status EnsureWriter() {
    if (writer_db_ && writer_db_->Usable()) return {};
    auto db = PgConn::Open(url_);
    if (!db) return db.error();
    writer_db_ = std::move(*db);
    return {};
  }

  // A unit whose statements are on the wire and whose answers have not been read.
  struct InFlight {
    std::size_t index;
    PgTx::UnitStart start;
    std::uint64_t segment;  // the pipeline segment that ends it
  };

  // One transaction for the whole batch; each unit inside its own savepoint. Units are
  // acknowledged only after COMMIT returned.
  //
  // Units overlap by one: a unit that ran to its end sends the release of its savepoint
  // and the next unit's, and does not wait — the server runs its statements while the
  // writer runs the next unit, and the writer reads its answers when that next unit ends.
  // If they hold a failure, the next unit ran in a failed transaction: both go back to the
  // failed unit's savepoint, and the next one runs again (a unit's function may run more
  // than once: core::Store::Write).
  //
  // A unit deferred because another node holds a chain head it needs ends the batch early;
  // it and the units after it run next, in order, the deferred one first — holding no
  // other lock there, it may wait for its heads.
  void CommitBatch(std::vector<std::unique_ptr<Unit>> batch) {
    core::Status begin = EnsureWriter();
    if (!begin) {
      for (const auto& u : batch) u->done.set_value(begin);
      return;
    }
    PgConn& db = *writer_db_;
    db.ForgetFailure();
    // Answered together with the first statement of the first unit.
    db.Send("BEGIN");
    db.Send("SAVEPOINT unit");
    std::vector<core::Status> results(batch.size());
    PgTx tx(db, PgTx::Mode::kWrite);
    std::optional<InFlight> in_flight;
    std::size_t ran = 0;
    while (ran < batch.size()) {
      Unit& unit = *batch[ran];
      // A unit put back before waits for its chain heads like the first unit of a batch.
      PgTx::UnitStart start =
          tx.BeginUnit(/*wait=*/unit.deferrals > 0, static_cast<int>(batch.size() - ran));
      core::Status status = RunGuarded(unit.fn, tx);
      if (status && !tx.deferred() && !db.in_failed_transaction() && !db.first_failure()) {
        db.Send("RELEASE SAVEPOINT unit");
        db.Send("SAVEPOINT unit");
        const std::uint64_t segment = db.segment();
        db.Dispatch();
        if (in_flight) {
          db.SettleThrough(in_flight->segment);  // its answers have arrived meanwhile
          if (db.first_failure()) {
            results[in_flight->index] = RollBackInFlight(db, tx, *in_flight);
            in_flight.reset();
            continue;  // this unit again
          }
        }
        in_flight = InFlight{ran, std::move(start), segment};
        ++ran;
        continue;
      }
      // The unit failed or was deferred, or the unit before it failed and this one saw
      // that: every answer is read before deciding which.
      (void)db.Settle();
      if (in_flight) {
        const bool earlier_failed =
            db.first_failure() && db.first_failure()->segment <= in_flight->segment;
        if (earlier_failed) {
          results[in_flight->index] = RollBackInFlight(db, tx, *in_flight);
          in_flight.reset();
          continue;  // this unit again
        }
        in_flight.reset();
      }
      // A unit that went on after a failed statement cannot commit its work: PostgreSQL has
      // discarded the rest of it.
      if (status && !tx.deferred()) {
        status = core::Internal("a statement of the unit failed but the unit did not report it");
      }
      auto rolled_back = db.Query("ROLLBACK TO SAVEPOINT unit");
      db.ForgetFailure();
      if (!rolled_back) status = rolled_back.error();
      tx.RollBackTo(std::move(start));
      if (tx.deferred()) break;
      results[ran++] = std::move(status);
    }
    if (in_flight) {
      (void)db.Settle();
      if (db.first_failure()) results[in_flight->index] = RollBackInFlight(db, tx, *in_flight);
    }
    (void)tx.WriteChainHeads();  // its failure shows in Commit: the whole batch fails
    core::Status commit = Commit(db);
    for (std::size_t i = 0; i < ran; ++i) batch[i]->done.set_value(commit ? results[i] : commit);
    if (ran < batch.size()) {
      ++batch[ran]->deferrals;
      queue_.PushFront({std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(ran)),
                        std::make_move_iterator(batch.end())});
    }
  }

  // The unit in flight failed (its answers, read, hold the transaction's first failure):
  // back to its savepoint, which also undoes what ran after it. Answers its failure.
  static core::Status RollBackInFlight(PgConn& db, PgTx& tx, InFlight& unit) {
    core::Status failure = db.first_failure()->error;
    (void)db.Settle();
    auto rolled_back = db.Query("ROLLBACK TO SAVEPOINT unit");
    db.ForgetFailure();
    tx.RollBackTo(std::move(unit.start));
    if (!rolled_back) return rolled_back.error();
    return failure;
  }

  // COMMIT of a transaction that has failed (a savepoint that could not be set or rolled
  // back) would answer success and roll back: such a batch is rolled back and fails.
  static core::Status Commit(PgConn& db) {
    (void)db.Settle();
    if (db.in_failed_transaction()) {
      (void)db.Exec("ROLLBACK");
      return core::Internal("the batch transaction failed; nothing of it was committed");
    }
    core::Status commit = db.Exec("COMMIT");
    if (!commit) (void)db.Exec("ROLLBACK");
    return commit;
  }

  const std::string url_;
  const PgOptions options_;
  std::unique_ptr<PgConn> writer_db_;

  std::mutex pool_mutex_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<PgConn>> readers_;
  int open_readers_ = 0;

  UnitQueue queue_;
  std::mutex migrate_mutex_;
  std::thread writer_thread_;  // last: starts after everything above is initialised
};

core::Result<int> PgStore::Migrate() {
  std::lock_guard lock(migrate_mutex_);
  auto opened = PgConn::Open(url_);
  if (!opened) return opened.error();
  PgConn& db = **opened;
  const auto migrations = MigrationsOf("postgres");
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  auto recorded = RecordedVersion(db);
  if (!recorded) return recorded.error();
  if (*recorded > latest) return SchemaTooNew(*recorded, latest);
  if (options_.require_confined_role) {
    CONSENTD_RETURN_IF_ERROR(CheckConfinedRole(db));
    if (*recorded < latest) {
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "the database schema is at version " + std::to_string(*recorded) +
                             ", this consentd needs version " + std::to_string(latest) +
                             "; run `consentd migrate` with the owner role's URL first"};
    }
    return 0;
  }
  CONSENTD_RETURN_IF_ERROR(db.Exec("BEGIN"));
  auto fail = [&db](const core::Error& e) -> core::Result<int> {
    (void)db.Exec("ROLLBACK");
    return e;
  };
  if (auto s = db.Exec(kMigrationLock); !s) return fail(s.error());
  if (auto s = db.Exec(kCreateMigrationsTable); !s) return fail(s.error());
  auto have = RecordedVersion(db);  // again, under the lock
  if (!have) return fail(have.error());
  if (*have > latest) return fail(SchemaTooNew(*have, latest));
  int applied = 0;
  for (const auto& m : migrations) {
    if (m.version <= *have) continue;
    if (auto s = db.Exec(m.sql); !s) {
      return fail(core::Error{s.error().code, std::string(m.name) + ": " + s.error().message});
    }
    auto mark = db.QueryOnce("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                             PgParams().Add(std::int64_t{m.version}).Add(m.name));
    if (!mark) return fail(mark.error());
    ++applied;
  }
  if (!options_.app_role.empty()) {
    if (auto s = GrantApplicationRole(db, options_.app_role); !s) return fail(s.error());
  }
  CONSENTD_RETURN_IF_ERROR(db.Exec("COMMIT"));
  return applied;
}

}  // namespace

core::Result<std::unique_ptr<core::Store>> OpenPgStore(const std::string& url, PgOptions options) {
  if (options.max_batch < 1) return core::InvalidArgument("max_batch must be at least 1");
  if (options.max_readers < 1) return core::InvalidArgument("max_readers must be at least 1");
  auto writer = PgConn::Open(url);
  if (!writer) return writer.error();
  return std::unique_ptr<core::Store>(
      std::make_unique<PgStore>(url, std::move(options), std::move(*writer)));
}

}  // namespace consentd::storage
