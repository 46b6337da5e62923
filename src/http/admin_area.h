// The broker's admin UI (/admin/...) is split into areas (address list, mailings,
// deletion requests, ...). AdminHandlers does what every area needs — session, role,
// CSRF, language, layout — and then offers the request to each area in turn.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/audit.h"
#include "core/store.h"
#include "core/validation.h"
#include "http/pages.h"
#include "http/server.h"

namespace consentd::http {

// Who is asking, in which tenant and language. Built per request by AdminHandlers after the
// session was checked; for a POST the CSRF token was checked too.
struct AdminContext {
  const Request& request;
  core::Tenant tenant;
  core::User user;        // logged in, active, role admin or broker
  std::string lang;       // "de" | "en"
  std::string csrf;       // goes into every form as <input type=hidden name=csrf>
  std::string ip_prefix;  // shortened remote address, for the audit log and evidence
  core::Form form;        // the decoded POST body (urlencoded); empty for GET

  bool IsAdmin() const { return user.role == core::Role::kAdmin; }
  bool IsPost() const { return request.method == "POST"; }
};

// Rendering for areas. Thread-safe.
class AdminPages {
 public:
  explicit AdminPages(const PageRenderer& pages) : pages_(pages) {}

  // Renders `web/templates/admin/<name>.mustache` inside the admin layout. The layout and
  // the page get, besides `data`: t.* (texts), lang, csrf, user {name, email, is_admin},
  // tenant {company, slug}, nav {contacts, mailings, deletions, templates, settings, users,
  // audit: true for the current area}, flash (the text "flash_<key>" when ?done=<key>),
  // and `title` (data["title"] if given).
  Response Page(const AdminContext& ctx, std::string_view name, nlohmann::json data,
                int status = 200) const;
  // A fragment without the layout (e.g. for a live preview), as text/html.
  Response Fragment(const AdminContext& ctx, std::string_view name,
                    const nlohmann::json& data) const;
  // 404 page — exactly the same for an id of another tenant and one that does not exist.
  Response NotFound(const AdminContext& ctx) const;
  // 403 page for a broker on an admin-only screen.
  Response Forbidden(const AdminContext& ctx) const;
  // 303 to `location` (a path under /admin), adding ?done=<flash> when given.
  static Response SeeOther(std::string location, std::string_view flash = {});
  // JSON response (for the progress bar's polling).
  static Response Json(const nlohmann::json& body, int status = 200);
  // A rendered mail's HTML as its own document, for a sandboxed <iframe src=...> of an admin
  // page. It carries its own policy: the mail's inline styles and images, no scripts, no
  // forms, framed only by the admin's own pages. AdminHandlers keeps these headers.
  static Response MailPreview(std::string html);

  std::string Text(std::string_view lang, std::string_view key) const {
    return pages_.Text(lang, key);
  }
  const PageRenderer& renderer() const { return pages_; }

 private:
  nlohmann::json Common(const AdminContext& ctx, nlohmann::json data) const;
  const PageRenderer& pages_;
};

// The texts of one area: t("key") is the text "<prefix>key" (e.g. "ml_" + "new_title") in
// the request's language; t.Raw("key") one without the prefix (shared or another area's).
// Borrows `pages` and `lang`; build one per request.
struct AreaTexts {
  const AdminPages& pages;
  const std::string& lang;
  std::string_view prefix;

  std::string operator()(std::string_view key) const;
  std::string Raw(std::string_view key) const { return pages.Text(lang, key); }
};

// One text input of an area's form: id "<form>-<name>", label the area's text
// "f_<name>", its value, and its error in the request's language (invalid when there is one).
nlohmann::json AreaInput(const AreaTexts& t, std::string_view form, std::string_view name,
                         const std::string& value, const core::FieldErrors& errors);

// The logged-in user as the actor of an app-layer act (audit log, evidence).
app::Actor ActorOf(const AdminContext& ctx);

// A date as the admin UI shows it: "30.11.2026" (de) or "2026-11-30" (en).
std::string AdminDate(core::Time t, std::string_view lang);
// "" for no date.
std::string AdminDate(const std::optional<core::Time>& t, std::string_view lang);
// A point in time, in UTC and saying so: "30.11.2026 10:00 UTC" (de), "2026-11-30 10:00 UTC".
std::string AdminDateTime(core::Time t, std::string_view lang);

// The segments of `path` below `base`: "/admin/mailings/12/status" below "/admin/mailings"
// is {"12", "status"}; `base` itself (with or without a trailing '/') has none. Empty
// segments are kept ("a//b" is {"a", "", "b"}), so that they can be refused. nullopt when
// the path is neither `base` nor below it ("/admin/mailingsX"). The views point into `path`.
std::optional<std::vector<std::string_view>> PathBelow(std::string_view path,
                                                       std::string_view base);

// The id in a path segment ("42" of /admin/contacts/42): digits only, positive, fits an
// int64; nullopt otherwise (the caller answers 404).
inline std::optional<std::int64_t> ParseRowId(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value > 0 ? std::optional(value) : std::nullopt;
}

// A posted field as sent, or "" when absent.
inline std::string FormField(const core::Form& form, std::string_view name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// A posted textarea with line breaks as LF (browsers send CRLF; texts are stored with LF).
inline std::string TextareaField(const core::Form& form, std::string_view name) {
  std::string s = FormField(form, name);
  std::erase(s, '\r');
  return s;
}

// One area of the admin UI. Implementations are thread-safe.
class AdminArea {
 public:
  virtual ~AdminArea() = default;
  // The response for a path of this area, or nullopt when the path is not its own.
  virtual std::optional<Response> Handle(const AdminContext& ctx) = 0;
};

}  // namespace consentd::http
