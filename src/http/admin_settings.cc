#include "http/admin_settings.h"

#include <algorithm>
#include <map>

#include "app/settings_admin.h"
#include "core/time.h"
#include "http/form_fields.h"

namespace consentd::http {

namespace {

using nlohmann::json;

// Texts of this area ("set_" keys).
constexpr std::string_view kTexts = "set_";

// The settings form's inputs, grouped as the page shows them. The SMTP password is never
// sent back: the field is empty and says whether one is stored.
json SettingsFields(const AreaTexts& t, const core::Tenant& s, const core::FieldErrors& e) {
  const auto& c = s.controller;
  auto in = [&](std::string_view name, const std::string& value) {
    return AreaInput(t, "set", name, value, e);
  };
  return {{"controller",
           json::array({in("company", c.company), in("street", c.street),
                        in("postal_code", c.postal_code), in("city", c.city),
                        in("country", c.country), in("email", c.email), in("phone", c.phone),
                        in("privacy_url", c.privacy_url), in("imprint_url", c.imprint_url)})},
          {"sender",
           json::array({in("sender_email", s.sender_email), in("sender_name", s.sender_name)})},
          {"signature", in("signature", s.signature)},
          {"smtp", json::array({in("smtp_url", s.smtp.url), in("smtp_username", s.smtp.username)})},
          {"smtp_password", in("smtp_password", "")},
          {"password_stored", !s.smtp.password.empty()}};
}

std::optional<core::Time> DateParam(const std::string& s) {
  if (s.size() != 10) return std::nullopt;
  return core::ParseIso(s + "T00:00:00Z");
}

}  // namespace

std::optional<Response> AdminSettingsArea::Handle(const AdminContext& ctx) {
  const std::string& path = ctx.request.path;
  const bool settings = path == "/admin/settings";
  const bool audit = path == "/admin/audit";
  const bool users = PathBelow(path, "/admin/users").has_value();
  if (!settings && !audit && !users) return std::nullopt;
  if (!ctx.IsAdmin()) return services_.pages.Forbidden(ctx);
  if (settings) return Settings(ctx);
  if (audit) {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return Audit(ctx);
  }
  return Users(ctx, PathBelow(path, "/admin/users").value());
}

// ---------------------------------------------------------------- settings

Response AdminSettingsArea::Settings(const AdminContext& ctx) {
  if (!ctx.IsPost()) return SettingsPage(ctx, ctx.tenant, {}, {}, 200);
  const std::string action = FormValue(ctx.form, "action");
  const app::Actor actor = ActorOf(ctx);
  if (action == "add_rule") {
    auto errors = app::AddRetentionRule(services_.store, services_.clock, actor, ctx.form);
    if (errors && errors->empty()) return AdminPages::SeeOther("/admin/settings", "set_rule_added");
    core::FieldErrors shown = errors ? *errors : core::FieldErrors{};
    return SettingsPage(ctx, ctx.tenant, ctx.form, shown, errors ? 422 : 500);
  }
  if (action == "remove_rule") {
    auto id = ParseRowId(FormValue(ctx.form, "rule_id"));
    if (!id) return services_.pages.NotFound(ctx);
    auto removed = app::RemoveRetentionRule(services_.store, services_.clock, actor, *id);
    if (!removed) return services_.pages.NotFound(ctx);
    return AdminPages::SeeOther("/admin/settings", "set_rule_removed");
  }
  auto errors = app::SaveSettings(services_.store, services_.clock, actor, ctx.form);
  if (errors && errors->empty()) return AdminPages::SeeOther("/admin/settings", "set_saved");
  core::Tenant shown = app::SettingsFromForm(ctx.tenant, ctx.form);
  core::FieldErrors e = errors ? *errors : core::FieldErrors{};
  return SettingsPage(ctx, shown, {}, e, errors ? 422 : 500);
}

Response AdminSettingsArea::SettingsPage(const AdminContext& ctx, const core::Tenant& shown,
                                         const core::Form& rule_form,
                                         const core::FieldErrors& errors, int status) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  json rules = json::array();
  auto read = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto list = tx.ListRetentionRules(ctx.tenant.id);
    if (!list) return list.error();
    for (const auto& r : *list) {
      rules.push_back(
          {{"id", r.id}, {"name", r.name}, {"reference", r.legal_reference}, {"months", r.months}});
    }
    return {};
  });
  if (!read) return services_.pages.NotFound(ctx);
  const bool rule_errors = FormValue(rule_form, "action") == "add_rule";
  const core::FieldErrors none;
  const core::FieldErrors& settings_errors = rule_errors ? none : errors;
  json data = {
      {"title", t("title")},
      {"fields", SettingsFields(t, shown, settings_errors)},
      {"has_errors", !settings_errors.empty()},
      {"error_summary", ErrorSummary("set", settings_errors, ctx.lang)},
      {"rules", rules},
      {"has_rules", !rules.empty()},
      {"rule_fields",
       json::array(
           {AreaInput(t, "rule", "rule_name", FormValue(rule_form, "rule_name"), errors),
            AreaInput(t, "rule", "rule_reference", FormValue(rule_form, "rule_reference"), errors),
            AreaInput(t, "rule", "rule_months", FormValue(rule_form, "rule_months"), errors)})},
      {"rule_has_errors", rule_errors && !errors.empty()}};
  return services_.pages.Page(ctx, "admin/settings_edit", std::move(data), status);
}

// ---------------------------------------------------------------- users

Response AdminSettingsArea::Users(const AdminContext& ctx,
                                  const std::vector<std::string_view>& parts) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const app::Actor actor = ActorOf(ctx);
  if (parts.empty()) {
    if (!ctx.IsPost()) return UsersPage(ctx, {}, {}, nullptr, 200);
    auto added = app::AddUser(services_.store, services_.clock, services_.crypto, actor, ctx.form);
    if (!added)
      return UsersPage(ctx, ctx.form, {{"email", t("failed"), t("failed")}}, nullptr, 500);
    if (!added->errors.empty()) return UsersPage(ctx, ctx.form, added->errors, nullptr, 422);
    json notice = {{"text", t("user_added")},
                   {"password", added->generated_password},
                   {"has_password", !added->generated_password.empty()}};
    return UsersPage(ctx, {}, {}, notice, 200);
  }
  // /{id}/{reset|deactivate|reactivate}, POST only.
  if (parts.size() != 2 || !ctx.IsPost()) return services_.pages.NotFound(ctx);
  auto id = ParseRowId(parts[0]);
  const std::string_view verb = parts[1];
  if (!id) return services_.pages.NotFound(ctx);
  if (verb == "reset") {
    auto password =
        app::ResetPassword(services_.store, services_.clock, services_.crypto, actor, *id);
    if (!password) return services_.pages.NotFound(ctx);
    json notice = {{"text", t("password_reset")}, {"password", *password}, {"has_password", true}};
    return UsersPage(ctx, {}, {}, notice, 200);
  }
  if (verb != "deactivate" && verb != "reactivate") return services_.pages.NotFound(ctx);
  auto changed =
      app::SetUserActive(services_.store, services_.clock, actor, *id, verb == "reactivate");
  if (changed) return AdminPages::SeeOther("/admin/users", "set_user_" + std::string(verb) + "d");
  if (changed.error().code != core::ErrorCode::kInvalidArgument) {
    return services_.pages.NotFound(ctx);
  }
  json notice = {{"text", t("cannot_deactivate")}, {"is_error", true}};
  return UsersPage(ctx, {}, {}, notice, 422);
}

Response AdminSettingsArea::UsersPage(const AdminContext& ctx, const core::Form& form,
                                      const core::FieldErrors& errors, const json& notice,
                                      int status) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  json rows = json::array();
  auto read = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto users = tx.ListUsers(ctx.tenant.id);
    if (!users) return users.error();
    for (const auto& u : *users) {
      const bool system = u.role == core::Role::kSystem;
      rows.push_back(
          {{"id", u.id},
           {"name", u.name},
           {"email", system ? "" : u.email},
           {"role", services_.pages.Text(ctx.lang, "role_" + std::string(core::RoleName(u.role)))},
           {"system", system},
           {"editable", !system},
           {"active", u.active},
           {"self", u.id == ctx.user.id},
           {"billable", core::IsBillableSeat(u)},
           {"base", "/admin/users/" + std::to_string(u.id)}});
    }
    return {};
  });
  if (!read) return services_.pages.NotFound(ctx);
  const std::string role = FormValue(form, "role");
  json roles = json::array({{{"value", "broker"},
                             {"label", services_.pages.Text(ctx.lang, "role_broker")},
                             {"selected", role != "admin"}},
                            {{"value", "admin"},
                             {"label", services_.pages.Text(ctx.lang, "role_admin")},
                             {"selected", role == "admin"}}});
  json data = {
      {"title", t("users_title")},
      {"rows", rows},
      {"notice", notice},
      {"has_notice", !notice.is_null()},
      {"fields", json::array({AreaInput(t, "user", "name", FormValue(form, "name"), errors),
                              AreaInput(t, "user", "email", FormValue(form, "email"), errors)})},
      {"password", AreaInput(t, "user", "password", "", errors)},
      {"role", AreaInput(t, "user", "role", role, errors)},
      {"roles", roles},
      {"has_errors", !errors.empty()},
      {"error_summary", ErrorSummary("user", errors, ctx.lang)}};
  return services_.pages.Page(ctx, "admin/user_list", std::move(data), status);
}

// ---------------------------------------------------------------- audit log

Response AdminSettingsArea::Audit(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const auto& r = ctx.request;
  core::AuditQuery q;
  if (auto user = ParseRowId(r.Query("user"))) q.user = *user;
  q.action_prefix = r.Query("action").substr(0, 64);
  const std::string from = r.Query("from"), to = r.Query("to");
  q.from = DateParam(from);
  if (auto end = DateParam(to)) q.to = *end + std::chrono::days(1);  // the whole last day
  if (auto before = ParseRowId(r.Query("before"))) q.before_id = *before;
  q.limit = 50;
  json rows = json::array(), users = json::array();
  std::int64_t last_id = 0;
  auto read = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto all = tx.ListUsers(ctx.tenant.id);
    if (!all) return all.error();
    std::map<core::UserId, std::string> names;
    for (const auto& u : *all) {
      names[u.id] = u.name;
      users.push_back({{"id", u.id}, {"name", u.name}, {"selected", q.user && *q.user == u.id}});
    }
    auto entries = tx.ListAudit(ctx.tenant.id, q);
    if (!entries) return entries.error();
    for (const auto& e : *entries) {
      rows.push_back({{"at", AdminDateTime(e.at, ctx.lang)},
                      {"user", e.user_id == 0 ? "–" : names[e.user_id]},
                      {"action", e.action},
                      {"target", e.target},
                      {"detail", e.detail == "{}" ? "" : e.detail},
                      {"ip", e.ip_prefix}});
      last_id = e.id;
    }
    return {};
  });
  if (!read) return services_.pages.NotFound(ctx);
  std::string next;
  if (static_cast<int>(rows.size()) == q.limit) {
    next = "/admin/audit?before=" + std::to_string(last_id);
    if (q.user) next += "&user=" + std::to_string(*q.user);
    if (!q.action_prefix.empty()) next += "&action=" + q.action_prefix;
    if (q.from) next += "&from=" + from;
    if (q.to) next += "&to=" + to;
  }
  json data = {{"title", t("audit_title")}, {"rows", rows},
               {"empty", rows.empty()},     {"users", users},
               {"action", q.action_prefix}, {"from", q.from ? from : ""},
               {"to", q.to ? to : ""},      {"next", next},
               {"has_next", !next.empty()}, {"paged", q.before_id != 0}};
  return services_.pages.Page(ctx, "admin/audit_log", std::move(data));
}

}  // namespace consentd::http
