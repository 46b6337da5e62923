#include "app/deletion_inbox.h"

#include <algorithm>
#include <array>
#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

#include "app/admin.h"
#include "app/erasure.h"
#include "app/evidence.h"
#include "app/mail_templates.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kFooterDe =
    "\n\nMit freundlichen Grüßen\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Impressum: {{impressum_url}}\nDatenschutz: {{datenschutz_url}}\n";
constexpr std::string_view kFooterEn =
    "\n\nKind regards\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Imprint: {{impressum_url}}\nPrivacy notice: {{datenschutz_url}}\n";

struct TemplateText {
  std::string_view key, language, name, subject, body;
};

constexpr std::array<TemplateText, 8> kTemplates = {{
    {kDeletionErasedTemplate, "de", "Löschung: Daten gelöscht", "Ihre Daten wurden gelöscht",
     "{{anrede_brief}}\n\nwie von Ihnen beantragt (Art. 17 DSGVO), haben wir Ihre "
     "personenbezogenen Daten gelöscht. Ihre E-Mail-Adresse haben wir nur in verschlüsselter "
     "Form (als Prüfsumme) auf unserer Sperrliste behalten, damit Sie keine E-Mails mehr von "
     "uns erhalten. Ihr persönlicher Link ist ungültig."},
    {kDeletionErasedTemplate, "en", "Erasure: data erased", "Your data has been erased",
     "{{anrede_brief}}\n\nas you requested (Art. 17 GDPR), we have erased your personal "
     "data. We keep your e-mail address only in hashed form on our suppression list, so that "
     "you receive no more e-mails from us. Your personal link no longer works."},
    {kDeletionRetainedTemplate, "de", "Löschung: Aufbewahrungspflicht",
     "Ihr Antrag auf Löschung Ihrer Daten",
     "{{anrede_brief}}\n\nIhre Daten können wir derzeit nicht vollständig löschen, weil uns "
     "eine gesetzliche Aufbewahrungspflicht trifft (Art. 17 Abs. 3 lit. b DSGVO):\n\n"
     "{{grund}}\n\nBis zum {{frist}} sind Ihre Daten gesperrt: Wir verwenden sie für nichts "
     "anderes als die Erfüllung dieser Pflicht und kontaktieren Sie nicht. Danach löschen wir "
     "sie. Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren."},
    {kDeletionRetainedTemplate, "en", "Erasure: retention duty", "Your request for erasure",
     "{{anrede_brief}}\n\nwe cannot erase all of your data yet, because a legal retention "
     "duty applies to us (Art. 17(3)(b) GDPR):\n\n{{grund}}\n\nUntil {{frist}} your data is "
     "restricted: we use it for nothing but this duty and will not contact you. Then we erase "
     "it. You have the right to lodge a complaint with a data protection authority."},
    {kDeletionRejectedTemplate, "de", "Löschung: Antrag abgelehnt",
     "Ihr Antrag auf Löschung Ihrer Daten",
     "{{anrede_brief}}\n\nIhrem Antrag auf Löschung Ihrer Daten können wir aus folgendem "
     "Grund nicht nachkommen:\n\n{{grund}}\n\nSie haben das Recht, sich bei einer "
     "Datenschutz-Aufsichtsbehörde zu beschweren und einen gerichtlichen Rechtsbehelf "
     "einzulegen (Art. 12 Abs. 4 DSGVO)."},
    {kDeletionRejectedTemplate, "en", "Erasure: request rejected", "Your request for erasure",
     "{{anrede_brief}}\n\nwe cannot comply with your request to erase your data, for this "
     "reason:\n\n{{grund}}\n\nYou have the right to lodge a complaint with a data protection "
     "authority and to seek a judicial remedy (Art. 12(4) GDPR)."},
    {kDeletionExtendedTemplate, "de", "Löschung: Frist verlängert",
     "Ihr Antrag auf Löschung Ihrer Daten",
     "{{anrede_brief}}\n\nIhren Antrag auf Löschung Ihrer Daten bearbeiten wir. Wir "
     "benötigen dafür mehr Zeit und verlängern die Frist (Art. 12 Abs. 3 DSGVO) bis zum "
     "{{frist}}. Der Grund:\n\n{{grund}}"},
    {kDeletionExtendedTemplate, "en", "Erasure: deadline extended", "Your request for erasure",
     "{{anrede_brief}}\n\nwe are working on your request to erase your data. We need more "
     "time and extend the deadline (Art. 12(3) GDPR) to {{frist}}. The reason:\n\n{{grund}}"},
}};

constexpr std::array<std::pair<Decision, std::string_view>, 4> kDecisions = {{
    {Decision::kErase, "erase"},
    {Decision::kRetain, "retain"},
    {Decision::kReject, "reject"},
    {Decision::kExtend, "extend"},
}};

core::FieldError Error(std::string field, std::string de, std::string en) {
  return {std::move(field), std::move(de), std::move(en)};
}

mustache::data ToData(const TemplateValues& values) {
  mustache::data d{mustache::data::type::object};
  for (const auto& [k, v] : values) {
    if (v.empty()) {
      d.set(k, mustache::data{false});
    } else {
      d.set(k, v);
    }
  }
  return d;
}

// Renders one part; plain text and subject unescaped, HTML escaped.
std::string RenderPart(const std::string& part, const mustache::data& data, bool html) {
  if (part.empty()) return "";
  mustache::mustache tmpl(part);
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl.render(data);
}

// Queues one mail outside a mailing; returns the message's id.
Result<std::int64_t> QueueNotice(core::WriteTx& tx, const core::Crypto& crypto,
                                 const core::Tenant& tenant, core::ContactId contact,
                                 const std::string& to_address, const std::string& to_name,
                                 const RenderedMail& mail, core::Time now) {
  core::Message m;
  m.tenant_id = tenant.id;
  m.kind = core::MessageKind::kNotice;
  m.contact_id = contact;
  m.created_at = now;
  auto id = tx.InsertMessage(m);
  if (!id) return id.error();
  m.id = *id;
  m.state = core::MessageState::kQueued;
  m.to_address = to_address;
  m.to_name = to_name;
  m.subject = mail.subject;
  m.body_text = mail.text;
  m.body_html = mail.html;
  m.message_id = NewMessageId(crypto, tenant, m.id);
  m.next_attempt_at = now;
  CONSENTD_RETURN_IF_ERROR(tx.UpdateMessage(m));
  return *id;
}

std::string_view TemplateOf(Decision d) {
  switch (d) {
    case Decision::kErase:
      return kDeletionErasedTemplate;
    case Decision::kRetain:
      return kDeletionRetainedTemplate;
    case Decision::kReject:
      return kDeletionRejectedTemplate;
    case Decision::kExtend:
      return kDeletionExtendedTemplate;
  }
  return kDeletionErasedTemplate;
}

// Queues the outcome mail to the person in their language; 0 when they have no address.
Result<std::int64_t> QueueOutcomeMail(core::WriteTx& tx, const core::Crypto& crypto,
                                      const core::Contact& contact, Decision decision,
                                      const std::string& reason, std::optional<core::Time> frist,
                                      core::Time now) {
  if (contact.data.email.empty()) return std::int64_t{0};
  auto tenant = tx.FindTenant(contact.tenant_id);
  if (!tenant) return tenant.error();
  CONSENTD_RETURN_IF_ERROR(EnsureDeletionTemplates(tx, contact.tenant_id, now));
  const std::string language = contact.data.sprache == "en" ? "en" : "de";
  auto tmpl = tx.FindTemplate(contact.tenant_id, TemplateOf(decision), language);
  if (!tmpl) return tmpl.error();
  TemplateValues values = TenantValues(*tenant);
  AddContactValues(contact.data, values);
  values["grund"] = reason;
  values["frist"] = frist ? core::FormatGermanDate(*frist) : "";
  mustache::data data = ToData(values);
  RenderedMail mail{RenderPart(tmpl->subject, data, false),
                    RenderPart(tmpl->body_text, data, false),
                    RenderPart(tmpl->body_html, data, true)};
  return QueueNotice(tx, crypto, *tenant, contact.id, contact.data.email,
                     core::DisplayName(contact.data), mail, now);
}

// The tenant's users who handle requests: active admins and brokers.
Result<std::vector<core::User>> Handlers(core::ReadTx& tx, core::TenantId tenant) {
  auto users = tx.ListUsers(tenant);
  if (!users) return users.error();
  std::vector<core::User> out;
  for (auto& u : *users) {
    if (u.active && u.role != core::Role::kSystem && !u.email.empty()) out.push_back(u);
  }
  return out;
}

// A notice to every handler. No personal data of the person: the mail names the request.
Status NotifyHandlers(core::WriteTx& tx, const core::Crypto& crypto, core::TenantId tenant,
                      const RenderedMail& mail, core::Time now) {
  auto t = tx.FindTenant(tenant);
  if (!t) return t.error();
  auto users = Handlers(tx, tenant);
  if (!users) return users.error();
  for (const auto& u : *users) {
    auto id = QueueNotice(tx, crypto, *t, 0, u.email, u.name, mail, now);
    if (!id) return id.error();
  }
  return {};
}

RenderedMail NewRequestMail(std::int64_t request_id, core::Time due_at) {
  const std::string id = std::to_string(request_id);
  const std::string due = core::FormatGermanDate(due_at);
  return {"Neuer Löschantrag Nr. " + id + " – zu bearbeiten bis " + due,
          "Guten Tag,\n\nüber die Einwilligungsseite ist ein Antrag auf Löschung "
          "(Art. 17 DSGVO) eingegangen: Antrag Nr. " +
              id + ".\n\nBitte entscheiden Sie bis zum " + due +
              " (Art. 12 Abs. 3 DSGVO) in consentd unter „Löschanträge“ "
              "(/admin/deletions/" +
              id + ").\n\n-- \nconsentd\n",
          ""};
}

RenderedMail ReminderMail(std::int64_t request_id, core::Time due_at) {
  const std::string id = std::to_string(request_id);
  const std::string due = core::FormatGermanDate(due_at);
  return {"Erinnerung: Löschantrag Nr. " + id + " ist am " + due + " fällig",
          "Guten Tag,\n\nder Löschantrag Nr. " + id + " ist noch offen und am " + due +
              " fällig (Art. 12 Abs. 3 DSGVO). Bitte entscheiden Sie in consentd unter "
              "„Löschanträge“ (/admin/deletions/" +
              id + ").\n\n-- \nconsentd\n",
          ""};
}

std::optional<core::Time> ParseDate(const std::string& s) {
  return core::ParseIso(s + "T00:00:00Z");
}

// Checks the input against the request; errors at fields.
core::FieldErrors Validate(const DecisionInput& in, const core::DeletionCase& c, core::Time now) {
  core::FieldErrors errors;
  const bool hold_ended =
      c.request.status == "retained" && c.retain_until && *c.retain_until <= now;
  if (c.request.status != "open" && !(hold_ended && in.decision == Decision::kErase)) {
    errors.push_back(Error("decision", "Über diesen Antrag wurde bereits entschieden.",
                           "This request has been decided already."));
    return errors;
  }
  const bool reason_needed = in.decision != Decision::kErase;
  if (reason_needed && core::Trim(in.reason).empty()) {
    errors.push_back(Error("reason", "Bitte geben Sie einen Grund an.", "Please give a reason."));
  }
  core::CheckText("reason", in.reason, 2000, errors);
  switch (in.decision) {
    case Decision::kErase:
      if (!in.confirmed) {
        errors.push_back(
            Error("confirm", "Bitte bestätigen Sie die Löschung.", "Please confirm the erasure."));
      }
      break;
    case Decision::kRetain:
      if (in.rule_id == 0 && in.retain_until.empty()) {
        errors.push_back(Error("rule_id", "Bitte wählen Sie eine Löschfrist oder ein Enddatum.",
                               "Please choose a retention period or an end date."));
      } else if (!in.retain_until.empty()) {
        auto until = ParseDate(in.retain_until);
        if (!until || *until <= now) {
          errors.push_back(Error("retain_until",
                                 "Bitte ein Datum in der Zukunft angeben (TT.MM.JJJJ).",
                                 "Please give a date in the future."));
        }
      }
      break;
    case Decision::kReject:
      break;
    case Decision::kExtend:
      if (in.months < 1 || in.months > core::kMaxExtensionMonths) {
        errors.push_back(Error("months", "Bitte um einen oder zwei Monate verlängern.",
                               "Please extend by one or two months."));
      } else if (c.extended_months + in.months > core::kMaxExtensionMonths) {
        errors.push_back(Error("months",
                               "Die Frist darf insgesamt um höchstens zwei Monate verlängert "
                               "werden (Art. 12 Abs. 3 DSGVO).",
                               "The deadline may be extended by two months at most in total "
                               "(Art. 12(3) GDPR)."));
      }
      break;
  }
  return errors;
}

struct Applied {
  std::string status;  // the request's new status ("open" for an extension)
  std::optional<core::Time> frist;
};

// Fills the decision fields of `c` for `in`; for a hold, looks the rule up.
Result<Applied> Apply(core::WriteTx& tx, const DecisionInput& in, core::DeletionCase& c,
                      const Actor& actor, core::Time now, core::FieldErrors& errors) {
  c.decided_at = now;
  c.decided_by = actor.user;
  switch (in.decision) {
    case Decision::kErase:
      c.decision_reason = in.reason;
      return Applied{"erased", std::nullopt};
    case Decision::kReject:
      c.decision_reason = in.reason;
      return Applied{"rejected", std::nullopt};
    case Decision::kExtend:
      c.decided_at.reset();  // still open: only the deadline moved
      c.request.due_at = core::AddMonths(c.request.due_at, in.months);
      c.extended_months += in.months;
      c.extension_reason = in.reason;
      c.reminder_sent_at.reset();  // remind again before the new deadline
      return Applied{"open", c.request.due_at};
    case Decision::kRetain:
      break;
  }
  c.decision_reason = in.reason;
  std::optional<core::Time> until;
  if (!in.retain_until.empty()) until = ParseDate(in.retain_until);
  if (in.rule_id != 0) {
    auto rules = tx.ListRetentionRules(actor.tenant);
    if (!rules) return rules.error();
    auto rule = std::find_if(rules->begin(), rules->end(),
                             [&](const auto& r) { return r.id == in.rule_id; });
    if (rule == rules->end()) {
      errors.push_back(Error("rule_id", "Bitte wählen Sie eine der Löschfristen.",
                             "Please choose one of the retention periods."));
      return Applied{};
    }
    c.retention_rule =
        rule->name + (rule->legal_reference.empty() ? "" : " (" + rule->legal_reference + ")");
    if (!until) until = core::AddMonths(now, rule->months);
  }
  c.retain_until = until;
  return Applied{"retained", until};
}

// The audit entry's detail: the decision's ids, dates and counts, without the reason the
// broker typed (free text may name the person; the audit log cannot be scrubbed by an
// erasure — the activity, which erasure can delete, keeps it).
json AuditDetail(const json& payload) {
  json out = json::object();
  for (const char* key : {"decision", "deletion_request_id", "due_at", "outcome_message_id",
                          "retain_until", "extended_months_total"}) {
    if (payload.contains(key)) out[key] = payload[key];
  }
  out["reason_given"] = !payload.value("reason", std::string()).empty();
  return out;
}

json DecisionPayload(const DecisionInput& in, const core::DeletionCase& c, core::Time now,
                     std::int64_t message_id) {
  json p = {{"act", "deletion_decision"},
            {"time", core::FormatIso(now)},
            {"decision", DecisionKey(in.decision)},
            {"deletion_request_id", c.request.id},
            {"reason", in.reason},
            {"due_at", core::FormatIso(c.request.due_at)},
            {"outcome_message_id", message_id == 0 ? json(nullptr) : json(message_id)}};
  if (in.decision == Decision::kRetain) {
    p["retention_rule"] = c.retention_rule;
    p["retain_until"] = c.retain_until ? core::FormatIso(*c.retain_until) : "";
  }
  if (in.decision == Decision::kExtend) p["extended_months_total"] = c.extended_months;
  return p;
}

// The decision inside one unit; errors at fields leave the unit without writing.
Status DecideInTx(core::WriteTx& tx, const core::Crypto& crypto, const Actor& actor,
                  std::int64_t request_id, const DecisionInput& in, core::Time now,
                  DecisionOutcome& outcome) {
  auto c = tx.FindDeletionCase(actor.tenant, request_id);
  if (!c) return c.error();
  outcome.errors = Validate(in, *c, now);
  if (!outcome.errors.empty()) return {};
  auto contact = tx.FindContact(actor.tenant, c->request.contact_id);
  if (!contact) return contact.error();
  auto applied = Apply(tx, in, *c, actor, now, outcome.errors);
  if (!applied) return applied.error();
  if (!outcome.errors.empty()) return {};
  auto message =
      QueueOutcomeMail(tx, crypto, *contact, in.decision, in.reason, applied->frist, now);
  if (!message) return message.error();
  CONSENTD_RETURN_IF_ERROR(tx.SaveDeletionDecision(*c));
  if (applied->status != c->request.status) {
    CONSENTD_RETURN_IF_ERROR(
        tx.SetDeletionRequestStatus(actor.tenant, request_id, applied->status));
  }
  if (in.decision == Decision::kErase) {
    std::string reason = in.reason.empty() ? "Antrag auf Löschung (Art. 17 DSGVO)" : in.reason;
    return EraseInTx(tx, crypto, actor, c->request.contact_id,
                     ErasureOptions{reason, *message, request_id}, now);
  }
  const json payload = DecisionPayload(in, *c, now, *message);
  CONSENTD_RETURN_IF_ERROR(AppendActivity(tx, crypto, actor.tenant, c->request.contact_id,
                                          core::ActivityType::kLoeschentscheidung, actor.user, now,
                                          payload));
  return WriteAudit(tx, actor, "deletion." + std::string(DecisionKey(in.decision)),
                    "deletion_request:" + std::to_string(request_id), AuditDetail(payload), now);
}

}  // namespace

std::vector<core::MailTemplate> DeletionTemplates(core::TenantId tenant, core::Time now) {
  std::vector<core::MailTemplate> out;
  for (const auto& t : kTemplates) {
    std::string body(t.body);
    body += t.language == "de" ? kFooterDe : kFooterEn;
    out.push_back({0, tenant, std::string(t.key), std::string(t.language), std::string(t.name),
                   std::string(t.subject), body, "", now});
  }
  return out;
}

Status EnsureDeletionTemplates(core::WriteTx& tx, core::TenantId tenant, core::Time now) {
  for (const auto& t : DeletionTemplates(tenant, now)) {
    auto found = tx.FindTemplate(tenant, t.key, t.language);
    if (found) continue;
    if (found.error().code != core::ErrorCode::kNotFound) return found.error();
    CONSENTD_RETURN_IF_ERROR(tx.SaveTemplate(t));
  }
  return {};
}

std::optional<Decision> ParseDecision(std::string_view key) {
  for (const auto& [d, k] : kDecisions) {
    if (k == key) return d;
  }
  return std::nullopt;
}

std::string_view DecisionKey(Decision d) {
  for (const auto& [dd, k] : kDecisions) {
    if (dd == d) return k;
  }
  return "";
}

DecisionInput DecisionFromForm(const core::Form& form) {
  auto get = [&](std::string_view k) -> std::string {
    auto it = form.find(k);
    return it == form.end() ? "" : it->second;
  };
  DecisionInput in;
  in.decision = ParseDecision(get("decision")).value_or(Decision::kErase);
  in.confirmed = get("confirm") == "1";
  std::string reason = get("reason");  // a textarea: its line breaks become spaces
  std::replace_if(
      reason.begin(), reason.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
  in.reason = core::Trim(reason);
  in.retain_until = core::Trim(get("retain_until"));
  const std::string rule = get("rule_id");
  in.rule_id =
      !rule.empty() && rule.size() < 18 &&
              std::all_of(rule.begin(), rule.end(), [](char ch) { return ch >= '0' && ch <= '9'; })
          ? std::stoll(rule)
          : 0;
  const std::string months = get("months");
  in.months = months == "1" ? 1 : months == "2" ? 2 : 0;
  return in;
}

Result<DecisionOutcome> Decide(core::Store& store, const core::Clock& clock,
                               const core::Crypto& crypto, const Actor& actor,
                               std::int64_t request_id, const DecisionInput& input) {
  if (!ParseDecision(DecisionKey(input.decision))) return core::InvalidArgument("decision");
  DecisionOutcome outcome;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    outcome = {};
    Status s = DecideInTx(tx, crypto, actor, request_id, input, clock.Now(), outcome);
    if (s && !outcome.errors.empty()) return core::InvalidArgument("form errors");  // roll back
    return s;
  });
  if (!status && !outcome.errors.empty()) return outcome;
  if (!status) return status.error();
  return outcome;
}

Result<std::vector<InboxEntry>> ListInbox(core::Store& store, core::TenantId tenant,
                                          const core::DeletionQuery& query) {
  std::vector<InboxEntry> out;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto cases = tx.ListDeletionCases(tenant, query);
    if (!cases) return cases.error();
    for (auto& c : *cases) {
      InboxEntry e;
      e.overdue = c.request.status == "open" && c.request.due_at < query.now;
      e.hold_ended =
          c.request.status == "retained" && c.retain_until && *c.retain_until <= query.now;
      e.c = std::move(c);
      out.push_back(std::move(e));
    }
    return {};
  }));
  return out;
}

Result<DeletionDetail> LoadDetail(core::Store& store, core::TenantId tenant,
                                  std::int64_t request_id, core::Time now) {
  DeletionDetail d;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto c = tx.FindDeletionCase(tenant, request_id);
    if (!c) return c.error();
    d.entry.overdue = c->request.status == "open" && c->request.due_at < now;
    d.entry.hold_ended =
        c->request.status == "retained" && c->retain_until && *c->retain_until <= now;
    d.entry.c = *c;
    auto contact = tx.FindContact(tenant, c->request.contact_id);
    if (!contact) return contact.error();
    d.contact = *contact;
    auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (purpose) {
      auto consent = tx.FindConsent(tenant, contact->id, purpose->id);
      if (!consent) return consent.error();
      d.consent = *consent;
    }
    auto profiles = tx.ListSearchProfiles(tenant, contact->id);
    if (!profiles) return profiles.error();
    d.search_profiles = profiles->size();
    auto activities = tx.ListActivities(tenant, contact->id);
    if (!activities) return activities.error();
    d.activities = activities->size();
    auto rules = tx.ListRetentionRules(tenant);
    if (!rules) return rules.error();
    d.rules = std::move(*rules);
    return {};
  }));
  return d;
}

Status NotifyBrokersOfRequest(core::WriteTx& tx, const core::Crypto& crypto, core::TenantId tenant,
                              std::int64_t request_id, core::Time due_at, core::Time now) {
  return NotifyHandlers(tx, crypto, tenant, NewRequestMail(request_id, due_at), now);
}

namespace {

// How long after an erasure the outcome mail's traces are looked for.
constexpr auto kScrubWindow = std::chrono::days(30);

Status RemindTenant(core::Store& store, const core::Crypto& crypto, core::TenantId tenant,
                    core::Time now) {
  const core::Time due_before = now + std::chrono::days(kReminderDaysBeforeDue);
  std::vector<core::DeletionCase> due;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.ListRemindableDeletionCases(tenant, due_before);
    if (!found) return found.error();
    due = std::move(*found);
    return {};
  }));
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(tx.ScrubErasedContacts(tenant, now - kScrubWindow));
    for (const auto& c : due) {
      // Marked first: of two nodes running at once, only one sends.
      auto marked = tx.MarkDeletionReminderSent(tenant, c.request.id, now);
      if (!marked) return marked.error();
      if (!*marked) continue;
      CONSENTD_RETURN_IF_ERROR(
          NotifyHandlers(tx, crypto, tenant, ReminderMail(c.request.id, c.request.due_at), now));
    }
    return {};
  });
}

}  // namespace

Status SendDeletionReminders(core::Store& store, const core::Clock& clock,
                             const core::Crypto& crypto) {
  auto tenants = AllTenants(store);
  if (!tenants) return tenants.error();
  const core::Time now = clock.Now();
  Status first_error;
  for (const auto& t : *tenants) {
    Status s = RemindTenant(store, crypto, t.id, now);
    if (!s && first_error) first_error = s;  // one tenant's failure does not stop the others
  }
  return first_error;
}

}  // namespace consentd::app
