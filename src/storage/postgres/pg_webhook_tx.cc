// PgTx: webhook endpoints, their leases and progress, and the delivery log. None of them is
// evidence, so none locks the tenant's chain head.
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"
#include "storage/webhook_rows.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<std::vector<core::WebhookEndpoint>> PgTx::ListWebhookEndpoints(core::TenantId tenant) {
  return AllRows(TenantQuery(tenant,
                             Select(kWebhookEndpointColumns,
                                    "FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY id"),
                             PgParams().Add(tenant)),
                 ReadWebhookEndpoint<PgRow>);
}

Result<std::vector<core::WebhookAttempt>> PgTx::ListWebhookAttempts(core::TenantId tenant,
                                                                    std::int64_t endpoint,
                                                                    int limit) {
  return AllRows(TenantQuery(tenant,
                             Select(kWebhookAttemptColumns,
                                    "FROM webhook_attempts WHERE tenant_id = $1 "
                                    "AND endpoint_id = $2 ORDER BY id DESC LIMIT $3"),
                             PgParams().Add(tenant).Add(endpoint).Add(std::int64_t{limit})),
                 ReadWebhookAttempt<PgRow>);
}

Result<std::int64_t> PgTx::InsertWebhookEndpoint(const core::WebhookEndpoint& e) {
  // A new endpoint starts after the tenant's events so far, this batch's included (the head
  // row is written when the batch ends; the head locked here is current).
  CONSENTD_RETURN_IF_ERROR(Scope(e.tenant_id));
  const auto& head = heads_[e.tenant_id];
  return ReturnedId(TenantQuery(
      e.tenant_id,
      "INSERT INTO webhook_endpoints (tenant_id, url, secret, events, active, cursor_seq, "
      "next_attempt_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "RETURNING id",
      PgParams()
          .Add(e.tenant_id)
          .Add(e.url)
          .Add(e.secret)
          .Add(e.events)
          .Add(e.active ? "true" : "false")
          .Add(head ? head->seq : std::int64_t{0})
          .Add(e.next_attempt_at)
          .Add(e.created_by)
          .Add(e.created_at)));
}

Status PgTx::SetWebhookEndpointActive(core::TenantId tenant, std::int64_t id, bool active) {
  return ChangedOrNotFound(
      TenantQuery(tenant,
                  "UPDATE webhook_endpoints SET active = $1 WHERE tenant_id = $2 AND id = $3",
                  PgParams().Add(active ? "true" : "false").Add(tenant).Add(id)),
      "webhook endpoint " + std::to_string(id));
}

Status PgTx::DeleteWebhookEndpoint(core::TenantId tenant, std::int64_t id) {
  return ChangedOrNotFound(
      TenantQuery(tenant, "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2",
                  PgParams().Add(tenant).Add(id)),
      "webhook endpoint " + std::to_string(id));
}

Result<std::vector<core::WebhookEndpoint>> PgTx::ClaimDueWebhookEndpoints(core::Time now,
                                                                          core::Time lease_until,
                                                                          int limit) {
  return AllRows(db_.Query(Select(kWebhookEndpointColumns,
                                  "FROM consentd_claim_webhook_endpoints($1, $2, $3)"),
                           PgParams().Add(now).Add(lease_until).Add(std::int64_t{limit})),
                 ReadWebhookEndpoint<PgRow>);
}

Result<bool> PgTx::SaveWebhookProgress(const core::WebhookEndpoint& e, core::Time held_lease) {
  auto r = TenantQuery(e.tenant_id,
                       "UPDATE webhook_endpoints SET cursor_seq = $1, failures = $2, "
                       "first_failure_at = $3, next_attempt_at = $4, lease_until = $5 "
                       "WHERE tenant_id = $6 AND id = $7 AND lease_until = $8",
                       PgParams()
                           .Add(e.cursor_seq)
                           .Add(std::int64_t{e.failures})
                           .Add(e.first_failure_at)
                           .Add(e.next_attempt_at)
                           .Add(e.lease_until)
                           .Add(e.tenant_id)
                           .Add(e.id)
                           .Add(held_lease));
  if (!r) return r.error();
  return r->affected() > 0;
}

Status PgTx::InsertWebhookAttempt(const core::WebhookAttempt& a) {
  return Ran(TenantQuery(a.tenant_id,
                         "INSERT INTO webhook_attempts (tenant_id, endpoint_id, event_id, "
                         "event_type, contact_id, outcome, status_code, error, duration_ms, at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                         PgParams()
                             .Add(a.tenant_id)
                             .Add(a.endpoint_id)
                             .Add(a.event_id)
                             .Add(a.event_type)
                             .Add(a.contact_id)
                             .Add(a.outcome)
                             .Add(std::int64_t{a.status_code})
                             .Add(a.error)
                             .Add(a.duration_ms)
                             .Add(a.at)));
}

}  // namespace consentd::storage
