#include "http/admin_contact_detail.h"

#include <algorithm>
#include <map>

#include "app/contact_admin.h"
#include "app/contact_import.h"
#include "app/contact_list.h"
#include "app/contacts_csv.h"
#include "app/erasure.h"
#include "http/form.h"
#include "http/form_fields.h"
#include "http/multipart.h"

namespace consentd::http {

using nlohmann::json;

struct AdminContactDetailArea::FailedForm {
  std::string form_id;  // "cd-master", "cd-consent", "cd-withdraw", "cd-profile-new|<id>"
  core::Form values;
  core::FieldErrors errors;
};

namespace {

constexpr std::string_view kBase = "/admin/contacts";
constexpr std::array<std::string_view, 3> kBases = {"none", "existing_customer", "own_enquiry"};
constexpr std::array<std::string_view, 4> kBadges = {"badge-none", "badge-granted",
                                                     "badge-withdrawn", "badge-deletion"};

// Texts of this area ("cd_" keys).
constexpr std::string_view kTexts = "cd_";

// The legal basis choices a broker may pick; "consent" only while it is the current one.
Choices BasisChoices(const AreaTexts& t, const std::string& current) {
  Choices out;
  if (current == "consent") out.emplace_back("consent", t.Raw("cl_basis_consent"));
  for (auto key : kBases) out.emplace_back(std::string(key), t.Raw("cl_basis_" + std::string(key)));
  return out;
}

Choices KontaktartChoices(const AreaTexts& t) {
  Choices out = {{"", t.Raw("choose")}};
  for (const auto& [key, label] : core::kKontaktarten) out.emplace_back(key, label);
  return out;
}

// Every contact field and the legal basis, in form `form_id`.
json MasterFields(const AreaTexts& t, const std::string& form_id, const core::Form& v,
                  const core::FieldErrors& errors) {
  const auto& pages = t.pages.renderer();
  json fields = json::array();
  for (const auto& f : core::kContactFields) {
    std::string value = FormValue(v, f.name);
    json field;
    if (f.name == "anrede") {
      field = SelectField(pages, t.lang, form_id, f.name,
                          Options(AnredeChoices(pages, t.lang), value), errors);
    } else if (f.name == "sprache") {
      Choices langs = {{"de", t("lang_de")}, {"en", t("lang_en")}};
      field = SelectField(pages, t.lang, form_id, f.name, Options(langs, value), errors);
    } else if (f.name == "kontaktart") {
      field =
          SelectField(pages, t.lang, form_id, f.name, Options(KontaktartChoices(t), value), errors);
    } else {
      field = Field(pages, t.lang, form_id, f.name, value, errors);
    }
    if (f.name == "sprache" || f.name == "kontaktart")
      field["label"] = t("f_" + std::string(f.name));
    fields.push_back(std::move(field));
  }
  std::string basis = FormValue(v, "legal_basis");
  json b = SelectField(pages, t.lang, form_id, "legal_basis",
                       Options(BasisChoices(t, basis), basis), errors);
  b["label"] = t("f_legal_basis");
  fields.push_back(std::move(b));
  return fields;
}

// The consent / withdrawal form: source, note and (consent) date.
json DeclarationFields(const AreaTexts& t, const std::string& form_id, const core::Form& v,
                       const core::FieldErrors& errors, bool with_date) {
  const auto& pages = t.pages.renderer();
  Choices sources = {{"", t.Raw("choose")},
                     {std::string(core::kSourceTelefon), t("source_telefon")},
                     {std::string(core::kSourceSchriftlich), t("source_schriftlich")}};
  json fields = json::array();
  json source = SelectField(pages, t.lang, form_id, "source",
                            Options(sources, FormValue(v, "source")), errors);
  source["label"] = t("f_source");
  fields.push_back(source);
  if (with_date) {
    json date = Field(pages, t.lang, form_id, "date", FormValue(v, "date"), errors);
    date["label"] = t("f_date");
    date["is_date"] = true;
    fields.push_back(date);
  }
  json note = Field(pages, t.lang, form_id, "note", FormValue(v, "note"), errors);
  note["label"] = t("f_note");
  note["is_textarea"] = true;
  fields.push_back(note);
  return fields;
}

json ConsentView(const app::ContactDetail& d, const AreaTexts& t) {
  if (!d.consent) return nullptr;
  const auto& c = *d.consent;
  return {{"source", c.source},
          {"purpose", c.purpose_name.empty() ? d.purpose.name : c.purpose_name},
          {"granted_at", c.granted_at ? AdminDate(*c.granted_at, t.lang) : "–"},
          {"revoked_at", c.revoked_at ? AdminDate(*c.revoked_at, t.lang) : "–"},
          {"revocation_reason", c.revocation_reason.empty() ? "–" : c.revocation_reason},
          {"text_version", c.text_version ? std::to_string(c.text_version) : "–"},
          {"text_language", c.language},
          {"text_sha256", c.text_sha256}};
}

json LinksView(const app::ContactDetail& d, const AreaTexts& t, core::Time now) {
  json rows = json::array();
  for (const auto& l : d.links) {
    std::string status(app::LinkStatusKey(l, now));
    rows.push_back({{"id", l.id},
                    {"created", AdminDate(l.created_at, t.lang)},
                    {"expires", AdminDate(l.expires_at, t.lang)},
                    {"status", t("link_" + status)},
                    {"active", status == "active"},
                    {"mailing", l.mailing_id ? "#" + std::to_string(*l.mailing_id) : "–"}});
  }
  return rows;
}

// One payload entry: a label for a known key, the value as text (objects pretty-printed).
json PayloadEntries(const std::string& payload, const AreaTexts& t) {
  json entries = json::array();
  json parsed = json::parse(payload, nullptr, false);
  if (!parsed.is_object()) return entries;
  for (const auto& [key, value] : parsed.items()) {
    std::string label = t.Raw("cd_p_" + key);
    bool known = label != "cd_p_" + key;
    bool nested = value.is_object() || value.is_array();
    std::string text =
        value.is_string() ? value.get<std::string>()
                          : value.dump(nested ? 2 : -1, ' ', false, json::error_handler_t::replace);
    entries.push_back(
        {{"key", key}, {"label", known ? label : key}, {"value", text}, {"pre", nested}});
  }
  return entries;
}

json TimelineView(const app::ContactDetail& d, const AreaTexts& t,
                  const std::map<core::UserId, std::string>& users) {
  json items = json::array();
  for (auto it = d.activities.rbegin(); it != d.activities.rend(); ++it) {
    const auto& a = *it;
    auto user = users.find(a.author_user_id);
    items.push_back(
        {{"seq", a.seq},
         {"type", std::string(core::ActivityTypeName(a.type))},
         {"at", AdminDateTime(a.created_at, t.lang)},
         {"author", user == users.end() ? "#" + std::to_string(a.author_user_id) : user->second},
         {"erased", a.payload.empty()},
         {"entries", a.payload.empty() ? json::array() : PayloadEntries(a.payload, t)},
         {"hash", a.hash},
         {"prev_hash", a.prev_hash},
         {"payload_sha256", a.payload_sha256}});
  }
  return items;
}

std::map<core::UserId, std::string> UserNames(core::Store& store, core::TenantId tenant) {
  std::map<core::UserId, std::string> names;
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    auto users = tx.ListUsers(tenant);
    if (!users) return users.error();
    for (const auto& u : *users) names[u.id] = u.name.empty() ? u.email : u.name;
    return {};
  });
  (void)status;  // names are a nicety; the timeline shows ids without them
  return names;
}

core::Form DetailAsForm(const core::Contact& c) {
  core::Form form = ContactAsForm(c.data);
  form["legal_basis"] = std::string(core::LegalBasisKey(c.legal_basis));
  return form;
}

// The failed form's values and errors, or the stored values and none.
struct FormState {
  core::Form values;
  core::FieldErrors errors;
};
FormState StateFor(const AdminContactDetailArea::FailedForm* failed, const std::string& id,
                   const core::Form& stored) {
  if (failed && failed->form_id == id) return {failed->values, failed->errors};
  return {stored, {}};
}

// An error result: 404 for a missing id (or another tenant's), else a server error.
Response FailureOf(const AdminPages& pages, const AdminContext& ctx, const core::Error& e) {
  if (e.code == core::ErrorCode::kNotFound) return pages.NotFound(ctx);
  throw std::runtime_error("contact detail: " + e.message);
}

// A search profile form (the consent page's), sent to `action`.
std::string ProfileFormHtml(const PageRenderer& pages, const AdminContext& ctx,
                            const std::string& form_id, const FormState& state,
                            const std::string& action, std::string_view submit_text) {
  json form = ProfileForm(pages, ctx.lang, form_id, state.values, state.errors);
  form["action"] = action + "#" + form_id;
  form["csrf"] = ctx.csrf;
  form["submit_label"] = pages.Text(ctx.lang, submit_text);
  return pages.RenderFragment("profile_form", form, ctx.lang);
}

// Each profile with its summary, its edit form (open when it failed) and its delete action.
json ProfilesView(const PageRenderer& pages, const AdminContext& ctx, const app::ContactDetail& d,
                  const std::string& base, const AdminContactDetailArea::FailedForm* failed) {
  json out = json::array();
  for (const auto& p : d.profiles) {
    const std::string id = "cd-profile-" + std::to_string(p.id);
    const std::string action = base + "/search-profiles/" + std::to_string(p.id);
    out.push_back(
        {{"id", id},
         {"summary", ProfileSummary(p, ctx.lang)},
         {"open", failed && failed->form_id == id},
         {"delete_action", action + "/delete"},
         {"form_html", d.contact.erased
                           ? ""
                           : ProfileFormHtml(pages, ctx, id, StateFor(failed, id, ProfileAsForm(p)),
                                             action, "profile_save")}});
  }
  return out;
}

}  // namespace

AdminContactDetailArea::~AdminContactDetailArea() {
  stopping_ = true;
  std::lock_guard lock(workers_mutex_);
  for (auto& w : workers_) {
    if (w.thread.joinable()) w.thread.join();
  }
}

std::optional<Response> AdminContactDetailArea::Handle(const AdminContext& ctx) {
  const auto parts = PathBelow(ctx.request.path, kBase);
  if (!parts || parts->empty()) return std::nullopt;  // not below it: the address list's
  const auto& p = *parts;
  const bool get = ctx.request.method == "GET" || ctx.request.method == "HEAD";
  if (p.size() == 1 && p[0] == "new") {
    return get || ctx.IsPost() ? std::optional(NewContact(ctx)) : std::nullopt;
  }
  if (p.size() == 1 && p[0] == "export") return get ? std::optional(Export(ctx)) : std::nullopt;
  if (p.size() == 1 && p[0] == "import") {
    if (ctx.IsPost()) return StartImport(ctx);
    return get ? std::optional(ImportForm(ctx, "", 200)) : std::nullopt;
  }
  if (p[0] == "import") {  // import/{id}[/status]
    const auto id = ParseRowId(p[1]);
    const bool status = p.size() == 3 && p[2] == "status";
    if (!id || !get || (p.size() == 3 && !status) || p.size() > 3) {
      return services_.pages.NotFound(ctx);
    }
    return status ? ImportStatus(ctx, *id) : ImportPage(ctx, *id);
  }
  const auto id = ParseRowId(p[0]);
  if (!id) return std::nullopt;  // not a contact path; perhaps another area's
  if (p.size() >= 2 && p[1] == "search-profiles") {
    return ctx.IsPost() ? PostProfile(ctx, *id, p) : services_.pages.NotFound(ctx);
  }
  if (p.size() > 2) return services_.pages.NotFound(ctx);
  const std::string action = p.size() == 2 ? std::string(p[1]) : "";
  if (action == "erase") return Erase(ctx, *id);
  if (ctx.IsPost()) return PostDetail(ctx, *id, action);
  if (!get || !action.empty()) return services_.pages.NotFound(ctx);
  return Detail(ctx, *id, nullptr);
}

Response AdminContactDetailArea::Detail(const AdminContext& ctx, core::ContactId id,
                                        const FailedForm* failed) {
  auto d = app::LoadContactDetail(services_.store, ctx.tenant.id, id);
  if (!d) return FailureOf(services_.pages, ctx, d.error());
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const std::string base = std::string(kBase) + "/" + std::to_string(id);
  const auto state = static_cast<std::size_t>(d->state);
  json data = {
      {"title", core::DisplayName(d->contact.data).empty() ? d->contact.data.email
                                                           : core::DisplayName(d->contact.data)},
      {"base", base},
      {"id", id},
      {"erased", d->contact.erased},
      {"email", d->contact.data.email},
      {"state",
       {{"label", t.Raw("cl_state_" + std::string(core::ConsentStateKey(d->state)))},
        {"badge", kBadges[state]}}},
      {"basis", t.Raw("cl_basis_" + std::string(core::LegalBasisKey(d->contact.legal_basis)))},
      {"created", AdminDate(d->contact.created_at, ctx.lang)},
      {"updated", AdminDate(d->contact.updated_at, ctx.lang)},
      {"mail_href", "/admin/mailings/new?c" + std::to_string(id) + "=1"}};
  data["consent"] = ConsentView(*d, t);
  data["has_consent"] = d->consent.has_value();
  if (d->deletion_request) {
    data["deletion"] = {{"href", "/admin/deletions/" + std::to_string(d->deletion_request->id)},
                        {"received", AdminDate(d->deletion_request->received_at, ctx.lang)},
                        {"due", AdminDate(d->deletion_request->due_at, ctx.lang)}};
  }
  const auto& renderer = services_.pages.renderer();
  data["profiles"] = ProfilesView(renderer, ctx, *d, base, failed);
  data["has_profiles"] = !d->profiles.empty();
  data["new_profile_html"] =
      ProfileFormHtml(renderer, ctx, "cd-profile-new", StateFor(failed, "cd-profile-new", {}),
                      base + "/search-profiles", "profile_create");
  data["new_profile_open"] = failed && failed->form_id == "cd-profile-new";
  data["links"] = LinksView(*d, t, services_.clock.Now());
  data["has_links"] = !d->links.empty();
  data["timeline"] = TimelineView(*d, t, UserNames(services_.store, ctx.tenant.id));
  const core::Form stored = DetailAsForm(d->contact);
  auto master = StateFor(failed, "cd-master", stored);
  data["master_fields"] = MasterFields(t, "cd-master", master.values, master.errors);
  const core::Form today = {{"date", core::FormatIsoDate(services_.clock.Now())}};
  auto consent = StateFor(failed, "cd-consent", today);
  data["consent_fields"] = DeclarationFields(t, "cd-consent", consent.values, consent.errors, true);
  auto withdraw = StateFor(failed, "cd-withdraw", {});
  data["withdraw_fields"] =
      DeclarationFields(t, "cd-withdraw", withdraw.values, withdraw.errors, false);
  if (failed) {
    data["error_summary"] = ErrorSummary(failed->form_id, failed->errors, ctx.lang);
    data["has_errors"] = true;
    // The failed section opens ("open_master", …); profile forms open through their own view.
    if (!failed->form_id.starts_with("cd-profile")) {
      data["open_" + failed->form_id.substr(3)] = true;
    }
  }
  return services_.pages.Page(ctx, "admin/contact_detail", std::move(data), failed ? 422 : 200);
}

Response AdminContactDetailArea::PostDetail(const AdminContext& ctx, core::ContactId id,
                                            const std::string& action) {
  const app::Actor actor = ActorOf(ctx);
  const std::string base = std::string(kBase) + "/" + std::to_string(id);
  core::Result<app::AdminFormOutcome> outcome = core::NotFound("action");
  std::string form_id, done;
  if (action.empty()) {
    outcome = app::UpdateContactByBroker(services_.store, services_.clock, services_.crypto,
                                         services_.phones, actor, id, ctx.form);
    form_id = "cd-master", done = "cd_saved";
  } else if (action == "consent") {
    outcome = app::RecordConsentByBroker(services_.store, services_.clock, services_.crypto, actor,
                                         id, ctx.form);
    form_id = "cd-consent", done = "cd_consent";
  } else if (action == "withdrawal") {
    outcome = app::RecordWithdrawalByBroker(services_.store, services_.clock, services_.crypto,
                                            actor, id, ctx.form);
    form_id = "cd-withdraw", done = "cd_withdrawal";
  } else if (action == "revoke-links") {
    auto revoked = app::RevokeLinks(services_.store, services_.clock, actor, id);
    if (!revoked) return FailureOf(services_.pages, ctx, revoked.error());
    return AdminPages::SeeOther(base, "cd_links_revoked");
  } else {
    return services_.pages.NotFound(ctx);
  }
  if (!outcome) return FailureOf(services_.pages, ctx, outcome.error());
  if (outcome->saved()) return AdminPages::SeeOther(base, done);
  FailedForm failed{form_id, ctx.form, outcome->errors};
  return Detail(ctx, id, &failed);
}

// search-profiles (add), search-profiles/{id} (save), search-profiles/{id}/delete.
Response AdminContactDetailArea::PostProfile(const AdminContext& ctx, core::ContactId id,
                                             const std::vector<std::string_view>& p) {
  const app::Actor actor = ActorOf(ctx);
  const std::string base = std::string(kBase) + "/" + std::to_string(id);
  const auto profile = p.size() >= 3 ? ParseRowId(p[2]) : std::nullopt;
  if (p.size() > 4 || (p.size() >= 3 && !profile) || (p.size() == 4 && p[3] != "delete")) {
    return services_.pages.NotFound(ctx);
  }
  if (p.size() == 4) {
    auto removed = app::DeleteSearchProfileByBroker(services_.store, services_.clock,
                                                    services_.crypto, actor, id, *profile);
    if (!removed) return FailureOf(services_.pages, ctx, removed.error());
    return AdminPages::SeeOther(base, "cd_profile_deleted");
  }
  auto outcome = app::SaveSearchProfileByBroker(services_.store, services_.clock, services_.crypto,
                                                actor, id, profile, ctx.form);
  if (!outcome) return FailureOf(services_.pages, ctx, outcome.error());
  if (outcome->saved()) {
    return AdminPages::SeeOther(base, profile ? "cd_profile_saved" : "cd_profile_added");
  }
  FailedForm failed{profile ? "cd-profile-" + std::to_string(*profile) : "cd-profile-new", ctx.form,
                    outcome->errors};
  return Detail(ctx, id, &failed);
}

Response AdminContactDetailArea::NewContact(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  core::FieldErrors errors;
  core::Form values = {{"legal_basis", "none"}, {"sprache", "de"}, {"land", "DE"}};
  if (ctx.IsPost()) {
    auto outcome = app::CreateContactByBroker(services_.store, services_.clock, services_.crypto,
                                              services_.phones, ActorOf(ctx), ctx.form);
    if (!outcome) return FailureOf(services_.pages, ctx, outcome.error());
    if (outcome->saved()) {
      return AdminPages::SeeOther(std::string(kBase) + "/" + std::to_string(outcome->id),
                                  "cd_created");
    }
    errors = std::move(outcome->errors);
    values = ctx.form;
  }
  json data = {{"title", t("new_title")},
               {"fields", MasterFields(t, "cd-new", values, errors)},
               {"error_summary", ErrorSummary("cd-new", errors, ctx.lang)},
               {"has_errors", !errors.empty()}};
  return services_.pages.Page(ctx, "admin/contact_new", std::move(data),
                              errors.empty() ? 200 : 422);
}

Response AdminContactDetailArea::Erase(const AdminContext& ctx, core::ContactId id) {
  auto d = app::LoadContactDetail(services_.store, ctx.tenant.id, id);
  if (!d || d->contact.erased) return services_.pages.NotFound(ctx);
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const std::string base = std::string(kBase) + "/" + std::to_string(id);
  std::string error;
  if (ctx.IsPost()) {
    std::string reason = core::Trim(FormValue(ctx.form, "reason"));
    core::FieldErrors errors;
    if (reason.empty()) {
      error = t("erase_reason_required");
    } else if (!core::CheckText("reason", reason, 500, errors)) {
      error = ErrorFor(errors, "reason", ctx.lang);
    } else if (FormValue(ctx.form, "confirm") != "yes") {
      error = t("erase_confirm_required");
    } else {
      auto status = app::EraseContact(services_.store, services_.clock, services_.crypto,
                                      ActorOf(ctx), id, reason);
      if (!status) return FailureOf(services_.pages, ctx, status.error());
      return AdminPages::SeeOther(base, "cd_erased");
    }
  }
  json data = {{"title", t("erase_title")},
               {"base", base},
               {"name", core::DisplayName(d->contact.data)},
               {"email", d->contact.data.email},
               {"reason", FormValue(ctx.form, "reason")},
               {"error", error},
               {"invalid", !error.empty()}};
  return services_.pages.Page(ctx, "admin/contact_erase", std::move(data),
                              error.empty() ? 200 : 422);
}

Response AdminContactDetailArea::Export(const AdminContext& ctx) {
  core::Form fields(ctx.request.query.begin(), ctx.request.query.end());
  const auto parsed = app::ParseContactQuery(fields);
  const auto& q = parsed.query;
  core::Result<std::string> csv = std::string();
  if (!q.text.empty() || !q.state.empty() || !q.basis.empty() || !q.kontaktart.empty()) {
    // The address list's filter: exactly its contacts, by id (with or without an address).
    auto ids = app::MatchingContactIds(services_.store, ctx.tenant.id, q);
    if (!ids) return FailureOf(services_.pages, ctx, ids.error());
    csv = app::ExportContactsCsv(services_.store, ctx.tenant.id, std::move(*ids));
  } else {
    csv = app::ExportContactsCsv(services_.store, ctx.tenant.id);
  }
  if (!csv) return FailureOf(services_.pages, ctx, csv.error());
  std::string body = std::move(*csv);
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"kontakte-" + core::FormatIsoDate(services_.clock.Now()) + ".csv\"");
  r.body = std::move(body);
  return r;
}

Response AdminContactDetailArea::ImportForm(const AdminContext& ctx, const std::string& error,
                                            int status) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  json data = {{"title", t("import_title")},
               {"action", "/admin/contacts/import?csrf=" + PercentEncode(ctx.csrf)},
               {"error", error},
               {"invalid", !error.empty()}};
  return services_.pages.Page(ctx, "admin/contact_import", std::move(data), status);
}

Response AdminContactDetailArea::StartImport(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  auto boundary = MultipartBoundary(ctx.request.Header("content-type"));
  if (!boundary) return ImportForm(ctx, t("import_no_file"), 422);
  auto parts = ParseMultipart(ctx.request.body, *boundary);
  const MultipartPart* file = parts ? FindPart(*parts, "file") : nullptr;
  if (!file || file->body.empty()) return ImportForm(ctx, t("import_no_file"), 422);
  const app::Actor actor = ActorOf(ctx);
  auto job = app::StartImportJob(services_.store, services_.clock, actor,
                                 core::SanitizeForDisplay(file->filename.value_or("")));
  if (!job) return FailureOf(services_.pages, ctx, job.error());
  RunInBackground(actor, *job, file->body);
  return AdminPages::SeeOther("/admin/contacts/import/" + std::to_string(*job));
}

void AdminContactDetailArea::RunInBackground(const app::Actor& actor, std::int64_t job,
                                             std::string bytes) {
  std::lock_guard lock(workers_mutex_);
  workers_.remove_if([](Worker& w) {
    if (!w.done) return false;
    w.thread.join();
    return true;
  });
  Worker& w = workers_.emplace_back();
  w.thread = std::thread([this, &w, actor, job, bytes = std::move(bytes)] {
    auto status =
        app::RunImportJob(services_.store, services_.clock, services_.crypto, services_.phones,
                          actor, job, bytes, [this] { return stopping_.load(); });
    (void)status;  // the job row says how it ended
    w.done = true;
  });
}

namespace {

json JobJson(const core::ImportJob& j) {
  const std::int64_t percent = j.total_rows > 0 ? j.processed_rows * 100 / j.total_rows
                               : j.state == core::ImportJobState::kRunning ? 0
                                                                           : 100;
  json errors = json::parse(j.errors, nullptr, false);
  return {{"state", core::ImportJobStateKey(j.state)},
          {"total", j.total_rows},
          {"processed", j.processed_rows},
          {"percent", percent},
          {"inserted", j.inserted},
          {"updated", j.updated},
          {"unchanged", j.unchanged},
          {"error_count", errors.is_array() ? errors.size() : 0},
          {"failure", j.failure}};
}

}  // namespace

Response AdminContactDetailArea::ImportPage(const AdminContext& ctx, std::int64_t id) {
  auto job = app::FindImportJob(services_.store, ctx.tenant.id, id);
  if (!job) return FailureOf(services_.pages, ctx, job.error());
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  json data = JobJson(*job);
  data["title"] = t("import_title");
  data["id"] = id;
  data["file_name"] = job->file_name;
  data["running"] = job->state == core::ImportJobState::kRunning;
  data["done"] = job->state == core::ImportJobState::kDone;
  data["failed"] = job->state == core::ImportJobState::kFailed;
  // A job cut off by a restart gets its reason in the user's language (stored ones are German).
  if (job->failure == app::kImportCutByRestart) data["failure"] = t("import_cut_by_restart");
  data["status_href"] = "/admin/contacts/import/" + std::to_string(id) + "/status";
  data["self_href"] = "/admin/contacts/import/" + std::to_string(id);
  json rows = json::array();
  json errors = json::parse(job->errors, nullptr, false);
  if (errors.is_array()) {
    for (const auto& e : errors) {
      std::string field = e.value("field", "");
      std::string label = field.empty() ? "–" : t.Raw("f_" + field);
      rows.push_back({{"line", e.value("line", 0)},
                      {"field", label.rfind("f_", 0) == 0 ? field : label},
                      {"message", e.value(ctx.lang == "en" ? "message_en" : "message_de", "")}});
    }
  }
  data["errors"] = rows;
  data["has_errors"] = !rows.empty();
  return services_.pages.Page(ctx, "admin/contact_import_job", std::move(data));
}

Response AdminContactDetailArea::ImportStatus(const AdminContext& ctx, std::int64_t id) {
  auto job = app::FindImportJob(services_.store, ctx.tenant.id, id);
  if (!job && job.error().code == core::ErrorCode::kNotFound)
    return AdminPages::Json({{"error", "not found"}}, 404);
  if (!job) return FailureOf(services_.pages, ctx, job.error());
  return AdminPages::Json(JobJson(*job));
}

}  // namespace consentd::http
