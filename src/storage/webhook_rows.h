// Column lists and row readers of the webhook tables, shared by both stores like
// storage/row_readers.h. Internal to storage.
#pragma once

#include <string_view>

#include "core/webhook.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

inline constexpr std::string_view kWebhookEndpointColumns =
    "id, tenant_id, url, secret, events, active, cursor_seq, failures, first_failure_at, "
    "next_attempt_at, lease_until, created_by, created_at";

template <typename Row>
core::WebhookEndpoint ReadWebhookEndpoint(const Row& s) {
  core::WebhookEndpoint e;
  e.id = s.ColumnInt(0);
  e.tenant_id = s.ColumnInt(1);
  e.url = s.ColumnText(2);
  e.secret = s.ColumnText(3);
  e.events = s.ColumnText(4);
  e.active = s.ColumnInt(5) != 0;
  e.cursor_seq = s.ColumnInt(6);
  e.failures = static_cast<int>(s.ColumnInt(7));
  e.first_failure_at = OptionalTimeOf(s.ColumnOptionalText(8));
  e.next_attempt_at = TimeOf(s.ColumnText(9));
  e.lease_until = OptionalTimeOf(s.ColumnOptionalText(10));
  e.created_by = s.ColumnInt(11);
  e.created_at = TimeOf(s.ColumnText(12));
  return e;
}

inline constexpr std::string_view kWebhookAttemptColumns =
    "id, tenant_id, endpoint_id, event_id, event_type, contact_id, outcome, status_code, error, "
    "duration_ms, at";

template <typename Row>
core::WebhookAttempt ReadWebhookAttempt(const Row& s) {
  core::WebhookAttempt a;
  a.id = s.ColumnInt(0);
  a.tenant_id = s.ColumnInt(1);
  a.endpoint_id = s.ColumnInt(2);
  a.event_id = s.ColumnText(3);
  a.event_type = s.ColumnText(4);
  a.contact_id = s.ColumnInt(5);
  a.outcome = s.ColumnText(6);
  a.status_code = static_cast<int>(s.ColumnInt(7));
  a.error = s.ColumnText(8);
  a.duration_ms = s.ColumnInt(9);
  a.at = TimeOf(s.ColumnText(10));
  return a;
}

}  // namespace consentd::storage::rows
