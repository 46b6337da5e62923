// The JSON API (/api/v1) for the broker's CRM: bearer API keys with read/write scope,
// RFC 9457 problem+json errors with a list of field errors, Idempotency-Key on POSTs,
// ETag/If-Match on updates, and an audit entry for every call. docs/openapi.yaml describes
// every route and is served at /api/v1/openapi.yaml.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "app/api_keys.h"
#include "app/webhooks.h"
#include "core/ports.h"
#include "core/store.h"
#include "http/server.h"

namespace consentd::http {

struct ApiServices {
  core::Store& store;
  const core::Clock& clock;
  const core::Crypto& crypto;
  const core::PhoneNormalizer& phones;
  const app::WebhookOptions& webhooks;  // which endpoint URLs are allowed
  // Renders and queues a mailing created through the API in the background (the serial
  // mail screen's preparer); a mailing left unprepared is resumed at the next start.
  std::function<void(core::TenantId, core::MailingId)> prepare = {};
};

// An RFC 9457 problem document (application/problem+json). `errors` (when not null) lists
// the fields that failed validation: [{"field", "detail", "detail_de"}].
Response Problem(int status, std::string_view title, std::string_view detail,
                 const nlohmann::json& errors = nullptr);

// Thread-safe; borrows its services.
class ApiHandlers {
 public:
  explicit ApiHandlers(ApiServices services)
      : services_(services), keys_(services.store, services.crypto) {}

  // The response for a request under /api; nullopt for other paths.
  std::optional<Response> Handle(const Request& request) const;

 private:
  ApiServices services_;
  app::ApiKeyChecker keys_;
};

}  // namespace consentd::http
