#include "http/admin_handlers.h"

#include "core/ip_address.h"
#include "http/form.h"
#include "http/language.h"
#include "http/portal_handlers.h"

namespace consentd::http {

namespace {

constexpr std::string_view kSessionCookie = "consentd_session";
constexpr std::string_view kLoginCookie = "consentd_login";
constexpr std::string_view kLanguageCookie = "consentd_lang";

// Only paths of the admin UI itself are followed after login (no open redirect).
std::string SafeNext(const std::string& next) {
  if (next.rfind("/admin/", 0) != 0 || next.find("//") != std::string::npos ||
      next.find('\\') != std::string::npos) {
    return "/admin/contacts";
  }
  // A Location header is ASCII: escape what a browser would have escaped.
  std::string out;
  for (unsigned char c : next) {
    if (c > 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += PercentEncode(std::string_view(reinterpret_cast<const char*>(&c), 1));
    }
  }
  return out;
}

bool IsUrlEncoded(const Request& request) {
  return request.Header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0;
}

std::string PathWithQuery(const Request& request) {
  std::string out = request.path;
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    if (name == "lang" || name == "done") continue;
    out += sep + PercentEncode(name) + "=" + PercentEncode(value);
    sep = '&';
  }
  return out;
}

// The admin UI's language: ?lang= (remembered in a cookie), the cookie, Accept-Language.
std::string AdminLanguage(const Request& request) {
  std::string choice = request.Query("lang");
  if (choice.empty()) choice = CookieValue(request, kLanguageCookie);
  return PickLanguage(choice, request.Header("accept-language"));
}

// Adds `name: value` unless the response set that header itself (a mail preview brings
// its own policy).
void AddDefaultHeader(Response& r, std::string_view name, std::string_view value) {
  for (const auto& [have, unused] : r.headers) {
    if (have == name) return;
  }
  r.headers.emplace_back(name, value);
}

// No inline styles or scripts: mail previews, which need inline styles, are documents of
// their own with their own policy (AdminPages::MailPreview), loaded into sandboxed frames.
void AddAdminHeaders(Response& r) {
  AddDefaultHeader(r, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; connect-src 'self'; "
                   "style-src 'self'; img-src 'self' data:; form-action 'self'; "
                   "frame-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  AddDefaultHeader(r, "Referrer-Policy", "same-origin");
  AddDefaultHeader(r, "X-Robots-Tag", "noindex, nofollow");
  AddDefaultHeader(r, "X-Content-Type-Options", "nosniff");
  AddDefaultHeader(r, "X-Frame-Options", "DENY");
  AddDefaultHeader(r, "Cache-Control", "no-store");
}

}  // namespace

std::string CookieValue(const Request& request, std::string_view name) {
  const std::string header = request.Header("cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

AdminHandlers::AdminHandlers(app::AdminAuth& auth, const AdminPages& pages,
                             const core::Crypto& crypto, std::string csrf_secret,
                             std::vector<std::unique_ptr<AdminArea>> areas,
                             AdminHandlersOptions options)
    : auth_(auth),
      pages_(pages),
      crypto_(crypto),
      csrf_secret_(std::move(csrf_secret)),
      areas_(std::move(areas)),
      options_(options) {}

std::string AdminHandlers::CsrfToken(std::string_view session_hash) const {
  return crypto_.HmacSha256Hex(csrf_secret_, "admin-csrf-v1:" + std::string(session_hash));
}

std::string AdminHandlers::SessionCookie(std::string_view value, bool clear) const {
  std::string cookie = std::string(kSessionCookie) + "=" + std::string(value) +
                       "; Path=/admin; HttpOnly; SameSite=Lax";
  if (options_.secure_cookies) cookie += "; Secure";
  if (clear) cookie += "; Max-Age=0";
  return cookie;
}

std::optional<Response> AdminHandlers::Handle(const Request& request) const {
  if (request.path != "/admin" && request.path.rfind("/admin/", 0) != 0) return std::nullopt;
  const std::string lang = AdminLanguage(request);
  if (request.path == "/admin/login") {
    if (request.method == "POST") return Finish(request, PostLogin(request, lang));
    return Finish(request, LoginPage(request, lang, "", "", 200));
  }
  return Finish(request, WithSession(request, lang));
}

bool AdminHandlers::AdmitsUpload(const Request& request) const {
  if (request.method != "POST") return false;
  auto principal = auth_.Resolve(CookieValue(request, kSessionCookie));
  if (!principal) return false;
  std::string sent = request.Header("x-csrf-token");
  if (sent.empty()) sent = request.Query("csrf");
  return crypto_.ConstantTimeEquals(sent, CsrfToken(principal->session.token_hash));
}

Response AdminHandlers::Finish(const Request& request, Response response) const {
  AddAdminHeaders(response);
  const std::string choice = request.Query("lang");
  if (choice == "de" || choice == "en") {
    response.headers.emplace_back("Set-Cookie",
                                  std::string(kLanguageCookie) + "=" + choice +
                                      "; Path=/admin; Max-Age=31536000; SameSite=Lax" +
                                      (options_.secure_cookies ? "; Secure" : ""));
  }
  return response;
}

Response AdminHandlers::LoginPage(const Request& request, const std::string& lang,
                                  const std::string& email, const std::string& error,
                                  int status) const {
  // The login form's CSRF token is bound to a random cookie of this browser (there is no
  // session yet to bind it to).
  std::string nonce = CookieValue(request, kLoginCookie);
  const bool new_nonce = nonce.size() != 43;
  if (new_nonce) nonce = core::Base64UrlEncode(crypto_.RandomBytes(32));
  nlohmann::json data = {
      {"title", pages_.Text(lang, "admin_login_title")},
      {"email", core::SanitizeForDisplay(email)},
      {"error", error},
      {"csrf", crypto_.HmacSha256Hex(csrf_secret_, "admin-login-v1:" + nonce)},
      {"next", SafeNext(request.Query("next"))},
      {"flash", request.Query("done") == "logout"    ? pages_.Text(lang, "flash_logout")
                : request.Query("done") == "expired" ? pages_.Text(lang, "flash_expired")
                                                     : ""},
      {"lang_other", lang == "de" ? "en" : "de"},
  };
  Response r;
  r.status = status;
  r.body = pages_.renderer().Render("admin/login", data, lang);
  if (new_nonce) {
    r.headers.emplace_back("Set-Cookie", std::string(kLoginCookie) + "=" + nonce +
                                             "; Path=/admin; HttpOnly; SameSite=Strict" +
                                             (options_.secure_cookies ? "; Secure" : ""));
  }
  return r;
}

Response AdminHandlers::PostLogin(const Request& request, const std::string& lang) const {
  core::Form form = IsUrlEncoded(request) ? ParseUrlEncoded(request.body) : core::Form{};
  const std::string email = form.contains("email") ? form.at("email") : "";
  const std::string nonce = CookieValue(request, kLoginCookie);
  const std::string expected = crypto_.HmacSha256Hex(csrf_secret_, "admin-login-v1:" + nonce);
  if (nonce.empty() || !form.contains("csrf") ||
      !crypto_.ConstantTimeEquals(form.at("csrf"), expected)) {
    return LoginPage(request, lang, email, pages_.Text(lang, "admin_login_form_expired"), 403);
  }
  app::LoginFailure failure{};
  auto result = auth_.Login(email, form.contains("password") ? form.at("password") : "",
                            core::ShortenIp(request.remote_address),
                            CookieValue(request, kSessionCookie), &failure);
  if (!result) {
    if (result.error().code != core::ErrorCode::kPermissionDenied) {
      return LoginPage(request, lang, email, pages_.Text(lang, "admin_unavailable"), 503);
    }
    const bool throttled = failure == app::LoginFailure::kThrottled;
    Response r =
        LoginPage(request, lang, email,
                  pages_.Text(lang, throttled ? "admin_login_throttled" : "admin_login_failed"),
                  throttled ? 429 : 401);
    return r;
  }
  Response r = AdminPages::SeeOther(SafeNext(form.contains("next") ? form.at("next") : ""));
  r.headers.emplace_back("Set-Cookie", SessionCookie(result->token, false));
  return r;
}

Response AdminHandlers::PostLogout(const Request& request, const app::Principal& principal) const {
  (void)principal;
  auto status =
      auth_.Logout(CookieValue(request, kSessionCookie), core::ShortenIp(request.remote_address));
  if (!status) {
    Response r;
    r.status = 503;
    r.content_type = "text/plain; charset=utf-8";
    r.body = pages_.Text(AdminLanguage(request), "admin_unavailable") + "\n";
    return r;
  }
  Response r = AdminPages::SeeOther("/admin/login", "logout");
  r.headers.emplace_back("Set-Cookie", SessionCookie("", true));
  return r;
}

Response AdminHandlers::WithSession(const Request& request, const std::string& lang) const {
  const std::string token = CookieValue(request, kSessionCookie);
  auto principal = auth_.Resolve(token);
  if (!principal) {
    if (principal.error().code != core::ErrorCode::kNotFound) {
      Response r;
      r.status = 503;
      r.content_type = "text/plain; charset=utf-8";
      r.body = pages_.Text(lang, "admin_unavailable") + "\n";
      return r;
    }
    // GET: back here after login. POST: the form is lost; say why.
    if (request.method == "GET") {
      const std::string next = PathWithQuery(request);
      Response r = AdminPages::SeeOther("/admin/login?next=" + PercentEncode(next));
      if (!token.empty()) r.headers.emplace_back("Set-Cookie", SessionCookie("", true));
      return r;
    }
    Response r = AdminPages::SeeOther("/admin/login", "expired");
    if (!token.empty()) r.headers.emplace_back("Set-Cookie", SessionCookie("", true));
    return r;
  }
  AdminContext ctx{request,
                   principal->tenant,
                   principal->user,
                   lang,
                   CsrfToken(principal->session.token_hash),
                   core::ShortenIp(request.remote_address),
                   {}};
  if (request.method == "POST") {
    if (IsUrlEncoded(request)) ctx.form = ParseUrlEncoded(request.body);
    // Forms send the token as a field; scripts and multipart uploads as a header or in the
    // query string.
    std::string sent = ctx.form.contains("csrf") ? ctx.form.at("csrf") : "";
    if (sent.empty()) sent = request.Header("x-csrf-token");
    if (sent.empty()) sent = request.Query("csrf");
    if (!crypto_.ConstantTimeEquals(sent, ctx.csrf)) {
      Response r = pages_.Page(ctx, "admin/message",
                               {{"title", pages_.Text(lang, "admin_csrf_title")},
                                {"message", pages_.Text(lang, "admin_csrf_message")}},
                               403);
      return r;
    }
    if (request.path == "/admin/logout") return PostLogout(request, *principal);
  } else if (request.method != "GET" && request.method != "HEAD") {
    Response r = pages_.Page(ctx, "admin/message",
                             {{"title", pages_.Text(lang, "admin_method_title")},
                              {"message", pages_.Text(lang, "admin_method_title")}},
                             405);
    r.headers.emplace_back("Allow", "GET, HEAD, POST");
    return r;
  }
  if (request.path == "/admin" || request.path == "/admin/") {
    return AdminPages::SeeOther("/admin/contacts");
  }
  return Dispatch(ctx);
}

Response AdminHandlers::Dispatch(const AdminContext& ctx) const {
  for (const auto& area : areas_) {
    if (auto response = area->Handle(ctx)) return std::move(*response);
  }
  return pages_.NotFound(ctx);
}

}  // namespace consentd::http
