// PgTx: users of the admin UI, sessions, the login throttle and the audit log. Sessions and
// audit entries are written without locking the tenant's chain head: they are no evidence.
#include "storage/admin_rows.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::User>> PgTx::FindUsersByEmailAnyTenant(std::string_view email) {
  return AllRows(
      db_.Query(Select(kUserColumns, "FROM consentd_users_by_email($1)"), PgParams().Add(email)),
      ReadUser<PgRow>);
}

Result<core::User> PgTx::FindUser(core::TenantId tenant, core::UserId id) {
  return OneOrNotFound(
      TenantQuery(tenant, Select(kUserColumns, "FROM users WHERE tenant_id = $1 AND id = $2"),
                  PgParams().Add(tenant).Add(id)),
      ReadUser<PgRow>, "user " + std::to_string(id));
}

Result<std::vector<core::User>> PgTx::ListUsers(core::TenantId tenant) {
  return AllRows(
      TenantQuery(tenant, Select(kUserColumns, "FROM users WHERE tenant_id = $1 ORDER BY id"),
                  PgParams().Add(tenant)),
      ReadUser<PgRow>);
}

Status PgTx::UpdateUser(const core::User& u) {
  return ChangedOrNotFound(
      TenantQuery(u.tenant_id,
                  "UPDATE users SET name = $1, role = $2, password_hash = $3, active = $4 "
                  "WHERE tenant_id = $5 AND id = $6 AND role <> 'system'",
                  PgParams()
                      .Add(u.name)
                      .Add(core::RoleName(u.role))
                      .Add(u.password_hash)
                      .Add(u.active ? "true" : "false")
                      .Add(u.tenant_id)
                      .Add(u.id)),
      "user " + std::to_string(u.id));
}

Result<core::Session> PgTx::FindSession(std::string_view token_hash) {
  return OneOrNotFound(db_.Query(Select(kSessionColumns, "FROM consentd_find_session($1)"),
                                 PgParams().Add(token_hash)),
                       ReadSession<PgRow>, "session");
}

Status PgTx::InsertSession(const core::Session& session) {
  CONSENTD_RETURN_IF_ERROR(Scope(session.tenant_id, false));
  return Ran(
      db_.Query("INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, last_seen_at, "
                "expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, false)",
                PgParams()
                    .Add(session.token_hash)
                    .Add(session.tenant_id)
                    .Add(session.user_id)
                    .Add(core::FormatIso(session.created_at))
                    .Add(core::FormatIso(session.last_seen_at))
                    .Add(core::FormatIso(session.expires_at))));
}

Status PgTx::TouchSession(core::TenantId tenant, std::string_view token_hash, core::Time now) {
  CONSENTD_RETURN_IF_ERROR(Scope(tenant, false));
  return Ran(
      db_.Query("UPDATE sessions SET last_seen_at = $1 WHERE tenant_id = $2 AND token_hash = $3",
                PgParams().Add(core::FormatIso(now)).Add(tenant).Add(token_hash)));
}

Status PgTx::RevokeSession(core::TenantId tenant, std::string_view token_hash) {
  CONSENTD_RETURN_IF_ERROR(Scope(tenant, false));
  return Ran(
      db_.Query("UPDATE sessions SET revoked = true WHERE tenant_id = $1 AND token_hash = $2",
                PgParams().Add(tenant).Add(token_hash)));
}

Status PgTx::RevokeUserSessions(core::TenantId tenant, core::UserId user) {
  CONSENTD_RETURN_IF_ERROR(Scope(tenant, false));
  return Ran(db_.Query("UPDATE sessions SET revoked = true WHERE tenant_id = $1 AND user_id = $2",
                       PgParams().Add(tenant).Add(user)));
}

Result<std::int64_t> PgTx::CountLoginFailures(std::string_view key, core::Time since) {
  auto r = db_.Query("SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2",
                     PgParams().Add(key).Add(core::FormatIso(since)));
  if (!r) return r.error();
  return r->row(0).ColumnInt(0);
}

Status PgTx::RecordLoginFailure(std::string_view key, core::Time now) {
  return Ran(db_.Query("INSERT INTO login_failures (key, at) VALUES ($1, $2)",
                       PgParams().Add(key).Add(core::FormatIso(now))));
}

Status PgTx::ClearLoginFailures(std::string_view key, core::Time older_than) {
  return Ran(db_.Query("DELETE FROM login_failures WHERE key = $1 OR at < $2",
                       PgParams().Add(key).Add(core::FormatIso(older_than))));
}

Status PgTx::InsertAudit(const core::AuditEntry& e) {
  return TenantSend(e.tenant_id,
                    "INSERT INTO audit_log (tenant_id, user_id, at, action, target, detail, "
                    "ip_prefix, api_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    PgParams()
                        .Add(e.tenant_id)
                        .Add(e.user_id)
                        .Add(core::FormatIso(e.at))
                        .Add(e.action)
                        .Add(e.target)
                        .Add(e.detail)
                        .Add(e.ip_prefix)
                        .Add(e.api_key_id),
                    /*lock_head=*/false);
}

Result<std::vector<core::AuditEntry>> PgTx::ListAudit(core::TenantId tenant,
                                                      const core::AuditQuery& q) {
  PgParams params;
  params.Add(tenant).Add(q.before_id > 0 ? q.before_id : INT64_MAX);
  params.Add(q.user ? "true" : "false").Add(q.user.value_or(0));
  params.Add(q.action_prefix);
  params.Add(q.from ? core::FormatIso(*q.from) : std::string("-infinity"));
  params.Add(q.to ? core::FormatIso(*q.to) : std::string("infinity"));
  params.Add(std::int64_t{q.limit});
  return AllRows(TenantQuery(tenant,
                             Select(kAuditColumns,
                                    "FROM audit_log WHERE tenant_id = $1 AND id < $2 "
                                    "AND (NOT $3::boolean OR user_id = $4) "
                                    "AND starts_with(action, $5) AND at >= $6 AND at < $7 "
                                    "ORDER BY id DESC LIMIT $8"),
                             params),
                 ReadAuditEntry<PgRow>);
}

}  // namespace consentd::storage
