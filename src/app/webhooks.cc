#include "app/webhooks.h"

#include <algorithm>
#include <map>

#include "core/link_token.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxUrlLength = 2000;
constexpr int kClaimLimit = 10;

std::string Target(std::int64_t id) { return "webhook:" + std::to_string(id); }

bool Subscribed(std::string_view events, std::string_view type) {
  if (events == "*") return true;
  while (!events.empty()) {
    auto comma = events.find(',');
    if (events.substr(0, comma) == type) return true;
    events = comma == std::string_view::npos ? std::string_view() : events.substr(comma + 1);
  }
  return false;
}

// The host of an http(s) URL ("" when it has none or carries user info).
std::string HostOf(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "";
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    return close == std::string_view::npos ? "" : std::string(authority.substr(0, close + 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

// The events as stored: "*" or the known types, comma-separated without spaces.
std::optional<std::string> NormalizedEvents(std::string_view events) {
  std::string trimmed = core::Trim(events);
  if (trimmed.empty() || trimmed == "*") return std::string("*");
  std::string out;
  std::string_view rest = trimmed;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string type = core::Trim(rest.substr(0, comma));
    const auto& known = WebhookEventTypes();
    if (std::find(known.begin(), known.end(), type) == known.end()) return std::nullopt;
    if (!Subscribed(out, type)) out += (out.empty() ? "" : ",") + type;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

std::chrono::seconds Backoff(const WebhookOptions& options, int failures) {
  auto delay = options.retry_base;
  for (int i = 1; i < failures && delay < options.retry_cap; ++i) delay *= 2;
  return std::min(delay, options.retry_cap);
}

std::string EventId(const core::Activity& a) {
  return "evt_" + std::to_string(a.tenant_id) + "_" + std::to_string(a.seq);
}

std::string EventBody(const core::Activity& a, std::string_view type,
                      const std::string& external_id) {
  json body = {
      {"id", EventId(a)},
      {"type", type},
      {"created_at", core::FormatIso(a.created_at)},
      {"contact",
       {{"id", a.contact_id},
        {"external_id", external_id.empty() ? json(nullptr) : json(external_id)}}},
      {"data", a.payload.empty() ? json(nullptr) : json::parse(a.payload, nullptr, false)}};
  return body.dump();
}

std::int64_t UnixSeconds(core::Time t) { return t.time_since_epoch().count(); }

}  // namespace

const std::vector<std::string_view>& WebhookEventTypes() {
  static const std::vector<std::string_view> kTypes = {
      "consent.given",          "consent.withdrawn",  "contact.updated",
      "search_profile.changed", "deletion.requested", "deletion.decided",
      "contact.erased",         "mail.sent",          "mail.failed"};
  return kTypes;
}

std::optional<std::string_view> WebhookEventTypeOf(const core::Activity& a) {
  switch (a.type) {
    case core::ActivityType::kEinwilligung:
      return "consent.given";
    case core::ActivityType::kWiderruf:
      return "consent.withdrawn";
    case core::ActivityType::kDatenaenderung:  // created or changed: data.act tells
      return "contact.updated";
    case core::ActivityType::kSuchprofil:
      return "search_profile.changed";
    case core::ActivityType::kLoeschantrag:
      return "deletion.requested";
    case core::ActivityType::kLoeschentscheidung:
      return "deletion.decided";
    case core::ActivityType::kLoeschung:
      return "contact.erased";
    case core::ActivityType::kEmailVersendet:
      return "mail.sent";
    case core::ActivityType::kEmailNichtZugestellt:
      return "mail.failed";
    case core::ActivityType::kLinkErstellt:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string WebhookSignature(const core::Crypto& crypto, std::string_view secret,
                             std::int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + crypto.HmacSha256Hex(secret, t + "." + std::string(body));
}

core::FieldErrors ValidateWebhook(const WebhookOptions& options, std::string_view url,
                                  std::string_view events) {
  core::FieldErrors errors;
  const std::string host = HostOf(url);
  const bool https = url.starts_with("https://");
  const bool http = url.starts_with("http://");
  if (url.size() > kMaxUrlLength || host.empty() || (!https && !http)) {
    errors.push_back({"url", "Bitte geben Sie eine vollständige https-Adresse an.",
                      "Please enter a complete https URL."});
  } else if (http && std::find(options.allow_http_hosts.begin(), options.allow_http_hosts.end(),
                               host) == options.allow_http_hosts.end()) {
    errors.push_back({"url",
                      "Webhooks gehen nur an https-Adressen (http erlaubt der Betreiber nur für "
                      "freigegebene Hosts).",
                      "Webhooks go to https URLs only (the operator allows http for listed "
                      "hosts only)."});
  }
  if (!NormalizedEvents(events)) {
    errors.push_back({"events", "Bitte wählen Sie Ereignisse aus der Liste.",
                      "Please choose events from the list."});
  }
  return errors;
}

Result<CreatedWebhook> AddWebhookEndpoint(core::Store& store, const core::Clock& clock,
                                          const core::Crypto& crypto, const WebhookOptions& options,
                                          const Actor& actor, std::string_view url,
                                          std::string_view events) {
  CreatedWebhook created;
  const std::string trimmed_url = core::Trim(url);
  created.errors = ValidateWebhook(options, trimmed_url, events);
  if (!created.errors.empty()) return created;
  core::WebhookEndpoint& e = created.endpoint;
  e.tenant_id = actor.tenant;
  e.url = trimmed_url;
  e.secret = "whsec_" + core::Base64UrlEncode(crypto.RandomBytes(32));
  e.events = *NormalizedEvents(events);
  e.created_by = actor.user;
  e.created_at = clock.Now();
  e.next_attempt_at = e.created_at;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto id = tx.InsertWebhookEndpoint(e);
    if (!id) return id.error();
    e.id = *id;
    return WriteAudit(tx, actor, "webhook.create", Target(*id), {{"events", e.events}},
                      e.created_at);
  });
  if (!status) return status.error();
  return created;
}

Status SetWebhookEndpointActive(core::Store& store, const core::Clock& clock, const Actor& actor,
                                std::int64_t id, bool active) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(tx.SetWebhookEndpointActive(actor.tenant, id, active));
    return WriteAudit(tx, actor, active ? "webhook.activate" : "webhook.deactivate", Target(id),
                      nullptr, clock.Now());
  });
}

Status DeleteWebhookEndpoint(core::Store& store, const core::Clock& clock, const Actor& actor,
                             std::int64_t id) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(tx.DeleteWebhookEndpoint(actor.tenant, id));
    return WriteAudit(tx, actor, "webhook.delete", Target(id), nullptr, clock.Now());
  });
}

Result<std::vector<core::WebhookEndpoint>> ListWebhookEndpoints(core::Store& store,
                                                                core::TenantId tenant) {
  std::vector<core::WebhookEndpoint> out;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.ListWebhookEndpoints(tenant);
    if (!found) return found.error();
    out = std::move(*found);
    return {};
  }));
  return out;
}

Result<std::vector<core::WebhookAttempt>> ListWebhookAttempts(core::Store& store,
                                                              core::TenantId tenant,
                                                              std::int64_t endpoint, int limit) {
  std::vector<core::WebhookAttempt> out;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.ListWebhookAttempts(tenant, endpoint, limit);
    if (!found) return found.error();
    out = std::move(*found);
    return {};
  }));
  return out;
}

// ---------------------------------------------------------------- dispatcher

WebhookDispatcher::WebhookDispatcher(core::Store& store, const core::Clock& clock,
                                     const core::Crypto& crypto, PosterFactory posters,
                                     WebhookOptions options)
    : store_(store),
      clock_(clock),
      crypto_(crypto),
      posters_(std::move(posters)),
      options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] {
    auto poster = posters_();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto posted = RunOnce(*poster);
      if (!posted) {
        std::fprintf(stderr, "consentd: webhooks: %s\n", posted.error().message.c_str());
      }
      lock.lock();
      if (posted && *posted > 0) continue;  // more may be waiting
      cv_.wait_for(lock, options_.poll, [this] { return stopping_; });
    }
  });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int> WebhookDispatcher::RunOnce(core::WebhookPoster& poster) {
  const core::Time now = clock_.Now();
  std::vector<core::WebhookEndpoint> claimed;
  CONSENTD_RETURN_IF_ERROR(store_.Write([&](core::WriteTx& tx) -> Status {
    auto due = tx.ClaimDueWebhookEndpoints(now, now + options_.lease, kClaimLimit);
    if (!due) return due.error();
    claimed = std::move(*due);
    return {};
  }));
  int posted = 0;
  for (auto& endpoint : claimed) {
    auto n = Deliver(std::move(endpoint), poster);
    if (!n) return n.error();
    posted += *n;
  }
  return posted;
}

Result<bool> WebhookDispatcher::Save(const core::WebhookEndpoint& endpoint, core::Time held_lease,
                                     const std::optional<core::WebhookAttempt>& attempt) {
  bool kept = false;
  CONSENTD_RETURN_IF_ERROR(store_.Write([&](core::WriteTx& tx) -> Status {
    auto saved = tx.SaveWebhookProgress(endpoint, held_lease);
    if (!saved) return saved.error();
    kept = *saved;
    if (kept && attempt) return tx.InsertWebhookAttempt(*attempt);
    return {};
  }));
  return kept;
}

Result<int> WebhookDispatcher::Deliver(core::WebhookEndpoint endpoint,
                                       core::WebhookPoster& poster) {
  const core::Time held = endpoint.lease_until.value_or(clock_.Now());
  std::vector<core::Activity> events;
  std::map<core::ContactId, std::string> external_ids;
  CONSENTD_RETURN_IF_ERROR(store_.Read([&](core::ReadTx& tx) -> Status {
    auto chain = tx.ListChain(endpoint.tenant_id, endpoint.cursor_seq, options_.events_per_round);
    if (!chain) return chain.error();
    events = std::move(*chain);
    for (const auto& a : events) {
      if (a.contact_id == 0 || external_ids.contains(a.contact_id)) continue;
      auto contact = tx.FindContact(endpoint.tenant_id, a.contact_id);
      external_ids[a.contact_id] = contact ? contact->external_id : "";
    }
    return {};
  }));
  int posted = 0;
  for (const auto& a : events) {
    // Leave time to record the last answer before the lease ends.
    if (clock_.Now() + std::chrono::seconds(options_.timeout_seconds + 5) >= held) break;
    auto type = WebhookEventTypeOf(a);
    if (!type || !Subscribed(endpoint.events, *type)) {
      endpoint.cursor_seq = a.seq;
      continue;
    }
    const std::string body = EventBody(a, *type, external_ids[a.contact_id]);
    const std::string event_id = EventId(a);
    auto result =
        poster.Post(endpoint.url,
                    {{"Content-Type", "application/json"},
                     {"Consentd-Event-Id", event_id},
                     {"Consentd-Event-Type", std::string(*type)},
                     {"Consentd-Signature",
                      WebhookSignature(crypto_, endpoint.secret, UnixSeconds(clock_.Now()), body)}},
                    body);
    ++posted;
    const core::Time now = clock_.Now();
    core::WebhookAttempt attempt{0,
                                 endpoint.tenant_id,
                                 endpoint.id,
                                 event_id,
                                 std::string(*type),
                                 a.contact_id,
                                 "delivered",
                                 result.status,
                                 result.error,
                                 result.duration_ms,
                                 now};
    if (result.status >= 200 && result.status <= 299) {
      endpoint.cursor_seq = a.seq;
      endpoint.failures = 0;
      endpoint.first_failure_at.reset();
    } else {
      endpoint.failures += 1;
      if (!endpoint.first_failure_at) endpoint.first_failure_at = now;
      if (now - *endpoint.first_failure_at < options_.max_age) {
        attempt.outcome = "failed";
        endpoint.next_attempt_at = now + Backoff(options_, endpoint.failures);
        endpoint.lease_until.reset();
        CONSENTD_RETURN_IF_ERROR(Save(endpoint, held, attempt));
        return posted;
      }
      attempt.outcome = "abandoned";  // failing for max_age: the stream goes on without it
      endpoint.cursor_seq = a.seq;
      endpoint.failures = 0;
      endpoint.first_failure_at.reset();
    }
    auto kept = Save(endpoint, held, attempt);
    if (!kept) return kept.error();
    if (!*kept) return posted;  // another node took the endpoint over
  }
  endpoint.lease_until.reset();
  endpoint.next_attempt_at = clock_.Now();
  CONSENTD_RETURN_IF_ERROR(Save(endpoint, held, std::nullopt));
  return posted;
}

}  // namespace consentd::app
