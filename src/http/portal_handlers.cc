#include "http/portal_handlers.h"

#include <array>

#include "app/json_views.h"
#include "core/ip_address.h"
#include "http/form.h"
#include "http/form_fields.h"
#include "http/language.h"

namespace consentd::http {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 8> kFlashKeys = {
    "consent",       "contact",         "contact_email", "profile_added",
    "profile_saved", "profile_deleted", "withdraw",      "deletion"};

// Stands for the neutral page's "new link" form in CSRF tokens (there is no link to bind to).
constexpr std::string_view kLinkRequestForm = "link-request-form";

json StateView(const app::PortalView& v, const PageRenderer& pages, std::string_view lang) {
  json s = {{"none", v.state == core::ConsentState::kNone},
            {"granted", v.state == core::ConsentState::kGranted},
            {"withdrawn", v.state == core::ConsentState::kWithdrawn},
            {"deletion_requested", v.state == core::ConsentState::kDeletionRequested}};
  if (v.consent && v.consent->granted_at)
    s["granted_since"] = core::FormatGermanDate(*v.consent->granted_at);
  if (v.consent && v.consent->revoked_at)
    s["revoked_on"] = core::FormatGermanDate(*v.consent->revoked_at);
  if (v.deletion_request) s["deletion_due"] = core::FormatGermanDate(v.deletion_request->due_at);
  s["label"] = pages.Text(lang, "state_" + std::string(core::ConsentStateKey(v.state)));
  return s;
}

std::string Greeting(const core::ContactData& c, std::string_view lang) {
  std::string name = core::DisplayName(c);
  if (lang == "en") return name.empty() ? "Hello," : "Hello " + name + ",";
  return core::BriefAnrede(c);
}

}  // namespace

struct PortalHandlers::FailedForm {
  std::string form_id;  // "contact", "profile-new", "profile-<id>"
  core::Form values;
  core::FieldErrors errors;
};

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'self'; img-src 'self'; "
                         "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Robots-Tag", "noindex, nofollow");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cache-Control", "no-store");
}

std::string RequestLanguage(const Request& request, std::string_view posted) {
  std::string choice = posted.empty() ? request.Query("lang") : std::string(posted);
  return PickLanguage(choice, request.Header("accept-language"));
}

std::string PortalHandlers::CsrfToken(std::string_view token) const {
  return crypto_.HmacSha256Hex(csrf_secret_, "csrf-v1:" + portal_.TokenHash(token));
}

Response PortalHandlers::NotFound(const Request& request) const {
  return NotFoundWith(request, RequestLanguage(request), "", "");
}

Response PortalHandlers::NotFoundWith(const Request&, const std::string& lang,
                                      const std::string& email, const std::string& error) const {
  Response r;
  r.status = error.empty() ? 404 : 422;
  r.body = pages_.Render("not_found",
                         {{"csrf", CsrfToken(kLinkRequestForm)},
                          {"email", email},
                          {"error", error},
                          {"invalid", !error.empty()}},
                         lang);
  AddSecurityHeaders(r);
  return r;
}

Response PortalHandlers::Message(const std::string& lang, int status, const std::string& title,
                                 const std::string& message) const {
  Response r;
  r.status = status;
  r.body = pages_.Render("message", {{"title", title}, {"message", message}}, lang);
  AddSecurityHeaders(r);
  return r;
}

bool PortalHandlers::CsrfValid(const core::Form& form, std::string_view bound_to) const {
  return crypto_.ConstantTimeEquals(FormValue(form, "csrf"), CsrfToken(bound_to));
}

Response PortalHandlers::RequestLink(const Request& request) const {
  core::Form form = ParseUrlEncoded(request.body);
  std::string lang = RequestLanguage(request, FormValue(form, "lang"));
  if (!CsrfValid(form, kLinkRequestForm)) {
    return Message(lang, 403, pages_.Text(lang, "csrf_title"), pages_.Text(lang, "csrf_message"));
  }
  std::string email = FormValue(form, "email");
  auto status = portal_.RequestNewLink(email);
  if (!status && status.error().code == core::ErrorCode::kInvalidArgument) {
    return NotFoundWith(request, lang, email, pages_.Text(lang, "link_request_invalid"));
  }
  if (!status) return Failure(request, status.error());
  return Message(lang, 200, pages_.Text(lang, "link_request_title"),
                 pages_.Text(lang, "link_request_sent"));
}

Response PortalHandlers::ShowEmailChange(const Request& request, const std::string& token) const {
  std::string lang = RequestLanguage(request);
  auto view = portal_.OpenEmailChange(token);
  if (!view) return Failure(request, view.error());
  Response r;
  r.body = pages_.Render("confirm_email",
                         {{"csrf", CsrfToken(token)},
                          {"action", "/e/" + token},
                          {"company", view->tenant.controller.company},
                          {"name", view->name},
                          {"old_email", view->old_email},
                          {"new_email", view->new_email}},
                         lang);
  AddSecurityHeaders(r);
  return r;
}

Response PortalHandlers::ConfirmEmail(const Request& request, const std::string& token) const {
  core::Form form = ParseUrlEncoded(request.body);
  std::string lang = RequestLanguage(request, FormValue(form, "lang"));
  if (!CsrfValid(form, token)) {
    return Message(lang, 403, pages_.Text(lang, "csrf_title"), pages_.Text(lang, "csrf_message"));
  }
  app::RequestContext ctx{request.Header("user-agent").substr(0, 512),
                          core::ShortenIp(request.remote_address), lang};
  auto status = portal_.ConfirmEmailChange(token, ctx);
  if (!status && status.error().code == core::ErrorCode::kConflict) {
    return Message(lang, 409, pages_.Text(lang, "email_conflict_title"),
                   pages_.Text(lang, "email_conflict"));
  }
  if (!status) return Failure(request, status.error());
  return Message(lang, 200, pages_.Text(lang, "email_confirmed_title"),
                 pages_.Text(lang, "email_confirmed"));
}

Response PortalHandlers::Failure(const Request& request, const core::Error& error) const {
  if (error.code == core::ErrorCode::kNotFound) return NotFound(request);
  std::string lang = RequestLanguage(request);
  Response r;
  r.status = error.code == core::ErrorCode::kConflict ? 409 : 503;
  r.body = pages_.Render(
      "message",
      {{"title", pages_.Text(lang, "error_title")}, {"message", pages_.Text(lang, "error_retry")}},
      lang);
  AddSecurityHeaders(r);
  return r;
}

std::optional<Response> PortalHandlers::Handle(const Request& request) const {
  const std::string& path = request.path;
  if (path == "/link-request") {
    if (request.method != "POST") return NotFound(request);
    return RequestLink(request);
  }
  if (path.rfind("/e/", 0) == 0) {
    std::string token = path.substr(3);
    if (!core::LooksLikeToken(token)) return NotFound(request);
    if (request.method == "POST") return ConfirmEmail(request, token);
    if (request.method == "GET" || request.method == "HEAD") return ShowEmailChange(request, token);
    return NotFound(request);
  }
  bool consent = path.rfind("/c/", 0) == 0, unsubscribe = path.rfind("/u/", 0) == 0;
  if (!consent && !unsubscribe) return std::nullopt;
  std::string rest = path.substr(3);
  auto slash = rest.find('/');
  std::string token = rest.substr(0, slash);
  std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!core::LooksLikeToken(token)) return NotFound(request);
  if (unsubscribe) {
    if (request.method != "POST" || !action.empty()) return NotFound(request);
    return OneClickUnsubscribe(request, token);
  }
  if (request.method == "GET" || request.method == "HEAD") {
    if (action.empty()) return ShowPage(request, token, RequestLanguage(request), nullptr, 200);
    if (action == "export") return Export(request, token);
    return NotFound(request);
  }
  if (request.method == "POST") return Post(request, token, action);
  Response r = NotFound(request);
  r.status = 405;
  return r;
}

Response PortalHandlers::ShowPage(const Request& request, const std::string& token,
                                  const std::string& lang, const FailedForm* failed,
                                  int status) const {
  auto view = portal_.Open(token, lang);
  if (!view) return Failure(request, view.error());
  auto values_for = [&](const std::string& form_id, const core::Form& stored) -> const core::Form& {
    return failed && failed->form_id == form_id ? failed->values : stored;
  };
  auto errors_for = [&](const std::string& form_id) -> core::FieldErrors {
    return failed && failed->form_id == form_id ? failed->errors : core::FieldErrors{};
  };
  const std::string base = "/c/" + token;
  json data = {{"base", base},
               {"csrf", CsrfToken(token)},
               {"controller", app::ControllerJson(view->tenant)},
               {"greeting", Greeting(view->contact.data, lang)},
               {"email", view->contact.data.email},
               {"state", StateView(*view, pages_, lang)},
               {"purpose", view->purpose.name},
               {"consent_text", view->text.body},
               {"text_version", view->text.version},
               {"other_lang", lang == "en" ? "de" : "en"},
               {"other_lang_href", base + "?lang=" + (lang == "en" ? "de" : "en")},
               {"other_lang_label", lang == "en" ? "Deutsch" : "English"}};
  std::string done = request.Query("done");
  for (auto key : kFlashKeys) {
    if (done == key) data["flash"] = pages_.Text(lang, "done_" + done);
  }
  core::Form stored_contact = ContactAsForm(view->contact.data);
  data["contact_fields"] =
      ContactFields(pages_, lang, values_for("contact", stored_contact), errors_for("contact"));
  json profiles = json::array();
  for (const auto& p : view->profiles) {
    std::string id = "profile-" + std::to_string(p.id);
    json form = ProfileForm(pages_, lang, id, values_for(id, ProfileAsForm(p)), errors_for(id));
    form["action"] = base + "/search-profiles/" + std::to_string(p.id) + "#" + id;
    form["csrf"] = data["csrf"];
    form["submit_label"] = pages_.Text(lang, "profile_save");
    profiles.push_back({{"id", p.id},
                        {"summary", ProfileSummary(p, lang)},
                        {"open", failed && failed->form_id == id},
                        {"form_html", pages_.RenderFragment("profile_form", form, lang)}});
  }
  data["profiles"] = profiles;
  data["has_profiles"] = !profiles.empty();
  json new_form = ProfileForm(pages_, lang, "profile-new", values_for("profile-new", {}),
                              errors_for("profile-new"));
  new_form["action"] = base + "/search-profiles#profile-new";
  new_form["csrf"] = data["csrf"];
  new_form["submit_label"] = pages_.Text(lang, "profile_create");
  data["new_profile_html"] = pages_.RenderFragment("profile_form", new_form, lang);
  data["new_profile_open"] = failed && failed->form_id == "profile-new";
  if (failed) {
    data["error_summary"] = ErrorSummary(failed->form_id, failed->errors, lang);
    data["has_errors"] = true;
  }
  Response r;
  r.status = status;
  r.body = pages_.Render("consent", data, lang);
  AddSecurityHeaders(r);
  return r;
}

Response PortalHandlers::Post(const Request& request, const std::string& token,
                              const std::string& action) const {
  core::Form form = ParseUrlEncoded(request.body);
  std::string lang = RequestLanguage(request, FormValue(form, "lang"));
  if (!CsrfValid(form, token)) {
    Response r;
    r.status = 403;
    r.body = pages_.Render("message",
                           {{"title", pages_.Text(lang, "csrf_title")},
                            {"message", pages_.Text(lang, "csrf_message")},
                            {"back", "/c/" + token}},
                           lang);
    AddSecurityHeaders(r);
    return r;
  }
  app::RequestContext ctx{request.Header("user-agent").substr(0, 512),
                          core::ShortenIp(request.remote_address), lang};
  std::string done;
  std::optional<FailedForm> failed;
  core::Status status;
  auto apply = [&](core::Result<app::FormOutcome> outcome, std::string form_id, std::string ok) {
    if (!outcome) {
      status = outcome.error();
    } else if (!outcome->saved()) {
      failed = FailedForm{std::move(form_id), form, std::move(outcome->errors)};
    } else {
      done = std::move(ok);
    }
  };
  const std::string profile_prefix = "search-profiles/";
  if (action == "consent") {
    status = portal_.GiveConsent(token, ctx);
    done = "consent";
  } else if (action == "contact") {
    auto outcome = portal_.CorrectData(token, form, ctx);
    bool email_pending = outcome && outcome->email_confirmation_sent;
    apply(std::move(outcome), "contact", email_pending ? "contact_email" : "contact");
  } else if (action == "search-profiles") {
    apply(portal_.AddSearchProfile(token, form, ctx), "profile-new", "profile_added");
  } else if (action.rfind(profile_prefix, 0) == 0) {
    std::string rest = action.substr(profile_prefix.size());
    bool is_delete = rest.size() > 7 && rest.substr(rest.size() - 7) == "/delete";
    if (is_delete) rest.resize(rest.size() - 7);
    if (rest.empty() || rest.size() > 18 ||
        rest.find_first_not_of("0123456789") != std::string::npos) {
      return NotFound(request);
    }
    core::SearchProfileId id = std::stoll(rest);
    if (is_delete) {
      status = portal_.DeleteSearchProfile(token, id, ctx);
      done = "profile_deleted";
    } else {
      apply(portal_.UpdateSearchProfile(token, id, form, ctx), "profile-" + rest, "profile_saved");
    }
  } else if (action == "withdraw") {
    std::string reason = core::Trim(FormValue(form, "reason"));
    core::FieldErrors errors;
    if (!core::CheckText("reason", reason, 500, errors)) reason = "";
    status = portal_.Withdraw(token, reason, ctx);
    done = "withdraw";
  } else if (action == "deletion-request") {
    std::string note = core::Trim(FormValue(form, "note"));
    core::FieldErrors errors;
    if (!core::CheckText("note", note, 1000, errors)) note = "";
    status = portal_.RequestDeletion(token, note, ctx);
    done = "deletion";
  } else {
    return NotFound(request);
  }
  if (!status) return Failure(request, status.error());
  if (failed) return ShowPage(request, token, lang, &*failed, 422);
  return Response::Redirect("/c/" + token + "?done=" + done + "&lang=" + lang + "#flash");
}

Response PortalHandlers::Export(const Request& request, const std::string& token) const {
  auto doc = portal_.Export(token);
  if (!doc) return Failure(request, doc.error());
  Response r;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(*doc);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"meine-daten.json\"");
  AddSecurityHeaders(r);
  return r;
}

Response PortalHandlers::OneClickUnsubscribe(const Request& request,
                                             const std::string& token) const {
  app::RequestContext ctx{request.Header("user-agent").substr(0, 512),
                          core::ShortenIp(request.remote_address), "de"};
  auto status = portal_.Withdraw(token, "Abmeldung per E-Mail (One-Click, RFC 8058)", ctx);
  if (!status) return Failure(request, status.error());
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Sie wurden abgemeldet. / You have been unsubscribed.\n";
  AddSecurityHeaders(r);
  return r;
}

}  // namespace consentd::http
