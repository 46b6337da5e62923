#include "http/admin_mailings.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "app/contact_list.h"
#include "core/time.h"
#include "http/form.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kBase = "/admin/mailings";
// Contacts whose skip reason the screen works out; beyond this the selection is sent
// unchecked (the mailing itself applies the same rule to every recipient).
constexpr std::size_t kCheckLimit = 2000;
constexpr std::size_t kShownSkipped = 200;    // rows of the "will be skipped" table
constexpr std::size_t kPreviewOptions = 200;  // recipients offered in the preview's select
constexpr int kMessagesPerPage = 50;
constexpr int kMailingsPerPage = 30;

// Texts of this area ("ml_" keys).
constexpr std::string_view kTexts = "ml_";

// The fields of the request: the POST body, or the query of a GET.
core::Form FieldsOf(const AdminContext& ctx) {
  if (ctx.IsPost()) return ctx.form;
  core::Form fields;
  for (const auto& [name, value] : ctx.request.query) fields.emplace(name, value);
  return fields;
}

// ---------------------------------------------------------------------------------------
// The selection: c<id>=1 fields, or all=1 with the address list's filter fields.

struct Selection {
  std::vector<core::ContactId> ids;
  json hidden = json::array();  // {name, value} to carry the selection through the form
  bool by_filter = false;
};

core::Result<Selection> ParseSelection(core::Store& store, core::TenantId tenant,
                                       const core::Form& fields) {
  Selection s;
  if (FormField(fields, "all") == "1") {
    s.by_filter = true;
    auto parsed = app::ParseContactQuery(fields);
    auto ids = app::MatchingContactIds(store, tenant, parsed.query);
    if (!ids) return ids.error();
    s.ids = std::move(*ids);
    s.hidden.push_back({{"name", "all"}, {"value", "1"}});
    for (std::string_view name : {"q", "state", "basis", "kontaktart"}) {
      std::string value = FormField(fields, name);
      if (!value.empty()) s.hidden.push_back({{"name", name}, {"value", value}});
    }
    return s;
  }
  for (const auto& [name, value] : fields) {
    if (name.size() < 2 || name[0] != 'c' || value != "1") continue;
    if (auto id = ParseRowId(std::string_view(name).substr(1))) {
      s.ids.push_back(*id);
      s.hidden.push_back({{"name", name}, {"value", "1"}});
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// The new-mailing form.

struct Draft {
  std::string template_key = std::string(core::kConsentTemplateKey);
  std::string language = "de";
  std::string subject;
  std::string own_text;
  bool lawful = false;
  core::ContactId preview = 0;
};

Draft ParseDraft(const core::Form& fields) {
  Draft d;
  const std::string tpl = FormField(fields, "template");
  if (auto colon = tpl.rfind(':'); colon != std::string::npos) {
    d.template_key = tpl.substr(0, colon);
    d.language = tpl.substr(colon + 1);
  }
  d.subject = FormField(fields, "subject");
  d.own_text = TextareaField(fields, "own_text");
  d.lawful = FormField(fields, "lawful") == "1";
  // A prev/next button wins over the select (both may be in the body).
  std::string step = FormField(fields, "preview_step");
  d.preview = ParseRowId(step.empty() ? FormField(fields, "preview") : step).value_or(0);
  return d;
}

app::MailingRequest RequestOf(const AdminContext& ctx, const Draft& d, const AreaTexts& t,
                              std::vector<core::ContactId> ids) {
  app::MailingRequest r;
  r.tenant = ctx.tenant.id;
  r.created_by = ctx.user.id;
  r.template_key = d.template_key;
  r.language = d.language;
  r.subject = d.subject;
  if (!core::Trim(d.own_text).empty()) {
    // The own text replaces the template's; the mail is then plain text only, so its two
    // bodies cannot say different things.
    r.body_text = d.own_text;
    r.body_html = std::string();
  }
  if (d.lawful) r.lawful_confirmation = t("lawful_statement") + " (" + ctx.user.email + ")";
  r.contacts = std::move(ids);
  return r;
}

// Messages by field: "subject", "own_text", "recipients", "template", "form".
struct FormErrors {
  std::map<std::string, std::vector<std::string>> by_field;
  void Add(const std::string& field, std::string message) {
    by_field[field].push_back(std::move(message));
  }
  bool empty() const { return by_field.empty(); }
};

std::string FieldOfPart(const std::string& part) {
  return part == "subject" ? "subject" : "own_text";
}

void AddProblems(const std::vector<core::TemplateProblem>& problems, const AreaTexts& t,
                 std::string_view lang, FormErrors& errors) {
  for (const auto& p : problems) {
    std::string message = lang == "en" ? p.message_en : p.message_de;
    if (p.line > 0) message = t("line") + " " + std::to_string(p.line) + ": " + message;
    errors.Add(FieldOfPart(p.part), message);
  }
}

void AddFieldErrors(const core::FieldErrors& fields, std::string_view lang, FormErrors& errors) {
  for (const auto& e : fields) {
    errors.Add(e.field == "body_text" ? "own_text" : e.field,
               lang == "en" ? e.message_en : e.message_de);
  }
}

json ErrorsJson(const FormErrors& errors) {
  json by_field = json::object();
  json invalid = json::object();
  json summary = json::array();
  for (const auto& [field, messages] : errors.by_field) {
    invalid[field] = true;
    json list = json::array();
    for (const auto& m : messages) {
      list.push_back({{"message", m}});
      summary.push_back({{"message", m}, {"field", "ml-" + field}});
    }
    by_field[field] = list;
  }
  return {
      {"any", !errors.empty()}, {"by_field", by_field}, {"invalid", invalid}, {"summary", summary}};
}

bool UsableForMailing(const core::MailTemplate& t) {
  return core::RequiredLinkOf(t.key) == "consent_url" && t.key != core::kNewLinkTemplateKey;
}

json TemplateOptions(const std::vector<core::MailTemplate>& templates, const Draft& d) {
  json options = json::array();
  for (const auto& tmpl : templates) {
    if (!UsableForMailing(tmpl)) continue;
    std::string lang_label = tmpl.language == "de" ? "Deutsch" : "English";
    options.push_back({{"value", tmpl.key + ":" + tmpl.language},
                       {"label", tmpl.name + " (" + lang_label + ")"},
                       {"selected", tmpl.key == d.template_key && tmpl.language == d.language}});
  }
  return options;
}

std::string ReasonText(const app::RecipientCheck& r, const AreaTexts& t) {
  if (r.contact.erased) return t("skip_erased");
  return t("skip_" + std::string(core::SkipReasonKey(r.reason)));
}

std::string NameOf(const core::Contact& c) {
  std::string name = core::DisplayName(c.data);
  return name.empty() ? c.data.email : name;
}

json RecipientsJson(const app::MailingPreview& p, const AreaTexts& t) {
  json skipped = json::array();
  std::size_t skipped_count = 0;
  std::size_t need_lawful = 0;
  for (const auto& r : p.recipients) {
    if (r.needs_lawful_confirmation) ++need_lawful;
    if (r.reason == core::SkipReason::kNone && !r.contact.erased) continue;
    ++skipped_count;
    if (skipped.size() >= kShownSkipped) continue;
    skipped.push_back({{"id", r.contact.id},
                       {"name", NameOf(r.contact)},
                       {"email", r.contact.data.email},
                       {"reason", ReasonText(r, t)}});
  }
  const std::size_t checked = p.recipients.size();
  return {{"selected", p.selected},
          {"checked", checked},
          {"partly_checked", p.selected > checked + p.dropped.size()},
          {"mailed", checked - skipped_count},
          {"skipped_count", skipped_count},
          {"skipped", skipped},
          {"skipped_more", skipped_count > skipped.size()},
          {"need_lawful", need_lawful},
          {"has_skipped", skipped_count > 0}};
}

// The HTML view of the previewed mail: GET /admin/mailings/mail-preview (MailPreview).
std::string MailPreviewUrl(const Draft& d, core::ContactId contact) {
  return std::string(kBase) + "/mail-preview?template=" + PercentEncode(d.template_key) + "%3A" +
         PercentEncode(d.language) + "&contact=" + std::to_string(contact);
}

json PreviewJson(const app::MailingPreview& p, const Draft& d) {
  json options = json::array();
  std::size_t at = 0;
  for (std::size_t i = 0; i < p.recipients.size(); ++i) {
    if (p.recipients[i].contact.id == p.previewed) at = i;
  }
  for (std::size_t i = 0; i < p.recipients.size() && i < kPreviewOptions; ++i) {
    const auto& c = p.recipients[i].contact;
    options.push_back(
        {{"value", c.id},
         {"label", NameOf(c) + (c.data.email.empty() ? "" : " <" + c.data.email + ">")},
         {"selected", c.id == p.previewed}});
  }
  json out = {{"options", options}, {"has_mail", p.mail.has_value()}};
  if (at > 0) out["prev"] = {{"id", p.recipients[at - 1].contact.id}};
  if (at + 1 < p.recipients.size()) out["next"] = {{"id", p.recipients[at + 1].contact.id}};
  if (p.mail) {
    out["subject"] = p.mail->subject;
    out["text"] = p.mail->text;
    out["has_html"] = !p.mail->html.empty();
    out["html_src"] = MailPreviewUrl(d, p.previewed);
  }
  return out;
}

// The contacts to mail: the selection without ids the preview found unknown or erased.
std::vector<core::ContactId> SendableIds(const std::vector<core::ContactId>& ids,
                                         const app::MailingPreview& p) {
  std::vector<core::ContactId> left_out = p.dropped;
  for (const auto& r : p.recipients) {
    if (r.contact.erased) left_out.push_back(r.contact.id);
  }
  std::sort(left_out.begin(), left_out.end());
  std::vector<core::ContactId> out;
  for (core::ContactId id : ids) {
    if (!std::binary_search(left_out.begin(), left_out.end(), id)) out.push_back(id);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------

MailingPreparer::MailingPreparer(core::Store& store, const core::Clock& clock,
                                 const core::Crypto& crypto, app::LinkSettings links)
    : store_(store), clock_(clock), crypto_(crypto), links_(std::move(links)) {
  thread_ = std::thread([this] { Run(); });
}

MailingPreparer::~MailingPreparer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void MailingPreparer::Enqueue(core::TenantId tenant, core::MailingId mailing) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(tenant, mailing);
  }
  wake_.notify_one();
}

void MailingPreparer::Run() {
  for (;;) {
    std::pair<core::TenantId, core::MailingId> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    // The safety net of this thread: a failed preparation is resumed at the next start.
    try {
      auto status = app::PrepareMailing(store_, clock_, crypto_, links_, job.first, job.second);
      if (!status) {
        std::fprintf(stderr, "consentd: preparing mailing %lld: %s\n",
                     static_cast<long long>(job.second), status.error().message.c_str());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "consentd: preparing mailing %lld: %s\n",
                   static_cast<long long>(job.second), e.what());
    }
  }
}

// ---------------------------------------------------------------------------------------

AdminMailingsArea::AdminMailingsArea(const AdminServices& services)
    : services_(services),
      preparer_(services.store, services.clock, services.crypto, {services.base_url}) {}

std::optional<Response> AdminMailingsArea::Handle(const AdminContext& ctx) {
  const auto parts = PathBelow(ctx.request.path, kBase);
  if (!parts) return std::nullopt;
  const auto& p = *parts;
  if (p.empty()) {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return List(ctx);
  }
  if (p.size() == 1 && p[0] == "new") return NewMailing(ctx);
  if (p.size() == 1 && p[0] == "mail-preview") {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return MailPreview(ctx);
  }
  const auto id = ParseRowId(p[0]);
  if (!id || ctx.IsPost() || p.size() > 2) return services_.pages.NotFound(ctx);
  if (p.size() == 1) return Progress(ctx, *id);
  if (p[1] == "status") return Status(ctx, *id);
  return services_.pages.NotFound(ctx);
}

namespace {

struct NewMailingPage {
  const AdminContext& ctx;
  const AdminServices& services;
  AreaTexts t;

  // The form with everything worked out for `draft`; `errors` as found so far.
  Response Show(const Selection& selection, const Draft& draft, const app::MailingPreview* preview,
                const std::vector<core::MailTemplate>& templates, const FormErrors& errors,
                int status) const {
    json data = {{"title", t("new_title")},    {"action", std::string(kBase) + "/new"},
                 {"hidden", selection.hidden}, {"templates", TemplateOptions(templates, draft)},
                 {"subject", draft.subject},   {"own_text", draft.own_text},
                 {"lawful", draft.lawful},     {"errors", ErrorsJson(errors)}};
    if (preview != nullptr) {
      data["recipients"] = RecipientsJson(*preview, t);
      data["preview"] = PreviewJson(*preview, draft);
      data["show_lawful"] =
          draft.lawful || data["recipients"]["need_lawful"].get<std::size_t>() > 0;
    }
    return services.pages.Page(ctx, "admin/mailing_new", std::move(data), status);
  }
};

core::Result<std::vector<core::MailTemplate>> LoadTemplates(core::Store& store,
                                                            core::TenantId tenant) {
  std::vector<core::MailTemplate> out;
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    auto list = tx.ListTemplates(tenant);
    if (!list) return list.error();
    out = std::move(*list);
    return {};
  });
  if (!status) return status.error();
  return out;
}

bool TemplateExists(const std::vector<core::MailTemplate>& templates, const Draft& d) {
  return std::any_of(templates.begin(), templates.end(), [&](const core::MailTemplate& t) {
    return UsableForMailing(t) && t.key == d.template_key && t.language == d.language;
  });
}

}  // namespace

Response AdminMailingsArea::NewMailing(const AdminContext& ctx) {
  const core::Form fields = FieldsOf(ctx);
  NewMailingPage page{ctx, services_, AreaTexts{services_.pages, ctx.lang, kTexts}};
  const AreaTexts& t = page.t;
  auto selection = ParseSelection(services_.store, ctx.tenant.id, fields);
  auto templates = LoadTemplates(services_.store, ctx.tenant.id);
  if (!selection || !templates) return services_.pages.NotFound(ctx);
  Draft draft = ParseDraft(fields);
  FormErrors errors;
  if (!TemplateExists(*templates, draft)) {
    if (fields.count("template")) errors.Add("template", t("error_template"));
    draft.template_key = std::string(core::kConsentTemplateKey);
    draft.language = "de";
  }
  if (selection->ids.empty()) errors.Add("recipients", t("error_no_recipients"));
  const bool send = ctx.IsPost() && FormField(fields, "action") == "send";
  app::MailingRequest request = RequestOf(ctx, draft, t, selection->ids);
  auto preview = app::PreviewMailing(services_.store, services_.clock, services_.crypto,
                                     {services_.base_url}, request, draft.preview, kCheckLimit);
  if (!preview) return services_.pages.NotFound(ctx);
  if (send) AddFieldErrors(app::CheckMailingFields(request), ctx.lang, errors);
  AddProblems(preview->problems, t, ctx.lang, errors);
  if (send && errors.empty()) {
    request.contacts = SendableIds(selection->ids, *preview);
    if (request.contacts.empty()) {
      errors.Add("recipients", t("error_no_recipients"));
    } else {
      auto id = app::CreateMailing(services_.store, services_.clock, request, ActorOf(ctx));
      if (id) {
        preparer_.Enqueue(ctx.tenant.id, *id);
        return AdminPages::SeeOther(std::string(kBase) + "/" + std::to_string(*id), "ml_created");
      }
      errors.Add("form", t("error_send_failed"));
    }
  }
  const int status = send ? 422 : 200;
  return page.Show(*selection, draft, &*preview, *templates, errors, status);
}

// The previewed mail's HTML for one contact of the tenant: GET ?template=key:lang&contact=id.
// 404 for a contact of another tenant, an unknown one, or a template that is not usable.
Response AdminMailingsArea::MailPreview(const AdminContext& ctx) {
  const core::Form fields = FieldsOf(ctx);
  const Draft draft = ParseDraft(fields);
  const auto contact = ParseRowId(FormField(fields, "contact"));
  auto templates = LoadTemplates(services_.store, ctx.tenant.id);
  if (!contact || !templates || !TemplateExists(*templates, draft)) {
    return services_.pages.NotFound(ctx);
  }
  app::MailingRequest request =
      RequestOf(ctx, draft, AreaTexts{services_.pages, ctx.lang, kTexts}, {*contact});
  auto preview = app::PreviewMailing(services_.store, services_.clock, services_.crypto,
                                     {services_.base_url}, request, *contact, 1);
  if (!preview || !preview->mail || preview->previewed != *contact || preview->mail->html.empty()) {
    return services_.pages.NotFound(ctx);
  }
  return AdminPages::MailPreview(std::move(preview->mail->html));
}

// ---------------------------------------------------------------------------------------
// The list and the progress page.

namespace {

constexpr std::array<core::MessageState, 7> kShownStates = {
    core::MessageState::kPending, core::MessageState::kQueued,   core::MessageState::kSending,
    core::MessageState::kSent,    core::MessageState::kDeferred, core::MessageState::kFailed,
    core::MessageState::kSkipped};

// Counts and progress of a mailing, for the page and for /status.
json CountsJson(const app::MailingSummary& s) {
  using S = core::MessageState;
  json out = json::object();
  for (S state : kShownStates) out[std::string(core::MessageStateKey(state))] = s.Count(state);
  const std::int64_t total = s.Total();
  const std::int64_t handled = s.Count(S::kSent) + s.Count(S::kFailed) + s.Count(S::kSkipped);
  out["total"] = total;
  out["bar_max"] = std::max<std::int64_t>(total, 1);
  out["handled"] = handled;
  out["percent"] = total == 0 ? 100 : handled * 100 / total;
  out["finished"] = s.Finished();
  out["state"] = core::MailingStateKey(s.mailing.state);
  return out;
}

std::string UserName(core::ReadTx& tx, core::TenantId tenant, core::UserId id) {
  auto user = tx.FindUser(tenant, id);
  if (!user) return "—";
  return user->name.empty() ? user->email : user->name;
}

}  // namespace

Response AdminMailingsArea::List(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const core::MailingId before = ParseRowId(ctx.request.Query("before")).value_or(0);
  auto summaries =
      app::ListMailingSummaries(services_.store, ctx.tenant.id, before, kMailingsPerPage + 1);
  if (!summaries) return services_.pages.NotFound(ctx);
  const bool has_next = summaries->size() > static_cast<std::size_t>(kMailingsPerPage);
  if (has_next) summaries->pop_back();
  json rows = json::array();
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    for (const auto& s : *summaries) {
      json counts = CountsJson(s);
      rows.push_back(
          {{"id", s.mailing.id},
           {"href", std::string(kBase) + "/" + std::to_string(s.mailing.id)},
           {"date", AdminDateTime(s.mailing.created_at, ctx.lang)},
           {"subject", s.mailing.subject},
           {"author", UserName(tx, ctx.tenant.id, s.mailing.created_by)},
           {"counts", counts},
           {"state_label", counts["finished"].get<bool>() ? t("state_done") : t("state_running")}});
    }
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  json data = {{"title", t("list_title")}, {"rows", rows}, {"has_rows", !rows.empty()}};
  if (has_next) {
    data["next_href"] =
        std::string(kBase) + "?before=" + std::to_string(summaries->back().mailing.id);
  }
  return services_.pages.Page(ctx, "admin/mailing_list", std::move(data));
}

namespace {

json MessageRow(core::ReadTx& tx, const core::Message& m, const AreaTexts& t,
                std::string_view lang) {
  std::string name = m.to_name;
  std::string email = m.to_address;
  if (email.empty()) {
    if (auto c = tx.FindContact(m.tenant_id, m.contact_id)) {
      name = c->erased ? t("skip_erased") : NameOf(*c);
      email = c->erased ? "" : c->data.email;
    }
  }
  std::string detail = m.smtp_reply;
  if (m.state == core::MessageState::kSkipped) detail = t("skip_" + m.skip_reason);
  std::string last = m.sent_at ? AdminDateTime(*m.sent_at, lang) : "";
  if (!m.sent_at && m.state == core::MessageState::kDeferred && m.next_attempt_at) {
    last = t("next_attempt") + " " + AdminDateTime(*m.next_attempt_at, lang);
  }
  const std::string state(core::MessageStateKey(m.state));
  return {{"contact_href", "/admin/contacts/" + std::to_string(m.contact_id)},
          {"name", name.empty() ? email : name},
          {"email", email},
          {"state", state},
          {"state_label", t("state_" + state)},
          {"attempts", m.attempts},
          {"last", last},
          {"detail", detail}};
}

}  // namespace

Response AdminMailingsArea::Progress(const AdminContext& ctx, core::MailingId id) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  auto summary = app::SummarizeMailing(services_.store, ctx.tenant.id, id);
  if (!summary) return services_.pages.NotFound(ctx);
  const std::int64_t after = ParseRowId(ctx.request.Query("after")).value_or(0);
  json rows = json::array();
  json data = {{"title", t("progress_title")}};
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto messages = tx.ListMessages(ctx.tenant.id, id, std::nullopt, after, kMessagesPerPage + 1);
    if (!messages) return messages.error();
    const bool has_next = messages->size() > static_cast<std::size_t>(kMessagesPerPage);
    if (has_next) messages->pop_back();
    for (const auto& m : *messages) rows.push_back(MessageRow(tx, m, t, ctx.lang));
    const std::string self = std::string(kBase) + "/" + std::to_string(id);
    if (has_next) data["next_href"] = self + "?after=" + std::to_string(messages->back().id);
    if (after > 0) data["first_href"] = self;
    data["author"] = UserName(tx, ctx.tenant.id, summary->mailing.created_by);
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  const auto& m = summary->mailing;
  json counts = CountsJson(*summary);
  json stats = json::array();
  for (core::MessageState s : kShownStates) {
    const std::string key(core::MessageStateKey(s));
    stats.push_back({{"key", key}, {"label", t("state_" + key)}, {"value", counts[key]}});
  }
  data.update({{"id", m.id},
               {"subject", m.subject},
               {"date", AdminDateTime(m.created_at, ctx.lang)},
               {"template", m.template_key + " (" + m.language + ")"},
               {"lawful_confirmation", m.lawful_confirmation},
               {"counts", counts},
               {"stats", stats},
               {"finished", counts["finished"]},
               {"status_url", std::string(kBase) + "/" + std::to_string(id) + "/status"},
               {"self_url", std::string(kBase) + "/" + std::to_string(id)},
               {"rows", rows},
               {"has_rows", !rows.empty()}});
  return services_.pages.Page(ctx, "admin/mailing_progress", std::move(data));
}

Response AdminMailingsArea::Status(const AdminContext& ctx, core::MailingId id) {
  auto summary = app::SummarizeMailing(services_.store, ctx.tenant.id, id);
  if (!summary) return services_.pages.NotFound(ctx);
  Response r = AdminPages::Json(CountsJson(*summary));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace consentd::http
