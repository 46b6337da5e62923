// Thin RAII wrappers over the SQLite C API, in the spirit of Chromium's //sql.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace consentd::storage {

// One connection. Not thread-safe: used by one thread at a time.
class SqliteDb {
 public:
  // Opens (creating if needed) `path` with WAL, synchronous=FULL, foreign keys, a busy
  // timeout, memory-mapped reads (up to 256 MB) and a 16 MB page cache.
  static core::Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results.
  core::Status Exec(std::string_view sql);
  std::int64_t LastInsertId() const;
  int Changes() const;
  sqlite3* handle() { return db_; }

  // Prepared statements are kept per SQL text and reused: preparing costs more than most
  // of our queries. Acquire returns a ready statement (or null and sets *rc); Release
  // resets it and keeps it for the next Acquire of the same SQL.
  sqlite3_stmt* Acquire(const std::string& sql, int* rc);
  void Release(const std::string& sql, sqlite3_stmt* stmt);

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_statements_;
};

// A prepared statement. Bind indexes start at 1, column indexes at 0.
class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, const std::optional<std::int64_t>& value);
  Statement& BindNull(int index);

  // Advances to the next row; false when done. Errors are kept and reported by status().
  bool Step();
  // Runs a statement without rows (or to its end).
  core::Status Run();
  // Runs an UPDATE or DELETE that must change a row: kNotFound naming `what` when it
  // changed none (the row is missing or belongs to another tenant).
  core::Status RunChanging(const std::string& what);
  // Makes the statement ready to run again with new bindings.
  void Reset();
  core::Status status() const { return status_; }

  std::string ColumnText(int index) const;
  std::int64_t ColumnInt(int index) const;
  std::optional<std::int64_t> ColumnOptionalInt(int index) const;
  std::optional<std::string> ColumnOptionalText(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  void Fail(int rc);
  SqliteDb& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  core::Status status_;
};

}  // namespace consentd::storage
