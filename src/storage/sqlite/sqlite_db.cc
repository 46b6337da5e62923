#include "storage/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <string>

namespace consentd::storage {
namespace {

core::Error FromSqlite(sqlite3* db, int rc) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return core::Conflict("sqlite: " + msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL || primary == SQLITE_CANTOPEN) {
    return core::Unavailable("sqlite: " + msg);
  }
  return core::Internal("sqlite: " + msg);
}

constexpr std::int64_t kMmapBytes = std::int64_t{256} << 20;
constexpr std::int64_t kCacheKib = 16 << 10;

}  // namespace

core::Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) return FromSqlite(raw, rc);
  sqlite3_busy_timeout(raw, 30000);
  CONSENTD_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  // A database of 100,000 contacts is ~80 MB; SQLite's default 2 MB page cache per connection
  // made every list query read its index pages through the read() syscall again. Memory-mapped
  // reads share the OS page cache between connections (no copy per connection); the larger
  // page cache keeps a connection's hot pages decoded. Both are upper bounds, not allocations.
  CONSENTD_RETURN_IF_ERROR(db->Exec("PRAGMA mmap_size=" + std::to_string(kMmapBytes) +
                                    "; PRAGMA cache_size=-" + std::to_string(kCacheKib) + ";"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, statements] : idle_statements_) {
    for (sqlite3_stmt* stmt : statements) sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db_);
}

sqlite3_stmt* SqliteDb::Acquire(const std::string& sql, int* rc) {
  auto it = idle_statements_.find(sql);
  if (it != idle_statements_.end() && !it->second.empty()) {
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    *rc = SQLITE_OK;
    return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  *rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr);
  return *rc == SQLITE_OK ? stmt : nullptr;
}

void SqliteDb::Release(const std::string& sql, sqlite3_stmt* stmt) {
  if (!stmt) return;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  idle_statements_[sql].push_back(stmt);
}

core::Status SqliteDb::Exec(std::string_view sql) {
  std::string copy(sql);
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(db_, rc);
  return {};
}

std::int64_t SqliteDb::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::Changes() const { return sqlite3_changes(db_); }

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(db), sql_(sql) {
  int rc = SQLITE_OK;
  stmt_ = db.Acquire(sql_, &rc);
  if (rc != SQLITE_OK) Fail(rc);
}

Statement::~Statement() { db_.Release(sql_, stmt_); }

void Statement::Fail(int rc) {
  if (status_) status_ = FromSqlite(db_.handle(), rc);
}

Statement& Statement::Bind(int index, std::string_view value) {
  if (stmt_) {
    int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                               SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) Fail(rc);
  }
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  if (stmt_) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) Fail(rc);
  }
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::Step() {
  if (!stmt_ || !status_) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) Fail(rc);
  return false;
}

core::Status Statement::Run() {
  while (Step()) {
  }
  return status_;
}

core::Status Statement::RunChanging(const std::string& what) {
  CONSENTD_RETURN_IF_ERROR(Run());
  if (db_.Changes() == 0) return core::NotFound(what);
  return {};
}

void Statement::Reset() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (!text) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

std::int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::optional<std::int64_t> Statement::ColumnOptionalInt(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnInt(index);
}

std::optional<std::string> Statement::ColumnOptionalText(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnText(index);
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace consentd::storage
