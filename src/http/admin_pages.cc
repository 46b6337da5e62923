// AdminPages: what every page of the admin UI gets around its own data.
#include <array>

#include "http/admin_area.h"
#include "http/form.h"

namespace consentd::http {

namespace {

struct NavItem {
  std::string_view key;   // text "nav_<key>", and nav.<key> is true on its pages
  std::string_view path;  // the area's pages are this path and below it
  bool admin_only;
};

constexpr std::array<NavItem, 8> kNav = {{
    {"contacts", "/admin/contacts", false},
    {"mailings", "/admin/mailings", false},
    {"deletions", "/admin/deletions", false},
    {"templates", "/admin/templates", false},
    {"settings", "/admin/settings", true},
    {"users", "/admin/users", true},
    {"audit", "/admin/audit", true},
    {"integration", "/admin/integration", true},
}};

bool IsUnder(const std::string& path, std::string_view base) {
  return path.rfind(base, 0) == 0 && (path.size() == base.size() || path[base.size()] == '/');
}

// Mustache treats an empty string as present, so `{{#reason}}<dt>…</dt>{{/reason}}` would
// draw a label with nothing beside it. In admin pages an empty text is absent instead.
void EmptyTextsAbsent(nlohmann::json& j) {
  if (j.is_string()) {
    if (j.get_ref<const std::string&>().empty()) j = false;
  } else if (j.is_structured()) {
    for (auto& child : j) EmptyTextsAbsent(child);
  }
}

// A mail's HTML may style itself inline and show images (a logo by https, inline data);
// nothing else: no scripts, no forms, no fonts or frames, opaque origin (sandbox).
constexpr std::string_view kMailPreviewPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; sandbox; "
    "form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

}  // namespace

nlohmann::json AdminPages::Common(const AdminContext& ctx, nlohmann::json data) const {
  if (!data.is_object()) data = nlohmann::json::object();
  nlohmann::json nav = nlohmann::json::array();
  nlohmann::json current = nlohmann::json::object();
  for (const auto& item : kNav) {
    if (item.admin_only && !ctx.IsAdmin()) continue;
    const bool here = IsUnder(ctx.request.path, item.path);
    current[std::string(item.key)] = here;
    nav.push_back({{"href", item.path},
                   {"label", Text(ctx.lang, "nav_" + std::string(item.key))},
                   {"current", here}});
  }
  data["nav"] = current;
  data["nav_items"] = nav;
  data["csrf"] = ctx.csrf;
  data["user"] = {
      {"name", ctx.user.name},
      {"email", ctx.user.email},
      {"is_admin", ctx.IsAdmin()},
      {"role_label", Text(ctx.lang, "role_" + std::string(core::RoleName(ctx.user.role)))}};
  data["tenant"] = {{"company", ctx.tenant.controller.company}, {"slug", ctx.tenant.slug}};
  data["lang_other"] = ctx.lang == "de" ? "en" : "de";
  data["lang_other_label"] = ctx.lang == "de" ? "English" : "Deutsch";
  const std::string done = ctx.request.Query("done");
  if (!done.empty() && !data.contains("flash")) {
    std::string text = Text(ctx.lang, "flash_" + done);
    // Unknown keys (a hand-edited URL) show nothing rather than the key.
    if (text != "flash_" + done) data["flash"] = text;
  }
  EmptyTextsAbsent(data);
  return data;
}

Response AdminPages::Page(const AdminContext& ctx, std::string_view name, nlohmann::json data,
                          int status) const {
  Response r;
  r.status = status;
  r.body = pages_.Render(name, Common(ctx, std::move(data)), ctx.lang);
  return r;
}

Response AdminPages::Fragment(const AdminContext& ctx, std::string_view name,
                              const nlohmann::json& data) const {
  Response r;
  r.body = pages_.RenderFragment(name, Common(ctx, data), ctx.lang);
  return r;
}

Response AdminPages::NotFound(const AdminContext& ctx) const {
  return Page(ctx, "admin/message",
              {{"title", Text(ctx.lang, "admin_not_found_title")},
               {"message", Text(ctx.lang, "admin_not_found_message")}},
              404);
}

Response AdminPages::Forbidden(const AdminContext& ctx) const {
  return Page(ctx, "admin/message",
              {{"title", Text(ctx.lang, "admin_forbidden_title")},
               {"message", Text(ctx.lang, "admin_forbidden_message")}},
              403);
}

Response AdminPages::SeeOther(std::string location, std::string_view flash) {
  if (!flash.empty()) {
    location += location.find('?') == std::string::npos ? '?' : '&';
    location += "done=" + PercentEncode(flash);
  }
  return Response::Redirect(location);
}

Response AdminPages::Json(const nlohmann::json& body, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

Response AdminPages::MailPreview(std::string html) {
  Response r;
  r.body = std::move(html);
  r.headers.emplace_back("Content-Security-Policy", std::string(kMailPreviewPolicy));
  r.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  return r;
}

}  // namespace consentd::http
