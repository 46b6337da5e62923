#include "storage/postgres/pg_db.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cstdlib>

namespace consentd::storage {

namespace {

constexpr int kMinServerVersion = 150000;

// Maps a failed statement to a consentd error by its SQLSTATE class: constraint
// violations (23) and serialization failures or deadlocks (40) are conflicts; a lost
// connection (08) is "unavailable"; the rest is internal.
core::Error ErrorOf(const PGresult* result, pg_conn* conn, std::string_view sql) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message only: DETAIL lines may quote row values (personal data).
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  std::string code = state ? state : "";
  std::string text = "postgres " + code + ": " + message;
  if (code.rfind("23", 0) == 0 || code.rfind("40", 0) == 0) return core::Conflict(text);
  if (code.rfind("08", 0) == 0 || code.empty() || PQstatus(conn) != CONNECTION_OK) {
    return core::Error{core::ErrorCode::kUnavailable, text};
  }
  if (code == "42501") return core::Error{core::ErrorCode::kPermissionDenied, text};
  return core::Internal(text + " (in: " + std::string(sql.substr(0, 80)) + ")");
}

}  // namespace

// ---------------------------------------------------------------- PgParams

PgParams& PgParams::Add(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}
PgParams& PgParams::Add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}
PgParams& PgParams::Add(const std::optional<std::int64_t>& value) {
  return value ? Add(*value) : AddNull();
}
PgParams& PgParams::Add(core::Time value) { return Add(std::string_view(core::FormatIso(value))); }
PgParams& PgParams::Add(const std::optional<core::Time>& value) {
  return value ? Add(*value) : AddNull();
}
PgParams& PgParams::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// ---------------------------------------------------------------- PgRow, PgResult

std::string PgRow::ColumnText(int column) const {
  const char* v = PQgetvalue(result_, row_, column);
  return std::string(v, static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::int64_t PgRow::ColumnInt(int column) const {
  const char* v = PQgetvalue(result_, row_, column);
  if (v[0] == 't' && v[1] == '\0') return 1;
  if (v[0] == 'f' && v[1] == '\0') return 0;
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(result_, row_, column), out);
  return out;
}

std::optional<std::int64_t> PgRow::ColumnOptionalInt(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnInt(column);
}

std::optional<std::string> PgRow::ColumnOptionalText(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnText(column);
}

bool PgRow::ColumnIsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() {
  if (result_) PQclear(result_);
}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
int PgResult::rows() const { return PQntuples(result_); }
std::int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_);
  return n[0] ? std::strtoll(n, nullptr, 10) : 0;
}

// ---------------------------------------------------------------- PgConn

core::Result<std::unique_ptr<PgConn>> PgConn::Open(const std::string& url) {
  pg_conn* raw = PQconnectdb(url.c_str());
  std::unique_ptr<PgConn> conn(new PgConn(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = PQerrorMessage(raw);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return core::Error{core::ErrorCode::kUnavailable, "cannot connect to PostgreSQL: " + message};
  }
  if (PQserverVersion(raw) < kMinServerVersion) {
    return core::Error{core::ErrorCode::kUnavailable, "PostgreSQL 15 or newer is required"};
  }
  if (PQenterPipelineMode(raw) != 1) {
    return core::Error{core::ErrorCode::kUnavailable,
                       "cannot enter pipeline mode: " + std::string(PQerrorMessage(raw))};
  }
  CONSENTD_RETURN_IF_ERROR(conn->Exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'"));
  return conn;
}

PgConn::~PgConn() { PQfinish(conn_); }

bool PgConn::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

bool PgConn::in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

core::Result<PgResult> PgConn::Check(pg_result* result, std::string_view sql) {
  PgResult owned(result);
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return owned;
  return ErrorOf(result, conn_, sql);
}

void PgConn::SendFailed(std::string_view sql) {
  if (!send_error_) send_error_ = ErrorOf(nullptr, conn_, sql);
}

void PgConn::Expect(std::string sql, Pending::Kind kind) {
  pending_.push_back({std::move(sql), kind, segment_});
}

void PgConn::Send(const std::string& sql, const PgParams& params) {
  auto found = statement_names_.find(sql);
  if (found == statement_names_.end()) {
    std::string name = "s" + std::to_string(next_statement_++);
    if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) != 1) return SendFailed(sql);
    Expect(sql, Pending::Kind::kPrepare);
    found = statement_names_.emplace(sql, std::move(name)).first;
  }
  const auto values = params.Pointers();
  if (PQsendQueryPrepared(conn_, found->second.c_str(), params.size(), values.data(), nullptr,
                          nullptr, 0) != 1) {
    return SendFailed(sql);
  }
  Expect(sql, Pending::Kind::kStatement);
}

void PgConn::Dispatch() {
  if (PQpipelineSync(conn_) != 1) return SendFailed("sync");
  Expect("sync", Pending::Kind::kSync);
  ++segment_;
}

void PgConn::NoteFailure(std::uint64_t segment, const core::Error& error) {
  if (!first_failure_) first_failure_ = Failure{segment, error};
}

core::Result<PgResult> PgConn::SyncAndRead() {
  if (pending_.empty() || pending_.back().kind != Pending::Kind::kSync) Dispatch();
  return ReadAnswers(pending_.size());
}

core::Result<PgResult> PgConn::ReadAnswers(std::size_t count) {
  std::vector<Pending> pending(std::make_move_iterator(pending_.begin()),
                               std::make_move_iterator(pending_.begin() + count));
  pending_.erase(pending_.begin(), pending_.begin() + count);
  std::optional<core::Error> failure = std::move(send_error_);
  send_error_.reset();
  if (failure) NoteFailure(pending.empty() ? segment_ : pending.front().segment, *failure);
  std::optional<PgResult> last;
  for (const Pending& p : pending) {
    if (!ok()) break;  // the connection is gone: no answers will come
    pg_result* raw = PQgetResult(conn_);
    std::optional<core::Error> failed;
    if (p.kind == Pending::Kind::kSync) {
      if (!raw || PQresultStatus(raw) != PGRES_PIPELINE_SYNC) failed = ErrorOf(raw, conn_, "sync");
      if (raw) PQclear(raw);
    } else if (!raw) {
      failed = ErrorOf(nullptr, conn_, p.sql);
    } else {
      const auto status = PQresultStatus(raw);
      auto checked = Check(raw, p.sql);
      // A statement skipped after an earlier failure, or failed itself. A Prepare that did
      // not succeed left no statement on the server: its name must be prepared again.
      if (!checked && p.kind == Pending::Kind::kPrepare) statement_names_.erase(p.sql);
      if (!checked && status != PGRES_PIPELINE_ABORTED) failed = checked.error();
      if (checked) last.emplace(std::move(*checked));
      while (pg_result* rest = PQgetResult(conn_)) PQclear(rest);  // the answer's end (NULL)
    }
    if (failed) {
      NoteFailure(p.segment, *failed);
      if (!failure) failure = std::move(failed);
    }
    if (!raw && p.kind != Pending::Kind::kSync) break;
  }
  if (!ok() && !failure) {
    failure = ErrorOf(nullptr, conn_, "connection");
    NoteFailure(pending.empty() ? segment_ : pending.front().segment, *failure);
  }
  if (failure) return *failure;
  if (!last) return PgResult(nullptr);
  return std::move(*last);
}

void PgConn::SettleThrough(std::uint64_t segment) {
  std::size_t count = 0;
  while (count < pending_.size() && pending_[count].segment <= segment) ++count;
  if (count > 0) (void)ReadAnswers(count);
}

core::Status PgConn::Settle() {
  if (pending_.empty() && !send_error_) return {};
  auto r = SyncAndRead();
  if (!r) return r.error();
  return {};
}

bool PgConn::Usable() {
  if (!pending_.empty() || send_error_ || !ok()) return false;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  // A closed connection reads as the server's farewell (a FATAL error), then end of file;
  // anything else unasked for is read and judged the same way, a few times at most.
  for (int reads = 0; poll(&p, 1, 0) > 0; ++reads) {
    if (reads == 4 || (p.revents & (POLLERR | POLLNVAL)) != 0) return false;
    if (PQconsumeInput(conn_) != 1 || !ok()) return false;
  }
  return ok();
}

core::Status PgConn::Exec(std::string_view sql) {
  CONSENTD_RETURN_IF_ERROR(Settle());
  // Several statements in one string need the simple query protocol, outside the pipeline.
  if (PQexitPipelineMode(conn_) != 1) return ErrorOf(nullptr, conn_, sql);
  // PQexec returns only the last statement's result; an earlier failure stops the rest
  // and is what that result reports.
  auto r = Check(PQexec(conn_, std::string(sql).c_str()), sql);
  if (PQenterPipelineMode(conn_) != 1 && r) return ErrorOf(nullptr, conn_, sql);
  if (!r) return r.error();
  return {};
}

core::Result<PgResult> PgConn::Query(const std::string& sql, const PgParams& params) {
  Send(sql, params);
  return SyncAndRead();
}

core::Result<PgResult> PgConn::QueryOnce(const std::string& sql, const PgParams& params) {
  const auto values = params.Pointers();
  if (PQsendQueryParams(conn_, sql.c_str(), params.size(), nullptr, values.data(), nullptr, nullptr,
                        0) == 1) {
    Expect(sql, Pending::Kind::kStatement);
  } else {
    SendFailed(sql);
  }
  return SyncAndRead();
}

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

}  // namespace consentd::storage
