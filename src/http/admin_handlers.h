// The admin UI's front door: /admin/login and /admin/logout, and for every other /admin
// path the session, the CSRF check of every POST, the language, and then the areas.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/admin_auth.h"
#include "http/admin_area.h"
#include "http/server.h"

namespace consentd::http {

struct AdminHandlersOptions {
  bool secure_cookies = false;  // set when the UI is served over https (base_url)
};

// Thread-safe; borrows its collaborators.
class AdminHandlers {
 public:
  // `csrf_secret` keys the CSRF tokens (HMAC over the session's hash), so any node that
  // shares the database can check them.
  AdminHandlers(app::AdminAuth& auth, const AdminPages& pages, const core::Crypto& crypto,
                std::string csrf_secret, std::vector<std::unique_ptr<AdminArea>> areas,
                AdminHandlersOptions options = {});

  // The response for a request under /admin; nullopt for other paths.
  std::optional<Response> Handle(const Request& request) const;

  // Whether `request` (its body not read yet) is a POST of a live session carrying that
  // session's CSRF token in the query or the X-CSRF-Token header: only such uploads may be
  // large (ServerOptions::body_limits).
  bool AdmitsUpload(const Request& request) const;

  // The CSRF token of the session with this token hash (what forms carry).
  std::string CsrfToken(std::string_view session_hash) const;

 private:
  Response LoginPage(const Request& request, const std::string& lang, const std::string& email,
                     const std::string& error, int status) const;
  Response PostLogin(const Request& request, const std::string& lang) const;
  Response PostLogout(const Request& request, const app::Principal& principal) const;
  Response WithSession(const Request& request, const std::string& lang) const;
  Response Dispatch(const AdminContext& ctx) const;
  Response Finish(const Request& request, Response response) const;
  std::string SessionCookie(std::string_view value, bool clear) const;

  app::AdminAuth& auth_;
  const AdminPages& pages_;
  const core::Crypto& crypto_;
  const std::string csrf_secret_;
  const std::vector<std::unique_ptr<AdminArea>> areas_;
  const AdminHandlersOptions options_;
};

// The value of cookie `name` in the request's Cookie header; empty when absent.
std::string CookieValue(const Request& request, std::string_view name);

}  // namespace consentd::http
