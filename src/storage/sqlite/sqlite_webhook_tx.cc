// SqliteTx: webhook endpoints, their leases and progress, and the delivery log.
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"
#include "storage/webhook_rows.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::WebhookEndpoint>> SqliteTx::ListWebhookEndpoints(core::TenantId tenant) {
  Statement s(db_, Select(kWebhookEndpointColumns,
                          "FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id"));
  s.Bind(1, tenant);
  return AllRows(s, ReadWebhookEndpoint<Statement>);
}

Result<std::vector<core::WebhookAttempt>> SqliteTx::ListWebhookAttempts(core::TenantId tenant,
                                                                        std::int64_t endpoint,
                                                                        int limit) {
  Statement s(db_, Select(kWebhookAttemptColumns,
                          "FROM webhook_attempts WHERE tenant_id = ? AND endpoint_id = ? "
                          "ORDER BY id DESC LIMIT ?"));
  s.Bind(1, tenant).Bind(2, endpoint).Bind(3, std::int64_t{limit});
  return AllRows(s, ReadWebhookAttempt<Statement>);
}

Result<std::int64_t> SqliteTx::InsertWebhookEndpoint(const core::WebhookEndpoint& e) {
  Statement s(db_,
              "INSERT INTO webhook_endpoints (tenant_id, url, secret, events, active, cursor_seq, "
              "next_attempt_at, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
              "COALESCE((SELECT seq FROM chain_heads WHERE tenant_id = ?1), 0), ?6, ?7, ?8)");
  s.Bind(1, e.tenant_id).Bind(2, e.url).Bind(3, e.secret).Bind(4, e.events);
  s.Bind(5, std::int64_t{e.active ? 1 : 0}).Bind(6, core::FormatIso(e.next_attempt_at));
  s.Bind(7, e.created_by).Bind(8, core::FormatIso(e.created_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::SetWebhookEndpointActive(core::TenantId tenant, std::int64_t id, bool active) {
  Statement s(db_, "UPDATE webhook_endpoints SET active = ? WHERE tenant_id = ? AND id = ?");
  s.Bind(1, std::int64_t{active ? 1 : 0}).Bind(2, tenant).Bind(3, id);
  return s.RunChanging("webhook endpoint " + std::to_string(id));
}

Status SqliteTx::DeleteWebhookEndpoint(core::TenantId tenant, std::int64_t id) {
  Statement s(db_, "DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?");
  s.Bind(1, tenant).Bind(2, id);
  return s.RunChanging("webhook endpoint " + std::to_string(id));
}

Result<std::vector<core::WebhookEndpoint>> SqliteTx::ClaimDueWebhookEndpoints(
    core::Time now, core::Time lease_until, int limit) {
  Statement s(db_,
              "UPDATE webhook_endpoints SET lease_until = ?1 WHERE id IN ("
              "SELECT w.id FROM webhook_endpoints w "
              "JOIN chain_heads h ON h.tenant_id = w.tenant_id "
              "WHERE w.active = 1 AND h.seq > w.cursor_seq AND w.next_attempt_at <= ?2 "
              "AND (w.lease_until IS NULL OR w.lease_until < ?2) "
              "ORDER BY w.next_attempt_at LIMIT ?3) RETURNING " +
                  std::string(kWebhookEndpointColumns));
  s.Bind(1, core::FormatIso(lease_until)).Bind(2, core::FormatIso(now));
  s.Bind(3, std::int64_t{limit});
  return AllRows(s, ReadWebhookEndpoint<Statement>);
}

Result<bool> SqliteTx::SaveWebhookProgress(const core::WebhookEndpoint& e, core::Time held_lease) {
  Statement s(db_,
              "UPDATE webhook_endpoints SET cursor_seq = ?, failures = ?, first_failure_at = ?, "
              "next_attempt_at = ?, lease_until = ? "
              "WHERE tenant_id = ? AND id = ? AND lease_until = ?");
  s.Bind(1, e.cursor_seq).Bind(2, std::int64_t{e.failures});
  BindOptionalText(s, 3, IsoOrNull(e.first_failure_at));
  s.Bind(4, core::FormatIso(e.next_attempt_at));
  BindOptionalText(s, 5, IsoOrNull(e.lease_until));
  s.Bind(6, e.tenant_id).Bind(7, e.id).Bind(8, core::FormatIso(held_lease));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.Changes() > 0;
}

Status SqliteTx::InsertWebhookAttempt(const core::WebhookAttempt& a) {
  Statement s(db_,
              "INSERT INTO webhook_attempts (tenant_id, endpoint_id, event_id, event_type, "
              "contact_id, outcome, status_code, error, duration_ms, at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, a.tenant_id).Bind(2, a.endpoint_id).Bind(3, a.event_id).Bind(4, a.event_type);
  s.Bind(5, a.contact_id).Bind(6, a.outcome).Bind(7, std::int64_t{a.status_code});
  s.Bind(8, a.error).Bind(9, a.duration_ms).Bind(10, core::FormatIso(a.at));
  return s.Run();
}

}  // namespace consentd::storage
