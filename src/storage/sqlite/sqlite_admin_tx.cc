// SqliteTx: users of the admin UI, sessions, the login throttle and the audit log.
#include "storage/admin_rows.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::User>> SqliteTx::FindUsersByEmailAnyTenant(std::string_view email) {
  Statement s(db_, Select(kUserColumns,
                          "FROM users WHERE email = ? COLLATE NOCASE ORDER BY tenant_id, id "
                          "LIMIT 5"));
  s.Bind(1, email);
  return AllRows(s, ReadUser<Statement>);
}

Result<core::User> SqliteTx::FindUser(core::TenantId tenant, core::UserId id) {
  Statement s(db_, Select(kUserColumns, "FROM users WHERE tenant_id = ? AND id = ?"));
  s.Bind(1, tenant).Bind(2, id);
  return OneOrNotFound(s, ReadUser<Statement>, "user " + std::to_string(id));
}

Result<std::vector<core::User>> SqliteTx::ListUsers(core::TenantId tenant) {
  Statement s(db_, Select(kUserColumns, "FROM users WHERE tenant_id = ? ORDER BY id"));
  s.Bind(1, tenant);
  return AllRows(s, ReadUser<Statement>);
}

Status SqliteTx::UpdateUser(const core::User& u) {
  Statement s(db_,
              "UPDATE users SET name = ?, role = ?, password_hash = ?, active = ? "
              "WHERE tenant_id = ? AND id = ? AND role <> 'system'");
  s.Bind(1, u.name).Bind(2, core::RoleName(u.role)).Bind(3, u.password_hash);
  s.Bind(4, std::int64_t{u.active ? 1 : 0}).Bind(5, u.tenant_id).Bind(6, u.id);
  return s.RunChanging("user " + std::to_string(u.id));
}

Result<core::Session> SqliteTx::FindSession(std::string_view token_hash) {
  Statement s(db_, Select(kSessionColumns, "FROM sessions WHERE token_hash = ?"));
  s.Bind(1, token_hash);
  return OneOrNotFound(s, ReadSession<Statement>, "session");
}

Status SqliteTx::InsertSession(const core::Session& session) {
  Statement s(db_,
              "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, last_seen_at, "
              "expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, 0)");
  s.Bind(1, session.token_hash).Bind(2, session.tenant_id).Bind(3, session.user_id);
  s.Bind(4, core::FormatIso(session.created_at)).Bind(5, core::FormatIso(session.last_seen_at));
  s.Bind(6, core::FormatIso(session.expires_at));
  return s.Run();
}

Status SqliteTx::TouchSession(core::TenantId tenant, std::string_view token_hash, core::Time now) {
  Statement s(db_, "UPDATE sessions SET last_seen_at = ? WHERE tenant_id = ? AND token_hash = ?");
  s.Bind(1, core::FormatIso(now)).Bind(2, tenant).Bind(3, token_hash);
  return s.Run();
}

Status SqliteTx::RevokeSession(core::TenantId tenant, std::string_view token_hash) {
  Statement s(db_, "UPDATE sessions SET revoked = 1 WHERE tenant_id = ? AND token_hash = ?");
  s.Bind(1, tenant).Bind(2, token_hash);
  return s.Run();
}

Status SqliteTx::RevokeUserSessions(core::TenantId tenant, core::UserId user) {
  Statement s(db_, "UPDATE sessions SET revoked = 1 WHERE tenant_id = ? AND user_id = ?");
  s.Bind(1, tenant).Bind(2, user);
  return s.Run();
}

Result<std::int64_t> SqliteTx::CountLoginFailures(std::string_view key, core::Time since) {
  Statement s(db_, "SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?");
  s.Bind(1, key).Bind(2, core::FormatIso(since));
  if (s.Step()) return s.ColumnInt(0);
  if (!s.status()) return s.status().error();
  return std::int64_t{0};
}

Status SqliteTx::RecordLoginFailure(std::string_view key, core::Time now) {
  Statement s(db_, "INSERT INTO login_failures (key, at) VALUES (?, ?)");
  s.Bind(1, key).Bind(2, core::FormatIso(now));
  return s.Run();
}

Status SqliteTx::ClearLoginFailures(std::string_view key, core::Time older_than) {
  Statement s(db_, "DELETE FROM login_failures WHERE key = ? OR at < ?");
  s.Bind(1, key).Bind(2, core::FormatIso(older_than));
  return s.Run();
}

Status SqliteTx::InsertAudit(const core::AuditEntry& e) {
  Statement s(db_,
              "INSERT INTO audit_log (tenant_id, user_id, at, action, target, detail, ip_prefix, "
              "api_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, e.tenant_id).Bind(2, e.user_id).Bind(3, core::FormatIso(e.at)).Bind(4, e.action);
  s.Bind(5, e.target).Bind(6, e.detail).Bind(7, e.ip_prefix).Bind(8, e.api_key_id);
  return s.Run();
}

Result<std::vector<core::AuditEntry>> SqliteTx::ListAudit(core::TenantId tenant,
                                                          const core::AuditQuery& q) {
  // Absent filters bind values that match everything, so one statement serves every query
  // (and stays in the statement cache).
  Statement s(db_, Select(kAuditColumns,
                          "FROM audit_log WHERE tenant_id = ? AND id < ? "
                          "AND (? = 0 OR user_id = ?) AND action >= ? AND action < ? "
                          "AND at >= ? AND at < ? ORDER BY id DESC LIMIT ?"));
  const std::string prefix_end = q.action_prefix.empty() ? "\x7f" : q.action_prefix + "\x7f";
  s.Bind(1, tenant).Bind(2, q.before_id > 0 ? q.before_id : INT64_MAX);
  s.Bind(3, std::int64_t{q.user ? 1 : 0}).Bind(4, q.user.value_or(0));
  s.Bind(5, q.action_prefix).Bind(6, prefix_end);
  s.Bind(7, q.from ? core::FormatIso(*q.from) : std::string());
  s.Bind(8, q.to ? core::FormatIso(*q.to) : std::string("9999"));
  s.Bind(9, std::int64_t{q.limit});
  return AllRows(s, ReadAuditEntry<Statement>);
}

}  // namespace consentd::storage
