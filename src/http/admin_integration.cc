#include "http/admin_integration.h"

#include "app/api_keys.h"
#include "app/webhooks.h"
#include "http/form_fields.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kTexts = "int_";
constexpr std::string_view kBase = "/admin/integration";
constexpr int kLogSize = 100;

}  // namespace

std::optional<Response> AdminIntegrationArea::Handle(const AdminContext& ctx) {
  auto parts = PathBelow(ctx.request.path, kBase);
  if (!parts) return std::nullopt;
  if (!ctx.IsAdmin()) return services_.pages.Forbidden(ctx);
  if (parts->empty()) {
    if (ctx.IsPost()) return Act(ctx);
    return Page(ctx, {}, {}, nullptr, 200);
  }
  if (parts->size() == 2 && (*parts)[0] == "webhooks" && !ctx.IsPost()) {
    if (auto id = ParseRowId((*parts)[1])) return DeliveryLog(ctx, *id);
  }
  return services_.pages.NotFound(ctx);
}

Response AdminIntegrationArea::Act(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const app::Actor actor = ActorOf(ctx);
  const std::string action = FormValue(ctx.form, "action");
  if (action == "create_key") {
    const std::string scope_key = FormValue(ctx.form, "scope");
    auto scope = core::ParseApiScope(scope_key);
    const std::string name = core::Trim(FormValue(ctx.form, "name"));
    core::FieldErrors errors;
    if (!scope) errors.push_back({"scope", t("err_scope"), "Please choose read or write."});
    if (name.empty()) errors.push_back({"name", t("err_name"), "Please give the key a name."});
    if (errors.empty()) {
      auto created = app::CreateApiKey(services_.store, services_.clock, services_.crypto, actor,
                                       name, *scope);
      if (created) {
        return Page(ctx, {}, {},
                    {{"text", t("key_created")}, {"secret", created->secret}, {"is_error", false}},
                    201);
      }
      if (created.error().code != core::ErrorCode::kInvalidArgument) {
        return services_.pages.NotFound(ctx);
      }
      errors.push_back({"name", t("err_name"), created.error().message});
    }
    return Page(ctx, ctx.form, errors, nullptr, 422);
  }
  if (action == "add_webhook") {
    std::string events = "*";
    if (FormValue(ctx.form, "all_events") != "1") {
      events.clear();
      for (auto type : app::WebhookEventTypes()) {
        if (FormValue(ctx.form, "event_" + std::string(type)) == "1") {
          events += (events.empty() ? "" : ",") + std::string(type);
        }
      }
      if (events.empty()) events = "-";  // nothing chosen: refused at the field
    }
    auto added =
        app::AddWebhookEndpoint(services_.store, services_.clock, services_.crypto,
                                services_.webhooks, actor, FormValue(ctx.form, "url"), events);
    if (!added) return services_.pages.NotFound(ctx);
    if (!added->errors.empty()) return Page(ctx, ctx.form, added->errors, nullptr, 422);
    return Page(
        ctx, {}, {},
        {{"text", t("webhook_created")}, {"secret", added->endpoint.secret}, {"is_error", false}},
        201);
  }
  auto id = ParseRowId(FormValue(ctx.form, "id"));
  if (!id) return services_.pages.NotFound(ctx);
  core::Status done = core::NotFound("action");
  std::string_view flash;
  if (action == "revoke_key") {
    done = app::RevokeApiKey(services_.store, services_.clock, actor, *id);
    flash = "int_key_revoked";
  } else if (action == "pause_webhook" || action == "resume_webhook") {
    done = app::SetWebhookEndpointActive(services_.store, services_.clock, actor, *id,
                                         action == "resume_webhook");
    flash = action == "resume_webhook" ? "int_webhook_resumed" : "int_webhook_paused";
  } else if (action == "remove_webhook") {
    done = app::DeleteWebhookEndpoint(services_.store, services_.clock, actor, *id);
    flash = "int_webhook_removed";
  }
  if (!done) return services_.pages.NotFound(ctx);
  return AdminPages::SeeOther(std::string(kBase), flash);
}

Response AdminIntegrationArea::Page(const AdminContext& ctx, const core::Form& form,
                                    const core::FieldErrors& errors, const json& notice,
                                    int status) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  auto keys = app::ListApiKeys(services_.store, ctx.tenant.id);
  auto hooks = app::ListWebhookEndpoints(services_.store, ctx.tenant.id);
  if (!keys || !hooks) return services_.pages.NotFound(ctx);
  json key_rows = json::array();
  for (const auto& k : *keys) {
    key_rows.push_back({{"id", k.id},
                        {"name", k.name},
                        {"prefix", k.prefix},
                        {"scope", t("scope_" + std::string(core::ApiScopeKey(k.scope)))},
                        {"created", AdminDate(k.created_at, ctx.lang)},
                        {"revoked", AdminDate(k.revoked_at, ctx.lang)},
                        {"active", !k.revoked_at.has_value()}});
  }
  json hook_rows = json::array();
  for (const auto& e : *hooks) {
    hook_rows.push_back({{"id", e.id},
                         {"url", e.url},
                         {"events", e.events == "*" ? t("all_events") : e.events},
                         {"active", e.active},
                         {"failing", e.failures > 0},
                         {"failures", e.failures},
                         {"log", std::string(kBase) + "/webhooks/" + std::to_string(e.id)}});
  }
  const bool key_form = FormValue(form, "action") == "create_key";
  const bool hook_form = FormValue(form, "action") == "add_webhook";
  const core::FieldErrors none;
  json events = json::array();
  for (auto type : app::WebhookEventTypes()) {
    events.push_back({{"name", "event_" + std::string(type)},
                      {"id", "hook-event-" + std::string(type)},
                      {"label", type},
                      {"checked", FormValue(form, "event_" + std::string(type)) == "1"}});
  }
  json data = {
      {"title", t("title")},
      {"notice", notice},
      {"has_notice", !notice.is_null()},
      {"keys", key_rows},
      {"has_keys", !key_rows.empty()},
      {"webhooks", hook_rows},
      {"has_webhooks", !hook_rows.empty()},
      {"key_name", AreaInput(t, "key", "name", FormValue(form, "name"), key_form ? errors : none)},
      {"key_scope_error", key_form ? ErrorFor(errors, "scope", ctx.lang) : ""},
      {"key_has_errors", key_form && !errors.empty()},
      {"key_errors", ErrorSummary("key", key_form ? errors : none, ctx.lang)},
      {"hook_url", AreaInput(t, "hook", "url", FormValue(form, "url"), hook_form ? errors : none)},
      {"hook_events_error", hook_form ? ErrorFor(errors, "events", ctx.lang) : ""},
      {"hook_all_events", !hook_form || FormValue(form, "all_events") == "1"},
      {"hook_events", events},
      {"hook_has_errors", hook_form && !errors.empty()},
      {"hook_errors", ErrorSummary("hook", hook_form ? errors : none, ctx.lang)},
      {"api_docs", "/api/v1/openapi.yaml"}};
  return services_.pages.Page(ctx, "admin/integration", std::move(data), status);
}

Response AdminIntegrationArea::DeliveryLog(const AdminContext& ctx, std::int64_t endpoint) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  auto hooks = app::ListWebhookEndpoints(services_.store, ctx.tenant.id);
  if (!hooks) return services_.pages.NotFound(ctx);
  const core::WebhookEndpoint* found = nullptr;
  for (const auto& e : *hooks) {
    if (e.id == endpoint) found = &e;
  }
  if (!found) return services_.pages.NotFound(ctx);
  auto attempts = app::ListWebhookAttempts(services_.store, ctx.tenant.id, endpoint, kLogSize);
  if (!attempts) return services_.pages.NotFound(ctx);
  json rows = json::array();
  for (const auto& a : *attempts) {
    rows.push_back(
        {{"at", AdminDateTime(a.at, ctx.lang)},
         {"event_id", a.event_id},
         {"type", a.event_type},
         {"contact", a.contact_id == 0 ? json("") : json(a.contact_id)},
         {"contact_href", "/admin/contacts/" + std::to_string(a.contact_id)},
         {"outcome", t("outcome_" + a.outcome)},
         {"ok", a.outcome == "delivered"},
         {"status", a.status_code == 0 ? std::string("–") : std::to_string(a.status_code)},
         {"error", a.error},
         {"ms", a.duration_ms}});
  }
  json data = {{"title", t("log_title")},
               {"url", found->url},
               {"rows", rows},
               {"has_rows", !rows.empty()},
               {"back", std::string(kBase)}};
  return services_.pages.Page(ctx, "admin/webhook_log", std::move(data));
}

}  // namespace consentd::http
