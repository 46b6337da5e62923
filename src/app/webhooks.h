// Webhooks to the broker's CRM.
//
// The tenant's activity chain is the queue: every act appends its evidence activity in the
// same transaction, so an event can never be lost or exist without its act, and the chain's
// order is the events' order (per contact, and per tenant). Each endpoint keeps a cursor
// into the chain; a dispatcher leases due endpoints (one node at a time per endpoint, so
// order holds across nodes), posts the events after the cursor one by one, and advances
// the cursor after each 2xx — at least once, each event with a stable id for de-duplication,
// signed with HMAC-SHA256 over timestamp and body. A failing endpoint is retried with
// exponential backoff; an event still failing after max_age is abandoned (logged) so that
// one bad event cannot stop the stream for ever.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/audit.h"
#include "core/activity.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"
#include "core/webhook.h"

namespace consentd::app {

// Every event type, in the order the docs list them.
const std::vector<std::string_view>& WebhookEventTypes();

// The event an activity is, if any ("consent.given", ...). A link being issued is none.
std::optional<std::string_view> WebhookEventTypeOf(const core::Activity& activity);

// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(const core::Crypto& crypto, std::string_view secret,
                             std::int64_t unix_seconds, std::string_view body);

struct WebhookOptions {
  // Hosts that may be reached over plain http (the operator's choice); all others need https.
  std::vector<std::string> allow_http_hosts;
  std::chrono::seconds retry_base{10};  // first retry; doubles up to retry_cap
  std::chrono::seconds retry_cap{std::chrono::hours(1)};
  std::chrono::seconds max_age{std::chrono::hours(72)};  // then the event is abandoned
  std::chrono::seconds lease{60};
  std::chrono::milliseconds poll{1000};
  int timeout_seconds = 10;
  int events_per_round = 50;
};

// Field errors for an endpoint's URL and event list, empty when fine.
core::FieldErrors ValidateWebhook(const WebhookOptions& options, std::string_view url,
                                  std::string_view events);

struct CreatedWebhook {
  core::WebhookEndpoint endpoint;  // with its secret: shown once
  core::FieldErrors errors;
};

// Adds an endpoint (URL, events "*" or a comma list) with a new secret; it receives the
// events of acts from now on. Audited.
core::Result<CreatedWebhook> AddWebhookEndpoint(core::Store& store, const core::Clock& clock,
                                                const core::Crypto& crypto,
                                                const WebhookOptions& options, const Actor& actor,
                                                std::string_view url, std::string_view events);
core::Status SetWebhookEndpointActive(core::Store& store, const core::Clock& clock,
                                      const Actor& actor, std::int64_t id, bool active);
core::Status DeleteWebhookEndpoint(core::Store& store, const core::Clock& clock, const Actor& actor,
                                   std::int64_t id);
core::Result<std::vector<core::WebhookEndpoint>> ListWebhookEndpoints(core::Store& store,
                                                                      core::TenantId tenant);
core::Result<std::vector<core::WebhookAttempt>> ListWebhookAttempts(core::Store& store,
                                                                    core::TenantId tenant,
                                                                    std::int64_t endpoint,
                                                                    int limit);

// Delivers due events on its own thread (Start/Stop), or one round at a time (RunOnce).
class WebhookDispatcher {
 public:
  using PosterFactory = std::function<std::unique_ptr<core::WebhookPoster>()>;
  WebhookDispatcher(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                    PosterFactory posters, WebhookOptions options);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  void Stop();
  // Leases the due endpoints and delivers their waiting events; returns how many events
  // were posted (successfully or not).
  core::Result<int> RunOnce(core::WebhookPoster& poster);

 private:
  core::Result<int> Deliver(core::WebhookEndpoint endpoint, core::WebhookPoster& poster);
  core::Result<bool> Save(const core::WebhookEndpoint& endpoint, core::Time held_lease,
                          const std::optional<core::WebhookAttempt>& attempt);

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  PosterFactory posters_;
  WebhookOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace consentd::app
