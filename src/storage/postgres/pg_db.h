// Thin RAII wrappers over libpq: one connection with cached prepared statements, text
// parameters and text results. Internal to storage/postgres.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/time.h"

struct pg_conn;
struct pg_result;

namespace consentd::storage {

// Query parameters, all sent as text ($1, $2, … in the order added).
class PgParams {
 public:
  PgParams& Add(std::string_view value);
  PgParams& Add(const char* value) { return Add(std::string_view(value)); }
  PgParams& Add(std::int64_t value);
  PgParams& Add(const std::optional<std::int64_t>& value);
  PgParams& Add(core::Time value);
  PgParams& Add(const std::optional<core::Time>& value);
  PgParams& AddNull();

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers for PQexecPrepared; valid while this object lives unchanged.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// One row of a PgResult. Column indexes start at 0.
class PgRow {
 public:
  PgRow(const pg_result* result, int row) : result_(result), row_(row) {}
  std::string ColumnText(int column) const;
  std::int64_t ColumnInt(int column) const;  // booleans read as 1/0
  std::optional<std::int64_t> ColumnOptionalInt(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  const pg_result* result_;
  int row_;
};

// The rows of one statement.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  PgRow row(int i) const { return PgRow(result_, i); }
  // Rows inserted, updated or deleted by the statement.
  std::int64_t affected() const;

 private:
  pg_result* result_;
};

// One connection. Not thread-safe: used by one thread at a time.
//
// The connection runs in libpq's pipeline mode: Send() puts a statement on the wire without
// waiting for its answer, and the next Query(), Settle() or Exec() reads the answers of
// everything sent before it, in order, in the same round trip. A failure of a sent
// statement is reported there, and PostgreSQL skips every statement after it up to that
// point — inside a transaction, the transaction has failed as after any failed statement;
// outside one, the statements up to that point were one implicit transaction, rolled back.
class PgConn {
 public:
  // Connects to a libpq URL, sets the session to UTC, and checks the server is
  // PostgreSQL 15 or newer.
  static core::Result<std::unique_ptr<PgConn>> Open(const std::string& url);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one or more statements without parameters or results (simple query protocol),
  // after settling what was sent.
  core::Status Exec(std::string_view sql);
  // Runs one statement, prepared once per connection and SQL text; waits for its answer.
  core::Result<PgResult> Query(const std::string& sql, const PgParams& params = {});
  // Runs one statement without preparing it (for SQL that is built once, e.g. in Migrate).
  core::Result<PgResult> QueryOnce(const std::string& sql, const PgParams& params = {});
  // Sends one statement (prepared as Query does: Parse on first use, then Bind/Execute)
  // whose answer the caller does not need.
  void Send(const std::string& sql, const PgParams& params = {});
  // Ends what was sent as one pipeline segment and puts it on the wire without waiting:
  // the server runs it now, its answers are read by the next Settle, Query or Exec.
  void Dispatch();
  // Waits for the answers of everything sent: the first failure among them, if any.
  core::Status Settle();
  // The number of the segment being sent; Dispatch ends it and begins the next.
  std::uint64_t segment() const { return segment_; }
  // Waits for the answers of the segments up to and including `segment` (dispatched
  // already) and leaves those of later segments on the wire.
  void SettleThrough(std::uint64_t segment);
  // The first failure read since ForgetFailure(), whoever read it, and the segment of the
  // statement that failed: which of several segments in flight failed first.
  struct Failure {
    std::uint64_t segment;
    core::Error error;
  };
  const std::optional<Failure>& first_failure() const { return first_failure_; }
  void ForgetFailure() { first_failure_.reset(); }
  // Whether the connection can take statements: connected, no answers outstanding, and the
  // server has not closed it (a closed connection shows as input nobody asked for).
  bool Usable();

  // False once the connection is lost; such a connection is not reused.
  bool ok() const;
  // True while a transaction is open and a statement in it has failed (as of the last
  // answer read).
  bool in_failed_transaction() const;

 private:
  // A statement sent whose answer has not been read yet.
  struct Pending {
    // A statement; its preparation (forgotten when it does not succeed); or the end of a
    // pipeline segment (Dispatch).
    enum class Kind { kStatement, kPrepare, kSync };
    std::string sql;  // for error messages, and the key of a preparation
    Kind kind = Kind::kStatement;
    std::uint64_t segment = 0;
  };

  explicit PgConn(pg_conn* conn) : conn_(conn) {}
  core::Result<PgResult> Check(pg_result* result, std::string_view sql);
  // Ends the pipeline segment (unless Dispatch just did) and reads every pending answer: the
  // last statement's result, or the first failure.
  core::Result<PgResult> SyncAndRead();
  // Reads the answers of the first `count` pending entries: the last statement's result, or
  // the first failure.
  core::Result<PgResult> ReadAnswers(std::size_t count);
  void NoteFailure(std::uint64_t segment, const core::Error& error);
  void Expect(std::string sql, Pending::Kind kind);
  // A send libpq refused (connection lost): remembered for the next SyncAndRead.
  void SendFailed(std::string_view sql);

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> statement_names_;  // SQL text -> name
  int next_statement_ = 1;
  std::vector<Pending> pending_;
  std::optional<core::Error> send_error_;
  std::uint64_t segment_ = 0;
  std::optional<Failure> first_failure_;
};

// "postgresql://…" or "postgres://…".
bool IsPostgresUrl(std::string_view url);

}  // namespace consentd::storage
