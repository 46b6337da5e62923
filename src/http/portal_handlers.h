// HTTP routes of the recipient's consent page: /c/{token}, its POSTs and export, the
// RFC 8058 one-click unsubscribe /u/{token}, the confirmation of a new e-mail address
// /e/{token}, and the "new link" request of the neutral page.
#pragma once

#include <optional>
#include <string>

#include "app/portal.h"
#include "core/ports.h"
#include "core/validation.h"
#include "http/pages.h"
#include "http/server.h"

namespace consentd::http {

// Thread-safe; borrows its collaborators.
class PortalHandlers {
 public:
  // `csrf_secret` keys the stateless CSRF tokens (HMAC over the link token's hash), so any
  // node that shares the database can check them.
  PortalHandlers(app::Portal& portal, const PageRenderer& pages, const core::Crypto& crypto,
                 std::string csrf_secret)
      : portal_(portal), pages_(pages), crypto_(crypto), csrf_secret_(std::move(csrf_secret)) {}

  // The response for a request under /c/ or /u/; nullopt for other paths.
  std::optional<Response> Handle(const Request& request) const;

  // The neutral page for unknown, expired and revoked links (and any unknown path).
  Response NotFound(const Request& request) const;

  // The CSRF token for forms of the page of `token`.
  std::string CsrfToken(std::string_view token) const;

 private:
  // A form shown again with the submitted values and the errors at its fields.
  struct FailedForm;
  Response ShowPage(const Request& request, const std::string& token, const std::string& lang,
                    const FailedForm* failed, int status) const;
  Response Post(const Request& request, const std::string& token, const std::string& action) const;
  Response Export(const Request& request, const std::string& token) const;
  Response OneClickUnsubscribe(const Request& request, const std::string& token) const;
  Response Failure(const Request& request, const core::Error& error) const;
  Response NotFoundWith(const Request& request, const std::string& lang, const std::string& email,
                        const std::string& error) const;
  Response Message(const std::string& lang, int status, const std::string& title,
                   const std::string& message) const;
  bool CsrfValid(const core::Form& form, std::string_view bound_to) const;
  Response RequestLink(const Request& request) const;
  Response ShowEmailChange(const Request& request, const std::string& token) const;
  Response ConfirmEmail(const Request& request, const std::string& token) const;

  app::Portal& portal_;
  const PageRenderer& pages_;
  const core::Crypto& crypto_;
  std::string csrf_secret_;
};

// Adds the headers every page of consentd sends (DESIGN.md §6).
void AddSecurityHeaders(Response& response);

// The language of this request's page: ?lang= or a posted "lang" field, else Accept-Language.
std::string RequestLanguage(const Request& request, std::string_view posted = {});

}  // namespace consentd::http
