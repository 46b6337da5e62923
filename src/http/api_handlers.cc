#include "http/api_handlers.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/api_keys.h"
#include "app/api_views.h"
#include "app/contact_admin.h"
#include "app/contact_list.h"
#include "app/deletion_inbox.h"
#include "app/erasure.h"
#include "app/mail_templates.h"
#include "app/mailing.h"
#include "core/ip_address.h"
#include "core/validation.h"

namespace consentd::http {

extern const std::map<std::string_view, std::string_view> kApiFiles;  // docs/openapi.yaml

namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "/api/v1/";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;
constexpr std::size_t kMaxIdempotencyKeyLength = 255;
// A first request still unanswered after this long is taken to have died with its node;
// a retry then runs again.
constexpr auto kIdempotencyTakeover = std::chrono::seconds(60);

// ---------------------------------------------------------------- responses

Response JsonResponse(int status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

json FieldErrorsJson(const core::FieldErrors& errors) {
  json out = json::array();
  for (const auto& e : errors) {
    out.push_back({{"field", e.field}, {"detail", e.message_en}, {"detail_de", e.message_de}});
  }
  return out;
}

Response ValidationProblem(const core::FieldErrors& errors) {
  return Problem(422, "Validation failed", "One or more fields are invalid; see errors.",
                 FieldErrorsJson(errors));
}

Response ErrorProblem(const core::Error& error) {
  switch (error.code) {
    case core::ErrorCode::kNotFound:
      return Problem(404, "Not Found", "No such resource.");
    case core::ErrorCode::kConflict:
      return Problem(409, "Conflict", "The resource was changed concurrently; retry.");
    case core::ErrorCode::kInvalidArgument:
      return Problem(422, "Validation failed", error.message);
    case core::ErrorCode::kPermissionDenied:
      return Problem(403, "Forbidden", "The API key may not do this.");
    case core::ErrorCode::kUnavailable:
      return Problem(503, "Service Unavailable", "The database is unavailable; retry later.");
    case core::ErrorCode::kInternal:
      break;
  }
  return Problem(500, "Internal Server Error", "The request could not be completed.");
}

Response ContactResponse(int status, const app::ApiContact& contact) {
  Response r = JsonResponse(status, contact.json);
  r.headers.emplace_back("ETag", contact.etag);
  return r;
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// ---------------------------------------------------------------- requests

struct Call {
  const Request& request;
  app::ApiPrincipal principal;
  app::Actor actor;
  std::vector<std::string> path;  // segments after /api/v1/
};

std::vector<std::string> Segments(std::string_view rest) {
  std::vector<std::string> out;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    out.emplace_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return out;
}

std::optional<std::int64_t> ParseId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

bool IsJsonContentType(std::string_view type) {
  auto semicolon = type.find(';');
  std::string base = core::Trim(type.substr(0, semicolon));
  for (auto& ch : base) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return base == "application/json" || base == "application/merge-patch+json";
}

// The request's JSON object, or the problem that says why there is none.
std::variant<json, Response> ReadJsonObject(const Request& request) {
  if (!IsJsonContentType(request.Header("content-type"))) {
    return Problem(415, "Unsupported Media Type", "Send the body as application/json.");
  }
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return Problem(400, "Malformed JSON", "The body is not valid JSON (RFC 8259, UTF-8).");
  }
  if (!body.is_object()) return Problem(400, "Malformed JSON", "The body must be a JSON object.");
  return body;
}

// The body's members as form fields: strings as they are, null as "" (clears a field);
// `objects` may hold JSON objects (passed on as their text). Every other member or type is
// a field error.
core::Form FormOf(const json& body, const std::set<std::string, std::less<>>& strings,
                  const std::set<std::string, std::less<>>& objects, core::FieldErrors& errors) {
  core::Form form;
  for (const auto& [name, value] : body.items()) {
    if (objects.contains(name)) {
      if (value.is_object()) {
        form[name] = value.dump();
      } else {
        errors.push_back({name, "Muss ein JSON-Objekt sein.", "Must be a JSON object."});
      }
    } else if (!strings.contains(name)) {
      errors.push_back({name, "Unbekanntes Feld.", "Unknown field."});
    } else if (value.is_string()) {
      form[name] = value.get<std::string>();
    } else if (value.is_null()) {
      form[name] = "";
    } else {
      errors.push_back({name, "Muss eine Zeichenkette sein.", "Must be a string."});
    }
  }
  return form;
}

const std::set<std::string, std::less<>>& ContactMembers() {
  static const auto* members = [] {
    auto* s = new std::set<std::string, std::less<>>{"legal_basis", "external_id"};
    for (const auto& f : core::kContactFields) s->emplace(f.name);
    return s;
  }();
  return *members;
}

// ---------------------------------------------------------------- idempotency

std::string StoredResponse(const Response& r) {
  json headers = json::array();
  for (const auto& [name, value] : r.headers) headers.push_back({name, value});
  return json{{"content_type", r.content_type}, {"headers", headers}, {"body", r.body}}.dump();
}

Response Replayed(const core::IdempotencyRecord& record) {
  json stored = json::parse(record.response, nullptr, false);
  Response r;
  r.status = record.status;
  r.content_type = stored.value("content_type", "application/json");
  r.body = stored.value("body", "");
  for (const auto& h : stored.value("headers", json::array())) {
    r.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
  }
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

Response Problem(int status, std::string_view title, std::string_view detail, const json& errors) {
  json body = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!errors.is_null()) body["errors"] = errors;
  Response r = JsonResponse(status, body);
  r.content_type = "application/problem+json";
  return r;
}

namespace {

// The routes, with the services they use.
class Routes {
 public:
  explicit Routes(const ApiServices& s) : s_(s) {}

  Response Dispatch(const Call& call) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (!p.empty() && p[0] == "contacts-by-external-id" && p.size() >= 2) {
      // The rest of the path, slashes included, is the CRM's id.
      std::string external_id = call.request.path.substr(kPrefix.size() + p[0].size() + 1);
      if (method == "GET") return GetByExternalId(call, external_id);
      if (method == "PUT") return UpsertByExternalId(call, external_id);
      return MethodNotAllowed("GET, PUT");
    }
    if (!p.empty() && p[0] == "mailings") return Mailings(call);
    if (!p.empty() && p[0] == "deletion-requests") return DeletionRequests(call);
    if (!p.empty() && p[0] == "templates") return Templates(call);
    if (!p.empty() && p[0] == "webhook-endpoints") return WebhookEndpoints(call);
    if (p.empty() || p[0] != "contacts") return Problem(404, "Not Found", "No such route.");
    if (p.size() == 1) {
      if (method == "GET") return ListContacts(call);
      if (method == "POST") return CreateContact(call);
      return MethodNotAllowed("GET, POST");
    }
    auto id = ParseId(p[1]);
    if (!id) return Problem(404, "Not Found", "No such contact.");
    if (p.size() == 2) {
      if (method == "GET") return GetContact(call, *id);
      if (method == "PATCH") return UpdateContact(call, *id);
      if (method == "DELETE") return EraseContact(call, *id);
      return MethodNotAllowed("GET, PATCH, DELETE");
    }
    if (p.size() == 3 && p[2] == "consents") {
      if (method == "GET") return OrProblem(app::LoadApiConsents(s_.store, Tenant(call), *id));
      if (method == "POST") return RecordConsent(call, *id);
      return MethodNotAllowed("GET, POST");
    }
    if (p.size() == 3 && p[2] == "activities") {
      if (method == "GET") return OrProblem(app::LoadApiActivities(s_.store, Tenant(call), *id));
      return MethodNotAllowed("GET");
    }
    if (p.size() >= 3 && p[2] == "search-profiles") return SearchProfiles(call, *id);
    return Problem(404, "Not Found", "No such route.");
  }

 private:
  static core::TenantId Tenant(const Call& call) { return call.principal.key.tenant_id; }

  static Response MethodNotAllowed(std::string_view allow) {
    Response r = Problem(405, "Method Not Allowed", "This route does not take that method.");
    // Every GET route answers HEAD too (Handle dispatches it as GET).
    const bool get = allow.rfind("GET", 0) == 0;
    r.headers.emplace_back("Allow",
                           get ? "GET, HEAD" + std::string(allow.substr(3)) : std::string(allow));
    return r;
  }

  static Response OrProblem(const core::Result<json>& r) {
    if (!r) return ErrorProblem(r.error());
    return JsonResponse(200, json{{"data", *r}});
  }

  Response ListContacts(const Call& call) const {
    core::Form fields;
    for (const auto& [k, v] : call.request.query) fields[k] = v;
    core::FieldErrors errors;
    auto [limit, after] =
        PageParams(call, {"q", "state", "basis", "kontaktart", "limit", "cursor"}, errors);
    auto parsed = app::ParseContactQuery(fields);
    errors.insert(errors.end(), parsed.errors.begin(), parsed.errors.end());
    if (!errors.empty()) return ValidationProblem(errors);
    auto page =
        app::LoadApiContactPage(s_.store, s_.crypto, Tenant(call), parsed.query, after, limit);
    if (!page) return ErrorProblem(page.error());
    json body = {{"data", page->data}, {"next_cursor", nullptr}};
    Response r;
    if (page->next_after) {
      body["next_cursor"] = std::to_string(*page->next_after);
      r = JsonResponse(200, body);
      r.headers.emplace_back("Link",
                             "<" + NextPageUrl(call, *page->next_after) + ">; rel=\"next\"");
    } else {
      r = JsonResponse(200, body);
    }
    return r;
  }

  static std::string NextPageUrl(const Call& call, core::ContactId after) {
    std::string url = "/api/v1/contacts?cursor=" + std::to_string(after);
    for (const auto& [k, v] : call.request.query) {
      if (k == "cursor") continue;
      url += "&" + k + "=";
      for (unsigned char ch : v) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
          url += static_cast<char>(ch);
        } else {
          static constexpr char kHex[] = "0123456789ABCDEF";
          url += '%';
          url += kHex[ch >> 4];
          url += kHex[ch & 15];
        }
      }
    }
    return url;
  }

  Response GetContact(const Call& call, core::ContactId id) const {
    auto contact = app::LoadApiContact(s_.store, s_.crypto, Tenant(call), id);
    if (!contact) return ErrorProblem(contact.error());
    return ContactResponse(200, *contact);
  }

  Response GetByExternalId(const Call& call, const std::string& external_id) const {
    auto contact = app::LoadApiContactByExternalId(s_.store, s_.crypto, Tenant(call), external_id);
    if (!contact) return ErrorProblem(contact.error());
    return ContactResponse(200, *contact);
  }

  // A contact body as form fields, or the problem with it.
  static std::variant<core::Form, Response> ContactForm(const Request& request) {
    auto body = ReadJsonObject(request);
    if (auto* problem = std::get_if<Response>(&body)) return std::move(*problem);
    core::FieldErrors errors;
    core::Form form = FormOf(std::get<json>(body), ContactMembers(), {}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    return form;
  }

  Response Created(const core::Contact& contact) const {
    Response r = ContactResponse(201, app::NewApiContact(s_.crypto, contact));
    r.headers.emplace_back("Location", "/api/v1/contacts/" + std::to_string(contact.id));
    return r;
  }

  Response CreateContact(const Call& call) const {
    auto form = ContactForm(call.request);
    if (auto* problem = std::get_if<Response>(&form)) return std::move(*problem);
    auto outcome = app::CreateContactByBroker(s_.store, s_.clock, s_.crypto, s_.phones, call.actor,
                                              std::get<core::Form>(form));
    if (!outcome) return ErrorProblem(outcome.error());
    if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
    return Created(outcome->created);
  }

  Response Updated(const Call& call, const core::Result<app::AdminFormOutcome>& outcome,
                   core::ContactId id) const {
    if (!outcome) return ErrorProblem(outcome.error());
    if (outcome->precondition_failed) {
      return Problem(412, "Precondition Failed",
                     "The contact was changed since the ETag you sent; read it again.");
    }
    if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
    return GetContact(call, id);
  }

  Response UpdateContact(const Call& call, core::ContactId id) const {
    const std::string if_match = call.request.Header("if-match");
    if (if_match.empty()) {
      return Problem(428, "Precondition Required",
                     "Send If-Match with the contact's ETag, so that no change is overwritten.");
    }
    auto form = ContactForm(call.request);
    if (auto* problem = std::get_if<Response>(&form)) return std::move(*problem);
    auto outcome = app::UpdateContactByBroker(s_.store, s_.clock, s_.crypto, s_.phones, call.actor,
                                              id, std::get<core::Form>(form), if_match);
    return Updated(call, outcome, id);
  }

  // Creates the contact with this CRM id, or updates it (If-Match honoured when sent).
  Response UpsertByExternalId(const Call& call, const std::string& external_id) const {
    auto form = ContactForm(call.request);
    if (auto* problem = std::get_if<Response>(&form)) return std::move(*problem);
    core::Form fields = std::get<core::Form>(form);
    if (auto it = fields.find("external_id"); it != fields.end() && it->second != external_id) {
      return ValidationProblem({{"external_id", "Weicht von der externen ID im Pfad ab.",
                                 "Differs from the external id in the path."}});
    }
    fields["external_id"] = external_id;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto existing =
          app::LoadApiContactByExternalId(s_.store, s_.crypto, Tenant(call), external_id);
      if (existing) {
        const core::ContactId id = existing->json.at("id").get<core::ContactId>();
        auto outcome =
            app::UpdateContactByBroker(s_.store, s_.clock, s_.crypto, s_.phones, call.actor, id,
                                       fields, call.request.Header("if-match"));
        return Updated(call, outcome, id);
      }
      if (existing.error().code != core::ErrorCode::kNotFound)
        return ErrorProblem(existing.error());
      if (!call.request.Header("if-match").empty() && call.request.Header("if-match") != "*") {
        return Problem(412, "Precondition Failed", "No contact has this external id.");
      }
      auto outcome =
          app::CreateContactByBroker(s_.store, s_.clock, s_.crypto, s_.phones, call.actor, fields);
      if (!outcome) return ErrorProblem(outcome.error());
      const bool lost_race =
          std::any_of(outcome->errors.begin(), outcome->errors.end(),
                      [](const core::FieldError& e) { return e.field == "external_id"; });
      if (lost_race) continue;  // created meanwhile by a concurrent request: update it
      if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
      return Created(outcome->created);
    }
    return Problem(409, "Conflict", "The contact was changed concurrently; retry.");
  }

  Response EraseContact(const Call& call, core::ContactId id) const {
    auto live = app::LoadApiContact(s_.store, s_.crypto, Tenant(call), id);
    if (!live) return ErrorProblem(live.error());
    const std::string if_match = call.request.Header("if-match");
    if (!if_match.empty() && if_match != "*" && if_match != live->etag) {
      return Problem(412, "Precondition Failed",
                     "The contact was changed since the ETag you sent; read it again.");
    }
    auto status = app::EraseContact(s_.store, s_.clock, s_.crypto, call.actor, id,
                                    "Löschung über die API des Quellsystems");
    if (!status) return ErrorProblem(status.error());
    return NoContent();
  }

  Response RecordConsent(const Call& call, core::ContactId id) const {
    auto body = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&body)) return std::move(*problem);
    core::FieldErrors errors;
    core::Form form =
        FormOf(std::get<json>(body), {"action", "source", "note", "date"}, {"evidence"}, errors);
    const std::string action = form.contains("action") ? form.at("action") : "";
    if (action != "grant" && action != "withdraw") {
      errors.push_back({"action", "„grant“ oder „withdraw“.", "\"grant\" or \"withdraw\"."});
    }
    if (!errors.empty()) return ValidationProblem(errors);
    auto outcome =
        action == "grant"
            ? app::RecordConsentByBroker(s_.store, s_.clock, s_.crypto, call.actor, id, form)
            : app::RecordWithdrawalByBroker(s_.store, s_.clock, s_.crypto, call.actor, id, form);
    if (!outcome) return ErrorProblem(outcome.error());
    if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
    auto consents = app::LoadApiConsents(s_.store, Tenant(call), id);
    if (!consents) return ErrorProblem(consents.error());
    Response r = JsonResponse(201, json{{"data", *consents}});
    r.headers.emplace_back("Location", "/api/v1/contacts/" + std::to_string(id) + "/consents");
    return r;
  }

  // ------------------------------------------------------------ search profiles

  Response SearchProfiles(const Call& call, core::ContactId contact) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (p.size() == 3) {
      if (method == "GET")
        return OrProblem(app::LoadApiSearchProfiles(s_.store, Tenant(call), contact));
      if (method == "POST") return SaveSearchProfile(call, contact, std::nullopt);
      return MethodNotAllowed("GET, POST");
    }
    auto id = p.size() == 4 ? ParseId(p[3]) : std::nullopt;
    if (!id) return Problem(404, "Not Found", "No such search profile.");
    if (method == "GET") return SearchProfileResponse(call, contact, *id, 200);
    if (method == "PUT") return SaveSearchProfile(call, contact, *id);
    if (method == "DELETE") {
      auto removed =
          app::DeleteSearchProfileByBroker(s_.store, s_.clock, s_.crypto, call.actor, contact, *id);
      if (!removed) return ErrorProblem(removed.error());
      return NoContent();
    }
    return MethodNotAllowed("GET, PUT, DELETE");
  }

  Response SearchProfileResponse(const Call& call, core::ContactId contact,
                                 core::SearchProfileId id, int status) const {
    auto profiles = app::LoadApiSearchProfiles(s_.store, Tenant(call), contact);
    if (!profiles) return ErrorProblem(profiles.error());
    for (const auto& profile : *profiles) {
      if (profile.at("id").get<core::SearchProfileId>() != id) continue;
      Response r = JsonResponse(status, profile);
      if (status == 201) {
        r.headers.emplace_back("Location", std::string(kPrefix) + "contacts/" +
                                               std::to_string(contact) + "/search-profiles/" +
                                               std::to_string(id));
      }
      return r;
    }
    return ErrorProblem(core::NotFound("search profile"));  // as for another tenant's ids
  }

  // POST adds a profile, PUT replaces profile `id` whole (members left out are cleared).
  Response SaveSearchProfile(const Call& call, core::ContactId contact,
                             std::optional<core::SearchProfileId> id) const {
    auto body = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&body)) return std::move(*problem);
    core::FieldErrors errors;
    core::Form form = SearchProfileForm(std::get<json>(body), errors);
    if (!errors.empty()) return ValidationProblem(errors);
    auto outcome = app::SaveSearchProfileByBroker(s_.store, s_.clock, s_.crypto, call.actor,
                                                  contact, id, form);
    if (!outcome) return ErrorProblem(outcome.error());
    if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
    return SearchProfileResponse(call, contact, outcome->id, id ? 200 : 201);
  }

  // A search profile body as the consent page's form: text members as strings, amounts as
  // JSON numbers (at most two decimals, not negative), null for "not given".
  static core::Form SearchProfileForm(const json& body, core::FieldErrors& errors) {
    static const std::set<std::string, std::less<>> kNumbers = {"radius_km",
                                                                "preis_von",
                                                                "preis_bis",
                                                                "wohnflaeche_von",
                                                                "wohnflaeche_bis",
                                                                "grundstuecksflaeche_von",
                                                                "grundstuecksflaeche_bis",
                                                                "zimmer_von",
                                                                "zimmer_bis"};
    json texts = json::object();
    core::Form numbers;
    for (const auto& [name, value] : body.items()) {
      if (!kNumbers.contains(name)) {
        texts[name] = value;
      } else if (value.is_null()) {
        numbers[name] = "";
      } else if (auto centi = CentiOf(value)) {
        numbers[name] = core::FormatGermanNumber(*centi);
      } else {
        errors.push_back({name, "Muss eine Zahl ab 0 mit höchstens zwei Nachkommastellen sein.",
                          "Must be a number from 0 with at most two decimals."});
      }
    }
    core::Form form = FormOf(texts,
                             {"vermarktungsart", "nutzungsart", "objektart", "objekttyp", "land",
                              "plz", "ort", "bemerkung"},
                             {}, errors);
    form.insert(numbers.begin(), numbers.end());
    return form;
  }

  // A JSON number as hundredths, when it is one that has at most two decimals and is ≥ 0.
  static std::optional<core::Centi> CentiOf(const json& value) {
    constexpr double kMax = 1e15;
    if (value.is_number_unsigned() || value.is_number_integer()) {
      const auto n = value.get<std::int64_t>();
      if (n < 0 || static_cast<double>(n) > kMax / 100) return std::nullopt;
      return n * 100;
    }
    if (!value.is_number_float()) return std::nullopt;
    const double hundredths = value.get<double>() * 100;
    if (!(hundredths >= 0) || hundredths > kMax) return std::nullopt;
    const double rounded = std::round(hundredths);
    if (std::abs(hundredths - rounded) > 1e-6 * std::max(1.0, rounded)) return std::nullopt;
    return static_cast<core::Centi>(rounded);
  }

  // ------------------------------------------------------------ mailings

  Response Mailings(const Call& call) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (p.size() == 1) {
      if (method == "GET") return ListMailings(call);
      if (method == "POST") return CreateMailing(call);
      return MethodNotAllowed("GET, POST");
    }
    auto id = ParseId(p[1]);
    if (!id || p.size() > 3 || (p.size() == 3 && p[2] != "recipients")) {
      return Problem(404, "Not Found", "No such mailing.");
    }
    if (method != "GET") return MethodNotAllowed("GET");
    if (p.size() == 3) return ListRecipients(call, *id);
    auto mailing = app::LoadApiMailing(s_.store, Tenant(call), *id);
    if (!mailing) return ErrorProblem(mailing.error());
    return JsonResponse(200, *mailing);
  }

  Response ListMailings(const Call& call) const {
    core::FieldErrors errors;
    auto [limit, before] = PageParams(call, {"limit", "cursor"}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    auto page = app::LoadApiMailings(s_.store, Tenant(call), before, limit + 1);
    if (!page) return ErrorProblem(page.error());
    json data = *page;
    json next = nullptr;
    if (std::ssize(data) > limit) {
      data.erase(data.end() - 1);
      next = std::to_string(data.back().at("id").get<std::int64_t>());
    }
    return JsonResponse(200, json{{"data", data}, {"next_cursor", next}});
  }

  Response ListRecipients(const Call& call, core::MailingId id) const {
    core::FieldErrors errors;
    auto [limit, after] = PageParams(call, {"limit", "cursor"}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    auto page = app::LoadApiRecipients(s_.store, Tenant(call), id, after, limit);
    if (!page) return ErrorProblem(page.error());
    json next = page->next_after ? json(std::to_string(*page->next_after)) : json(nullptr);
    return JsonResponse(200, json{{"data", page->data}, {"next_cursor", next}});
  }

  // limit (1..kMaxPageSize) and an opaque numeric cursor from the query; other parameters
  // than `allowed` are field errors.
  static std::pair<int, std::int64_t> PageParams(const Call& call,
                                                 const std::set<std::string, std::less<>>& allowed,
                                                 core::FieldErrors& errors) {
    for (const auto& [name, value] : call.request.query) {
      if (!allowed.contains(name)) {
        errors.push_back({name, "Unbekannter Parameter.", "Unknown query parameter."});
      }
    }
    int limit = kDefaultPageSize;
    if (auto l = call.request.Query("limit"); !l.empty()) {
      auto n = ParseId(l);
      if (!n || *n > kMaxPageSize) {
        errors.push_back({"limit", "Eine Zahl von 1 bis 200.", "A number from 1 to 200."});
      } else {
        limit = static_cast<int>(*n);
      }
    }
    std::int64_t cursor = 0;
    if (auto c = call.request.Query("cursor"); !c.empty()) {
      auto n = ParseId(c);
      if (!n) {
        errors.push_back({"cursor", "Unbekannter Cursor.", "Unknown cursor."});
      } else {
        cursor = *n;
      }
    }
    return {limit, cursor};
  }

  // The recipients a mailing body chooses: "contact_ids" (of the tenant's live contacts),
  // or "filter" (the address list's q/state/basis/kontaktart), or "all": true.
  std::optional<std::vector<core::ContactId>> Recipients(const Call& call, const json& body,
                                                         core::FieldErrors& errors) const {
    const int ways = body.contains("contact_ids") + body.contains("filter") +
                     (body.value("all", false) == true ? 1 : 0);
    if (ways != 1) {
      errors.push_back({"contact_ids", "Genau eines von contact_ids, filter oder all: true.",
                        "Exactly one of contact_ids, filter or all: true."});
      return std::nullopt;
    }
    if (body.contains("contact_ids")) {
      const json& ids = body.at("contact_ids");
      std::vector<core::ContactId> out;
      if (ids.is_array() && !ids.empty() && ids.size() <= 100000) {
        for (const auto& id : ids) {
          if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
            out.clear();
            break;
          }
          out.push_back(id.get<core::ContactId>());
        }
      }
      if (out.empty()) {
        errors.push_back({"contact_ids", "Eine Liste von Kontakt-IDs (1 bis 100.000).",
                          "A list of contact ids (1 to 100,000)."});
        return std::nullopt;
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      std::vector<core::ContactId> unknown;
      auto read = s_.store.Read([&](core::ReadTx& tx) -> core::Status {
        for (auto id : out) {
          auto c = tx.FindContact(Tenant(call), id);
          if (!c && c.error().code != core::ErrorCode::kNotFound) return c.error();
          if (!c || c->erased) unknown.push_back(id);
        }
        return {};
      });
      if (!read) return std::nullopt;
      if (!unknown.empty()) {
        std::string list;
        for (std::size_t i = 0; i < unknown.size() && i < 10; ++i) {
          list += (i ? ", " : "") + std::to_string(unknown[i]);
        }
        errors.push_back(
            {"contact_ids", "Unbekannte Kontakte: " + list, "Unknown contacts: " + list});
        return std::nullopt;
      }
      return out;
    }
    core::Form fields;
    if (body.contains("filter")) {
      const json& filter = body.at("filter");
      if (!filter.is_object()) {
        errors.push_back({"filter", "Muss ein JSON-Objekt sein.", "Must be a JSON object."});
        return std::nullopt;
      }
      core::FieldErrors filter_errors;
      fields = FormOf(filter, {"q", "state", "basis", "kontaktart"}, {}, filter_errors);
      for (auto& e : filter_errors) e.field = "filter." + e.field;
      errors.insert(errors.end(), filter_errors.begin(), filter_errors.end());
    }
    auto parsed = app::ParseContactQuery(fields);
    for (auto e : parsed.errors) {
      e.field = "filter." + e.field;
      errors.push_back(std::move(e));
    }
    if (!errors.empty()) return std::nullopt;
    auto ids = app::MatchingContactIds(s_.store, Tenant(call), parsed.query);
    if (!ids) return std::nullopt;
    if (ids->empty()) {
      errors.push_back(
          {"filter", "Kein Kontakt passt zu diesem Filter.", "No contact matches this filter."});
      return std::nullopt;
    }
    return std::move(*ids);
  }

  Response CreateMailing(const Call& call) const {
    auto parsed = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&parsed)) return std::move(*problem);
    const json& body = std::get<json>(parsed);
    core::FieldErrors errors;
    json texts = body;
    for (const char* key : {"contact_ids", "filter", "all"}) texts.erase(key);
    core::Form form = FormOf(
        texts, {"subject", "template", "language", "body_text", "body_html", "lawful_confirmation"},
        {}, errors);
    if (body.contains("all") && !body.at("all").is_boolean()) {
      errors.push_back({"all", "Muss true oder false sein.", "Must be true or false."});
    }
    auto recipients = Recipients(call, body, errors);
    app::MailingRequest request;
    request.tenant = Tenant(call);
    request.created_by = call.actor.user;
    if (auto it = form.find("template"); it != form.end()) request.template_key = it->second;
    if (auto it = form.find("language"); it != form.end()) request.language = it->second;
    request.subject = core::Trim(form["subject"]);
    if (auto it = form.find("body_text"); it != form.end()) request.body_text = it->second;
    if (auto it = form.find("body_html"); it != form.end()) request.body_html = it->second;
    request.lawful_confirmation = core::Trim(form["lawful_confirmation"]);
    if (request.language != "de" && request.language != "en") {
      errors.push_back({"language", "„de“ oder „en“.", "\"de\" or \"en\"."});
    }
    auto checked = app::CheckMailingFields(request);
    errors.insert(errors.end(), checked.begin(), checked.end());
    if (!errors.empty() || !recipients) {
      if (errors.empty()) return Problem(503, "Service Unavailable", "Retry later.");
      return ValidationProblem(errors);
    }
    request.contacts = std::move(*recipients);
    auto id = app::CreateMailing(s_.store, s_.clock, request, call.actor);
    // The request's other fields were checked above: what is left to refuse is the template.
    if (!id && (id.error().code == core::ErrorCode::kInvalidArgument ||
                id.error().code == core::ErrorCode::kNotFound)) {
      return ValidationProblem({{"template", "Diese Vorlage gibt es nicht oder sie ist fehlerhaft.",
                                 "No such template, or it has problems: " + id.error().message}});
    }
    if (!id) return ErrorProblem(id.error());
    if (s_.prepare) s_.prepare(Tenant(call), *id);
    auto mailing = app::LoadApiMailing(s_.store, Tenant(call), *id);
    if (!mailing) return ErrorProblem(mailing.error());
    Response r = JsonResponse(202, *mailing);
    r.headers.emplace_back("Location", "/api/v1/mailings/" + std::to_string(*id));
    return r;
  }

  // ------------------------------------------------------------ deletion requests

  Response DeletionRequests(const Call& call) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (p.size() == 1) {
      if (method != "GET") return MethodNotAllowed("GET");
      return ListDeletionRequests(call);
    }
    auto id = ParseId(p[1]);
    if (!id || p.size() > 3 || (p.size() == 3 && p[2] != "decision")) {
      return Problem(404, "Not Found", "No such deletion request.");
    }
    if (p.size() == 3) {
      if (method != "POST") return MethodNotAllowed("POST");
      return DecideDeletion(call, *id);
    }
    if (method != "GET") return MethodNotAllowed("GET");
    auto detail = app::LoadDetail(s_.store, Tenant(call), *id, s_.clock.Now());
    if (!detail) return ErrorProblem(detail.error());
    return JsonResponse(200, app::DeletionRequestJson(detail->entry.c, detail->entry.overdue,
                                                      detail->entry.hold_ended));
  }

  Response ListDeletionRequests(const Call& call) const {
    core::FieldErrors errors;
    core::DeletionQuery query;
    query.now = s_.clock.Now();
    for (const auto& [name, value] : call.request.query) {
      if (name != "status")
        errors.push_back({name, "Unbekannter Parameter.", "Unknown query parameter."});
    }
    const std::string status = call.request.Query("status");
    if (status.empty() || status == "open") {
      query.filter = core::DeletionFilter::kOpen;
    } else if (status == "all") {
      query.filter = core::DeletionFilter::kAll;
    } else if (status == "erased" || status == "retained" || status == "rejected" ||
               status == "withdrawn") {
      query.filter = core::DeletionFilter::kDecided;
      query.status = status;
    } else {
      errors.push_back({"status", "open, all, erased, retained, rejected oder withdrawn.",
                        "open, all, erased, retained, rejected or withdrawn."});
    }
    if (!errors.empty()) return ValidationProblem(errors);
    auto inbox = app::ListInbox(s_.store, Tenant(call), query);
    if (!inbox) return ErrorProblem(inbox.error());
    json data = json::array();
    for (const auto& e : *inbox)
      data.push_back(app::DeletionRequestJson(e.c, e.overdue, e.hold_ended));
    return JsonResponse(200, json{{"data", data}});
  }

  Response DecideDeletion(const Call& call, std::int64_t id) const {
    auto parsed = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&parsed)) return std::move(*problem);
    json body = std::get<json>(parsed);
    core::FieldErrors errors;
    // Numbers and the confirmation are accepted as JSON types and passed on as form text.
    for (const char* key : {"rule_id", "months"}) {
      if (body.contains(key) && body.at(key).is_number_integer()) {
        body[key] = std::to_string(body.at(key).get<std::int64_t>());
      }
    }
    if (body.contains("confirm") && body.at("confirm").is_boolean()) {
      body["confirm"] = body.at("confirm").get<bool>() ? "1" : "";
    }
    core::Form form = FormOf(
        body, {"decision", "confirm", "reason", "rule_id", "retain_until", "months"}, {}, errors);
    if (!app::ParseDecision(form["decision"])) {
      errors.push_back(
          {"decision", "erase, retain, reject oder extend.", "erase, retain, reject or extend."});
    }
    if (!errors.empty()) return ValidationProblem(errors);
    auto outcome =
        app::Decide(s_.store, s_.clock, s_.crypto, call.actor, id, app::DecisionFromForm(form));
    if (!outcome) return ErrorProblem(outcome.error());
    if (!outcome->errors.empty()) return ValidationProblem(outcome->errors);
    auto detail = app::LoadDetail(s_.store, Tenant(call), id, s_.clock.Now());
    if (!detail) return ErrorProblem(detail.error());
    return JsonResponse(200, app::DeletionRequestJson(detail->entry.c, detail->entry.overdue,
                                                      detail->entry.hold_ended));
  }

  // ------------------------------------------------------------ webhook endpoints

  static json EndpointJson(const core::WebhookEndpoint& e) {
    json events = json::array();
    for (std::string_view rest = e.events; !rest.empty();) {
      const auto comma = rest.find(',');
      events.push_back(std::string(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return {{"id", e.id},
            {"url", e.url},
            {"events", events},
            {"active", e.active},
            {"state", !e.active        ? "paused"
                      : e.failures > 0 ? "failing"
                                       : "ok"},
            {"delivered_through_seq", e.cursor_seq},
            {"failures", e.failures},
            {"next_attempt_at", e.failures > 0 ? json(core::FormatIso(e.next_attempt_at)) : json()},
            {"created_at", core::FormatIso(e.created_at)}};
  }

  // The tenant's endpoint `id`, or kNotFound (also for another tenant's).
  core::Result<core::WebhookEndpoint> FindEndpoint(const Call& call, std::int64_t id) const {
    auto all = app::ListWebhookEndpoints(s_.store, Tenant(call));
    if (!all) return all.error();
    for (auto& e : *all) {
      if (e.id == id) return std::move(e);
    }
    return core::NotFound("webhook endpoint");
  }

  // "events": an array of event types (or ["*"], the default: every event) as the comma
  // list app::AddWebhookEndpoint takes; a wrong type is a field error.
  static std::string EventsOf(const json& body, core::FieldErrors& errors) {
    if (!body.contains("events")) return "*";
    const json& events = body.at("events");
    std::string list;
    bool strings = events.is_array() && !events.empty();
    for (const auto& e : strings ? events : json::array()) {
      if (!e.is_string()) strings = false;
      if (strings) list += (list.empty() ? "" : ",") + e.get<std::string>();
    }
    if (!strings) {
      errors.push_back(
          {"events", "Muss eine Liste von Ereignistypen sein.", "Must be a list of event types."});
    }
    return list;
  }

  Response WebhookEndpoints(const Call& call) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (p.size() == 1) {
      if (method == "GET") {
        auto all = app::ListWebhookEndpoints(s_.store, Tenant(call));
        if (!all) return ErrorProblem(all.error());
        json data = json::array();
        for (const auto& e : *all) data.push_back(EndpointJson(e));
        return JsonResponse(200, json{{"data", data}});
      }
      if (method == "POST") return AddEndpoint(call);
      return MethodNotAllowed("GET, POST");
    }
    auto id = ParseId(p[1]);
    if (!id || p.size() > 3 || (p.size() == 3 && p[2] != "attempts")) {
      return Problem(404, "Not Found", "No such webhook endpoint.");
    }
    auto endpoint = FindEndpoint(call, *id);
    if (!endpoint) return ErrorProblem(endpoint.error());
    if (p.size() == 3) {
      if (method != "GET") return MethodNotAllowed("GET");
      return EndpointAttempts(call, *id);
    }
    if (method == "GET") return JsonResponse(200, EndpointJson(*endpoint));
    if (method == "DELETE") {
      auto removed = app::DeleteWebhookEndpoint(s_.store, s_.clock, call.actor, *id);
      if (!removed) return ErrorProblem(removed.error());
      return NoContent();
    }
    if (method != "PATCH") return MethodNotAllowed("GET, PATCH, DELETE");
    auto parsed = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&parsed)) return std::move(*problem);
    const json& body = std::get<json>(parsed);
    core::FieldErrors errors;
    for (const auto& [name, value] : body.items()) {
      if (name != "active") errors.push_back({name, "Unbekanntes Feld.", "Unknown field."});
    }
    if (!body.contains("active") || !body.at("active").is_boolean()) {
      errors.push_back({"active", "Muss true oder false sein.", "Must be true or false."});
    }
    if (!errors.empty()) return ValidationProblem(errors);
    auto set = app::SetWebhookEndpointActive(s_.store, s_.clock, call.actor, *id,
                                             body.at("active").get<bool>());
    if (!set) return ErrorProblem(set.error());
    auto changed = FindEndpoint(call, *id);
    if (!changed) return ErrorProblem(changed.error());
    return JsonResponse(200, EndpointJson(*changed));
  }

  Response AddEndpoint(const Call& call) const {
    auto parsed = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&parsed)) return std::move(*problem);
    json body = std::get<json>(parsed);
    core::FieldErrors errors;
    const std::string events = EventsOf(body, errors);
    body.erase("events");
    core::Form form = FormOf(body, {"url"}, {}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    auto added = app::AddWebhookEndpoint(s_.store, s_.clock, s_.crypto, s_.webhooks, call.actor,
                                         form["url"], events);
    if (!added) return ErrorProblem(added.error());
    if (!added->errors.empty()) return ValidationProblem(added->errors);
    json out = EndpointJson(added->endpoint);
    out["secret"] = added->endpoint.secret;  // shown this once
    Response r = JsonResponse(201, out);
    r.headers.emplace_back("Location", std::string(kPrefix) + "webhook-endpoints/" +
                                           std::to_string(added->endpoint.id));
    return r;
  }

  // The endpoint's delivery log, newest first (at most `limit`, default 50).
  Response EndpointAttempts(const Call& call, std::int64_t id) const {
    core::FieldErrors errors;
    auto [limit, unused] = PageParams(call, {"limit"}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    auto attempts = app::ListWebhookAttempts(s_.store, Tenant(call), id, limit);
    if (!attempts) return ErrorProblem(attempts.error());
    json data = json::array();
    for (const auto& a : *attempts) {
      data.push_back({{"id", a.id},
                      {"event_id", a.event_id},
                      {"event_type", a.event_type},
                      {"contact_id", a.contact_id == 0 ? json() : json(a.contact_id)},
                      {"outcome", a.outcome},
                      {"status_code", a.status_code == 0 ? json() : json(a.status_code)},
                      {"error", a.error},
                      {"duration_ms", a.duration_ms},
                      {"at", core::FormatIso(a.at)}});
    }
    return JsonResponse(200, json{{"data", data}});
  }

  // ------------------------------------------------------------ templates

  Response Templates(const Call& call) const {
    const auto& p = call.path;
    const std::string& method = call.request.method;
    if (p.size() == 1) {
      if (method != "GET") return MethodNotAllowed("GET");
      std::vector<core::MailTemplate> templates;
      auto read = s_.store.Read([&](core::ReadTx& tx) -> core::Status {
        auto all = tx.ListTemplates(Tenant(call));
        if (!all) return all.error();
        templates = std::move(*all);
        return {};
      });
      if (!read) return ErrorProblem(read.error());
      json data = json::array();
      for (const auto& t : templates) data.push_back(app::TemplateJson(t));
      return JsonResponse(200, json{{"data", data}});
    }
    if (p.size() != 3) return Problem(404, "Not Found", "No such template.");
    core::MailTemplate current;
    auto read = s_.store.Read([&](core::ReadTx& tx) -> core::Status {
      auto t = tx.FindTemplate(Tenant(call), p[1], p[2]);
      if (!t) return t.error();
      current = std::move(*t);
      return {};
    });
    if (!read) return ErrorProblem(read.error());
    if (method == "GET") return JsonResponse(200, app::TemplateJson(current));
    if (method != "PUT") return MethodNotAllowed("GET, PUT");
    auto parsed = ReadJsonObject(call.request);
    if (auto* problem = std::get_if<Response>(&parsed)) return std::move(*problem);
    core::FieldErrors errors;
    core::Form form =
        FormOf(std::get<json>(parsed), {"name", "subject", "body_text", "body_html"}, {}, errors);
    if (!errors.empty()) return ValidationProblem(errors);
    core::MailTemplate draft = current;
    if (auto it = form.find("name"); it != form.end()) draft.name = it->second;
    if (auto it = form.find("subject"); it != form.end()) draft.subject = it->second;
    if (auto it = form.find("body_text"); it != form.end()) draft.body_text = it->second;
    if (auto it = form.find("body_html"); it != form.end()) draft.body_html = it->second;
    auto problems = app::SaveTemplateDraft(s_.store, s_.clock, call.actor, draft);
    if (!problems) return ErrorProblem(problems.error());
    if (!problems->empty()) {
      core::FieldErrors at_lines;
      for (const auto& pr : *problems) {
        const std::string line = pr.line > 0 ? " (Zeile " + std::to_string(pr.line) + ")" : "";
        const std::string line_en = pr.line > 0 ? " (line " + std::to_string(pr.line) + ")" : "";
        at_lines.push_back({pr.part, pr.message_de + line, pr.message_en + line_en});
      }
      return ValidationProblem(at_lines);
    }
    auto saved = s_.store.Read([&](core::ReadTx& tx) -> core::Status {
      auto t = tx.FindTemplate(Tenant(call), p[1], p[2]);
      if (!t) return t.error();
      current = std::move(*t);
      return {};
    });
    if (!saved) return ErrorProblem(saved.error());
    return JsonResponse(200, app::TemplateJson(current));
  }

  const ApiServices& s_;
};

// The key of the request's bearer token, or the 401 to answer.
std::variant<app::ApiPrincipal, Response> Authenticate(const app::ApiKeyChecker& keys,
                                                       const Request& request) {
  const std::string header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  auto unauthorized = [](std::string_view detail, std::string_view challenge) {
    Response r = Problem(401, "Unauthorized", detail);
    r.headers.emplace_back("WWW-Authenticate", std::string(challenge));
    return r;
  };
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return unauthorized("Send an API key as `Authorization: Bearer <key>`.",
                        "Bearer realm=\"consentd\"");
  }
  auto principal = keys.Authenticate(header.substr(kBearer.size()));
  if (!principal && principal.error().code == core::ErrorCode::kPermissionDenied) {
    return unauthorized("The API key is unknown or revoked.",
                        "Bearer realm=\"consentd\", error=\"invalid_token\"");
  }
  if (!principal) return ErrorProblem(principal.error());
  return std::move(*principal);
}

bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

// The store as seen by a POST with an Idempotency-Key: every unit of work it commits also
// marks the key's record applied, in that same unit. A crash after the act and before its
// answer is stored thus leaves a record that says the act took effect.
class MarkingStore final : public core::Store {
 public:
  MarkingStore(core::Store& inner, const core::IdempotencyRecord& record)
      : inner_(inner), record_(record) {}

  core::Status Read(const core::ReadFn& fn) override { return inner_.Read(fn); }
  core::Status Write(const core::WriteFn& fn) override { return Counted(inner_.Write(Marked(fn))); }
  std::future<core::Status> WriteAsync(core::WriteFn fn) override {
    return std::async(std::launch::deferred,
                      [this, f = inner_.WriteAsync(Marked(std::move(fn)))]() mutable {
                        return Counted(f.get());
                      });
  }
  core::Result<int> Migrate() override { return inner_.Migrate(); }

  // Whether a unit of work of the request was committed.
  bool applied() const { return applied_.load(); }

 private:
  core::WriteFn Marked(core::WriteFn fn) const {
    return [fn = std::move(fn), tenant = record_.tenant_id, api_key = record_.api_key_id,
            key = record_.key](core::WriteTx& tx) -> core::Status {
      CONSENTD_RETURN_IF_ERROR(fn(tx));
      return tx.MarkIdempotencyApplied(tenant, api_key, key);
    };
  }
  core::Status Counted(core::Status status) {
    if (status) applied_ = true;
    return status;
  }

  core::Store& inner_;
  const core::IdempotencyRecord& record_;
  std::atomic<bool> applied_{false};
};

// The answer for a request whose act took effect but whose answer was lost.
Response CarriedOutProblem() {
  return Problem(409, "Request already carried out",
                 "The first request with this Idempotency-Key took effect, but its answer was "
                 "lost. It is not carried out again; read the resource to see its state.");
}

// Runs `handle` once per Idempotency-Key of the request's key: a retry of a POST gets the
// first answer again (marked Idempotent-Replayed), a different request under the same key a
// 422, and a retry while the first is still being answered a 409. `handle` gets the services
// to answer with: for a POST with a key, their store marks the key's record in every unit of
// work the request commits, so that a retry never carries out an act twice, crash or not.
Response Idempotent(const ApiServices& s, const Call& call,
                    const std::function<Response(const ApiServices&)>& handle) {
  const std::string key = call.request.Header("idempotency-key");
  if (call.request.method != "POST" || key.empty()) return handle(s);
  core::FieldErrors errors;
  if (key.size() > kMaxIdempotencyKeyLength ||
      !core::CheckText("Idempotency-Key", key, 255, errors)) {
    return Problem(400, "Bad Idempotency-Key", "Use at most 255 printable characters.");
  }
  core::IdempotencyRecord record;
  record.tenant_id = call.principal.key.tenant_id;
  record.api_key_id = call.principal.key.id;
  record.key = key;
  record.request_hash =
      s.crypto.Sha256Hex(call.request.method + " " + call.request.path + "\n" + call.request.body);
  record.created_at = s.clock.Now();
  std::optional<Response> earlier;
  auto reserved = s.store.Write([&](core::WriteTx& tx) -> core::Status {
    earlier.reset();  // a unit may run again
    auto found = tx.FindIdempotency(record.tenant_id, record.api_key_id, key);
    if (!found) return found.error();
    if (*found) {
      const auto& first = **found;
      if (first.request_hash != record.request_hash) {
        earlier = Problem(422, "Idempotency-Key reused",
                          "This Idempotency-Key was used for a different request.");
        return {};
      }
      if (first.status != 0) {
        earlier = Replayed(first);
        return {};
      }
      if (record.created_at - first.created_at < kIdempotencyTakeover) {
        earlier = Problem(409, "Request in progress",
                          "The first request with this Idempotency-Key is still being answered.");
        return {};
      }
      if (first.applied) {
        // The first request's node stopped after the act and before storing its answer.
        earlier = CarriedOutProblem();
        core::IdempotencyRecord completed = first;
        completed.status = earlier->status;
        completed.response = StoredResponse(*earlier);
        return tx.CompleteIdempotency(completed);
      }
      CONSENTD_RETURN_IF_ERROR(tx.DeleteIdempotency(record.tenant_id, record.api_key_id, key));
    }
    return tx.InsertIdempotency(record);
  });
  if (!reserved) return ErrorProblem(reserved.error());
  if (earlier) return std::move(*earlier);
  MarkingStore marking(s.store, record);
  ApiServices marked{marking, s.clock, s.crypto, s.phones, s.webhooks, s.prepare};
  Response response = handle(marked);
  // An act that took effect is never run again: a failure after it is answered as such.
  if (response.status >= 500 && marking.applied()) response = CarriedOutProblem();
  auto stored = s.store.Write([&](core::WriteTx& tx) -> core::Status {
    if (response.status >= 500) {
      return tx.DeleteIdempotency(record.tenant_id, record.api_key_id, key);  // may be retried
    }
    record.status = response.status;
    record.response = StoredResponse(response);
    return tx.CompleteIdempotency(record);
  });
  if (!stored) {
    std::fprintf(stderr, "consentd: api: idempotency record: %s\n", stored.error().message.c_str());
  }
  return response;
}

// Reads leave an audit entry too (who read which personal data); written without waiting,
// as a read acknowledges no write.
void AuditRead(const ApiServices& s, const Call& call, int status) {
  app::Actor actor = call.actor;
  std::string target = call.request.path.substr(kPrefix.size() - 1);
  (void)s.store.WriteAsync([actor, target, status, now = s.clock.Now()](core::WriteTx& tx) {
    return app::WriteAudit(tx, actor, "api.read", target, {{"status", status}}, now);
  });
}

}  // namespace

std::optional<Response> ApiHandlers::Handle(const Request& request) const {
  if (request.path != "/api" && request.path.rfind("/api/", 0) != 0) return std::nullopt;
  if (request.path == "/api/v1/openapi.yaml") {
    if (!IsRead(request.method)) return Problem(405, "Method Not Allowed", "Only GET.");
    Response r;
    r.content_type = "application/yaml; charset=utf-8";
    r.body = std::string(kApiFiles.at("openapi.yaml"));
    return r;
  }
  if (request.path.rfind(kPrefix, 0) != 0) return Problem(404, "Not Found", "No such route.");
  auto auth = Authenticate(keys_, request);
  if (auto* problem = std::get_if<Response>(&auth)) return std::move(*problem);
  auto& principal = std::get<app::ApiPrincipal>(auth);
  // HEAD is answered as GET; the server sends the headers without the body.
  Request as_get;
  if (request.method == "HEAD") {
    as_get = request;
    as_get.method = "GET";
  }
  Call call{request.method == "HEAD" ? as_get : request, principal,
            principal.ActorFrom(core::ShortenIp(request.remote_address)),
            Segments(std::string_view(request.path).substr(kPrefix.size()))};
  if (!IsRead(request.method) && principal.key.scope != core::ApiScope::kWrite) {
    return Problem(403, "Forbidden", "This API key may only read (scope \"read\").");
  }
  Response response = Idempotent(services_, call, [&](const ApiServices& services) {
    return Routes(services).Dispatch(call);
  });
  if (IsRead(request.method)) AuditRead(services_, call, response.status);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace consentd::http
