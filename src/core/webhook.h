// Webhooks to the broker's CRM: where events go, how far each endpoint got in the tenant's
// activity chain (the durable, ordered queue of events), and the delivery log.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

struct WebhookEndpoint {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::string url;
  std::string secret;        // HMAC-SHA256 key of the signature header
  std::string events = "*";  // comma-separated event types, or "*"
  bool active = true;
  std::int64_t cursor_seq = 0;  // the last chain seq delivered (or abandoned)
  int failures = 0;             // failed attempts in a row at cursor_seq + 1
  std::optional<Time> first_failure_at;
  Time next_attempt_at{};
  std::optional<Time> lease_until;  // a node is delivering until then
  UserId created_by = 0;
  Time created_at{};
};

// One delivery attempt, for the admin's delivery log.
struct WebhookAttempt {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::int64_t endpoint_id = 0;
  std::string event_id;
  std::string event_type;
  ContactId contact_id = 0;
  std::string outcome;  // "delivered" | "failed" | "abandoned"
  int status_code = 0;  // the HTTP status, 0 when none came
  std::string error;    // curl's error text or the status line; never a body
  std::int64_t duration_ms = 0;
  Time at{};
};

// What came back from one POST.
struct HttpPostResult {
  int status = 0;     // the HTTP status; 0 when none came (connection, TLS, timeout)
  std::string error;  // why no status came, or the status line of a non-2xx answer
  std::int64_t duration_ms = 0;
};

// Posts a webhook's body to its endpoint. One instance per thread; implementations may
// keep connections open between calls.
class WebhookPoster {
 public:
  virtual ~WebhookPoster() = default;
  virtual HttpPostResult Post(const std::string& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body) = 0;
};

}  // namespace consentd::core
