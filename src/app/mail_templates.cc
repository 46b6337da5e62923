#include "app/mail_templates.h"

#include <algorithm>
#include <kainjow/mustache.hpp>

#include "core/link_token.h"
#include "core/validation.h"

namespace consentd::app {
namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kTextDe =
    "{{anrede_brief}}\n\n"
    "wir möchten die Daten, die wir zu Ihnen gespeichert haben, aktuell halten und Sie nur so "
    "kontaktieren, wie Sie es wünschen.\n\n"
    "Über Ihren persönlichen Link können Sie\n"
    "- uns Ihre Einwilligung geben, Sie zum Zweck der Akquisition und Vermittlung von "
    "Immobilien zu kontaktieren,\n"
    "- Ihre Kontaktdaten prüfen, korrigieren oder ergänzen,\n"
    "- Ihre Suchprofile ändern oder ein neues anlegen,\n"
    "- Ihre gespeicherten Daten herunterladen oder deren Löschung beantragen.\n\n"
    "{{consent_url}}\n\n"
    "Der Link ist persönlich und gilt bis zum {{link_gueltig_bis}}. Ihre Einwilligung ist "
    "freiwillig. Sie können sie jederzeit auf derselben Seite oder mit einer kurzen Nachricht "
    "an {{makler_email}} widerrufen. Wenn Sie nicht einwilligen, entstehen Ihnen keine "
    "Nachteile.\n\n"
    "Mit freundlichen Grüßen\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Impressum: {{impressum_url}}\nDatenschutz: {{datenschutz_url}}\n";

constexpr std::string_view kHtmlDe =
    "<p>{{anrede_brief}}</p>\n"
    "<p>wir möchten die Daten, die wir zu Ihnen gespeichert haben, aktuell halten und Sie nur "
    "so kontaktieren, wie Sie es wünschen.</p>\n"
    "<p>Über Ihren persönlichen Link können Sie</p>\n<ul>\n"
    "<li>uns Ihre Einwilligung geben, Sie zum Zweck der Akquisition und Vermittlung von "
    "Immobilien zu kontaktieren,</li>\n"
    "<li>Ihre Kontaktdaten prüfen, korrigieren oder ergänzen,</li>\n"
    "<li>Ihre Suchprofile ändern oder ein neues anlegen,</li>\n"
    "<li>Ihre gespeicherten Daten herunterladen oder deren Löschung beantragen.</li>\n</ul>\n"
    "<p><a href=\"{{consent_url}}\">Zu Ihrer persönlichen Seite</a></p>\n"
    "<p>Der Link ist persönlich und gilt bis zum {{link_gueltig_bis}}. Ihre Einwilligung ist "
    "freiwillig. Sie können sie jederzeit auf derselben Seite oder mit einer kurzen Nachricht "
    "an {{makler_email}} widerrufen. Wenn Sie nicht einwilligen, entstehen Ihnen keine "
    "Nachteile.</p>\n"
    "<p>Mit freundlichen Grüßen<br>{{signatur}}</p>\n"
    "<p style=\"font-size:small;color:#555\">{{makler_firma}}, {{makler_adresse}}<br>"
    "<a href=\"{{impressum_url}}\">Impressum</a> · "
    "<a href=\"{{datenschutz_url}}\">Datenschutz</a></p>\n";

constexpr std::string_view kTextEn =
    "{{anrede_brief}}\n\n"
    "we would like to keep the data we hold about you up to date and to contact you only in "
    "the way you wish.\n\n"
    "With your personal link you can\n"
    "- give us your consent to contact you for the purpose of acquiring and brokering real "
    "estate,\n"
    "- check, correct or complete your contact details,\n"
    "- change your search profiles or add a new one,\n"
    "- download your stored data or request its deletion.\n\n"
    "{{consent_url}}\n\n"
    "The link is personal and valid until {{link_gueltig_bis}}. Your consent is voluntary. "
    "You can withdraw it at any time on the same page or with a short message to "
    "{{makler_email}}. Not consenting has no disadvantages for you.\n\n"
    "Kind regards\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Imprint: {{impressum_url}}\nPrivacy notice: {{datenschutz_url}}\n";

constexpr std::string_view kHtmlEn =
    "<p>{{anrede_brief}}</p>\n"
    "<p>we would like to keep the data we hold about you up to date and to contact you only "
    "in the way you wish.</p>\n<p>With your personal link you can</p>\n<ul>\n"
    "<li>give us your consent to contact you for the purpose of acquiring and brokering real "
    "estate,</li>\n<li>check, correct or complete your contact details,</li>\n"
    "<li>change your search profiles or add a new one,</li>\n"
    "<li>download your stored data or request its deletion.</li>\n</ul>\n"
    "<p><a href=\"{{consent_url}}\">Open your personal page</a></p>\n"
    "<p>The link is personal and valid until {{link_gueltig_bis}}. Your consent is voluntary. "
    "You can withdraw it at any time on the same page or with a short message to "
    "{{makler_email}}. Not consenting has no disadvantages for you.</p>\n"
    "<p>Kind regards<br>{{signatur}}</p>\n"
    "<p style=\"font-size:small;color:#555\">{{makler_firma}}, {{makler_adresse}}<br>"
    "<a href=\"{{impressum_url}}\">Imprint</a> · "
    "<a href=\"{{datenschutz_url}}\">Privacy notice</a></p>\n";

constexpr std::string_view kNewLinkTextDe =
    "{{anrede_brief}}\n\n"
    "Sie haben einen neuen Link zu Ihrer persönlichen Seite angefordert. Dort können Sie Ihre "
    "Einwilligung geben oder widerrufen, Ihre Daten korrigieren, Suchprofile pflegen, Ihre "
    "Daten herunterladen oder deren Löschung beantragen:\n\n"
    "{{consent_url}}\n\n"
    "Der Link gilt bis zum {{link_gueltig_bis}}. Wenn Sie keinen Link angefordert haben, "
    "können Sie diese E-Mail einfach ignorieren.\n\n"
    "Mit freundlichen Grüßen\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Impressum: {{impressum_url}}\nDatenschutz: {{datenschutz_url}}\n";

constexpr std::string_view kNewLinkTextEn =
    "{{anrede_brief}}\n\n"
    "You asked for a new link to your personal page. There you can give or withdraw your "
    "consent, correct your data, manage search profiles, download your data or request its "
    "deletion:\n\n"
    "{{consent_url}}\n\n"
    "The link is valid until {{link_gueltig_bis}}. If you did not ask for a link, you can "
    "simply ignore this e-mail.\n\n"
    "Kind regards\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Imprint: {{impressum_url}}\nPrivacy notice: {{datenschutz_url}}\n";

constexpr std::string_view kConfirmTextDe =
    "{{anrede_brief}}\n\n"
    "auf Ihrer persönlichen Seite wurde diese Adresse ({{neue_email}}) als neue "
    "E-Mail-Adresse angegeben. Bitte bestätigen Sie die Änderung über diesen Link:\n\n"
    "{{bestaetigungs_url}}\n\n"
    "Bis zur Bestätigung verwenden wir weiter Ihre bisherige Adresse. Wenn Sie die Änderung "
    "nicht veranlasst haben, ignorieren Sie diese E-Mail bitte; es ändert sich dann nichts.\n\n"
    "Mit freundlichen Grüßen\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Impressum: {{impressum_url}}\nDatenschutz: {{datenschutz_url}}\n";

constexpr std::string_view kConfirmTextEn =
    "{{anrede_brief}}\n\n"
    "this address ({{neue_email}}) was entered as your new e-mail address on your personal "
    "page. Please confirm the change with this link:\n\n"
    "{{bestaetigungs_url}}\n\n"
    "Until you confirm, we keep using your previous address. If you did not ask for this "
    "change, please ignore this e-mail; nothing will change.\n\n"
    "Kind regards\n{{signatur}}\n\n"
    "--\n{{makler_firma}}, {{makler_adresse}}\n"
    "Imprint: {{impressum_url}}\nPrivacy notice: {{datenschutz_url}}\n";

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

std::string ProblemText(const std::vector<core::TemplateProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.part + " line " + std::to_string(p.line) + ": " + p.message_de;
  }
  return out;
}

}  // namespace

std::vector<core::MailTemplate> DefaultTemplates(core::TenantId tenant, core::Time now) {
  std::string key(core::kConsentTemplateKey);
  std::string link(core::kNewLinkTemplateKey);
  std::string confirm(core::kEmailConfirmationTemplateKey);
  return {
      {0, tenant, key, "de", "Kontakt- und Gesuchsdaten", "", std::string(kTextDe),
       std::string(kHtmlDe), now},
      {0, tenant, key, "en", "Contact and search data", "", std::string(kTextEn),
       std::string(kHtmlEn), now},
      {0, tenant, link, "de", "Neuer Link", "Ihr neuer Link zu Ihren Daten",
       std::string(kNewLinkTextDe), "", now},
      {0, tenant, link, "en", "New link", "Your new link to your data", std::string(kNewLinkTextEn),
       "", now},
      {0, tenant, confirm, "de", "E-Mail-Adresse bestätigen",
       "Bitte bestätigen Sie Ihre neue E-Mail-Adresse", std::string(kConfirmTextDe), "", now},
      {0, tenant, confirm, "en", "Confirm e-mail address", "Please confirm your new e-mail address",
       std::string(kConfirmTextEn), "", now},
  };
}

core::Status EnsureDefaultTemplates(core::Store& store, core::Time now) {
  std::vector<core::MailTemplate> missing;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> core::Status {
    auto tenants = tx.ListTenants();
    if (!tenants) return tenants.error();
    for (const auto& t : *tenants) {
      for (auto& tmpl : DefaultTemplates(t.id, now)) {
        if (!tx.FindTemplate(t.id, tmpl.key, tmpl.language)) missing.push_back(std::move(tmpl));
      }
    }
    return {};
  }));
  if (missing.empty()) return {};  // the usual case: no write lock taken
  return store.Write([&](core::WriteTx& tx) -> core::Status {
    for (const auto& tmpl : missing) {
      if (tx.FindTemplate(tmpl.tenant_id, tmpl.key, tmpl.language)) continue;
      CONSENTD_RETURN_IF_ERROR(tx.SaveTemplate(tmpl));
    }
    return {};
  });
}

std::string NewMessageId(const core::Crypto& crypto, const core::Tenant& tenant,
                         std::int64_t message_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string random;
  for (unsigned char b : crypto.RandomBytes(8)) {
    random += kHex[b >> 4];
    random += kHex[b & 15];
  }
  const std::string& sender =
      tenant.sender_email.empty() ? tenant.controller.email : tenant.sender_email;
  auto at = sender.rfind('@');
  std::string domain = at == std::string::npos ? "consentd.invalid" : sender.substr(at + 1);
  return "<m" + std::to_string(message_id) + "." + random + "@" + domain + ">";
}

TemplateValues TenantValues(const core::Tenant& t) {
  const auto& c = t.controller;
  std::string address = c.street;
  if (!c.postal_code.empty() || !c.city.empty()) {
    address += (address.empty() ? "" : ", ") + c.postal_code + " " + c.city;
  }
  return {{"makler_firma", c.company},
          {"makler_adresse", address},
          {"makler_email", c.email},
          {"makler_telefon", c.phone},
          {"signatur", t.signature.empty() ? c.company : t.signature},
          {"impressum_url", c.imprint_url},
          {"datenschutz_url", c.privacy_url}};
}

void AddContactValues(const core::ContactData& c, TemplateValues& v) {
  v["anrede_brief"] = core::BriefAnrede(c);
  v["anrede"] = c.anrede;
  v["titel"] = c.titel;
  v["vorname"] = c.vorname;
  v["nachname"] = c.nachname;
  v["firma"] = c.firma;
  v["email"] = c.email;
}

struct CompiledTemplate::Parsed {
  std::unique_ptr<mustache::mustache> subject, text, html;
};

CompiledTemplate::CompiledTemplate(std::unique_ptr<Parsed> parsed) : parsed_(std::move(parsed)) {}
CompiledTemplate::~CompiledTemplate() = default;

core::Result<std::unique_ptr<CompiledTemplate>> CompiledTemplate::Compile(
    const core::MailTemplate& t) {
  auto problems = core::CheckTemplate(t, core::RequiredLinkOf(t.key));
  if (!problems.empty()) return core::InvalidArgument(ProblemText(problems));
  auto parsed = std::make_unique<Parsed>();
  auto identity = [](const std::string& s) { return s; };
  parsed->subject = std::make_unique<mustache::mustache>(t.subject);
  parsed->subject->set_custom_escape(identity);
  parsed->text = std::make_unique<mustache::mustache>(t.body_text);
  parsed->text->set_custom_escape(identity);
  if (!t.body_html.empty()) parsed->html = std::make_unique<mustache::mustache>(t.body_html);
  for (auto* m : {parsed->subject.get(), parsed->text.get(), parsed->html.get()}) {
    if (m && !m->is_valid()) return core::InvalidArgument("template: " + m->error_message());
  }
  return std::unique_ptr<CompiledTemplate>(new CompiledTemplate(std::move(parsed)));
}

RenderedMail CompiledTemplate::Render(const TemplateValues& values) const {
  mustache::data d = ToData(values);
  RenderedMail out;
  out.subject = parsed_->subject->render(d);
  out.text = parsed_->text->render(d);
  if (parsed_->html) out.html = parsed_->html->render(d);
  return out;
}

void AddSampleLinkValues(std::string_view base_url, core::Time now, TemplateValues& values) {
  const std::string base(base_url);
  values["consent_url"] = base + "/c/BEISPIEL-LINK";
  values["unsubscribe_url"] = base + "/u/BEISPIEL-LINK";
  values["bestaetigungs_url"] = base + "/e/BEISPIEL-LINK";
  values["neue_email"] = "erika.neu@example.de";
  values["link_gueltig_bis"] = core::FormatGermanDate(now + core::kDefaultTokenLifetime);
}

bool CheckMultilineText(std::string_view field, std::string_view value, std::size_t max_code_points,
                        core::FieldErrors& errors) {
  // CheckText refuses line breaks and tabs, which a body needs; every other rule holds.
  std::string flat(value);
  std::replace_if(
      flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
  return core::CheckText(field, flat, max_code_points, errors);
}

core::ContactData SampleContact() {
  core::ContactData c;
  c.anrede = "Frau";
  c.titel = "Dr.";
  c.vorname = "Erika";
  c.nachname = "Mustermann";
  c.email = "erika.mustermann@example.de";
  return c;
}

namespace {

// Limits on what a person may type into a template; lines are unknown here (0).
std::vector<core::TemplateProblem> TextProblems(const core::MailTemplate& t) {
  core::FieldErrors errors;
  core::CheckText("name", t.name, 100, errors);
  if (core::CheckText("subject", t.subject, 200, errors)) {
    core::CheckHeaderText("subject", t.subject, errors);
  }
  CheckMultilineText("body_text", t.body_text, 50000, errors);
  CheckMultilineText("body_html", t.body_html, 100000, errors);
  std::vector<core::TemplateProblem> problems;
  for (auto& e : errors) problems.push_back({e.field, 0, e.message_de, e.message_en});
  return problems;
}

std::vector<core::TemplateProblem> DraftProblems(const core::MailTemplate& t) {
  auto problems = TextProblems(t);
  if (!problems.empty()) return problems;
  return core::CheckTemplate(t, core::RequiredLinkOf(t.key));
}

}  // namespace

TemplatePreview PreviewTemplate(const core::Tenant& tenant, const core::MailTemplate& draft,
                                std::string_view base_url, core::Time now) {
  TemplatePreview out;
  out.problems = DraftProblems(draft);
  if (!out.problems.empty()) return out;
  auto compiled = CompiledTemplate::Compile(draft);
  if (!compiled) {
    out.problems.push_back({"body_text", 0, compiled.error().message, compiled.error().message});
    return out;
  }
  TemplateValues values = TenantValues(tenant);
  AddContactValues(SampleContact(), values);
  AddSampleLinkValues(base_url, now, values);
  out.mail = (*compiled)->Render(values);
  return out;
}

core::Result<std::vector<core::TemplateProblem>> SaveTemplateDraft(core::Store& store,
                                                                   const core::Clock& clock,
                                                                   const Actor& actor,
                                                                   core::MailTemplate draft) {
  auto problems = DraftProblems(draft);
  if (!problems.empty()) return problems;
  if (auto compiled = CompiledTemplate::Compile(draft); !compiled) {
    const std::string& why = compiled.error().message;
    return std::vector<core::TemplateProblem>{{"body_text", 0, why, why}};
  }
  const core::Time now = clock.Now();
  auto status = store.Write([&](core::WriteTx& tx) -> core::Status {
    auto current = tx.FindTemplate(actor.tenant, draft.key, draft.language);
    if (!current) return current.error();
    draft.id = current->id;
    draft.tenant_id = actor.tenant;
    draft.updated_at = now;
    CONSENTD_RETURN_IF_ERROR(tx.SaveTemplate(draft));
    nlohmann::json detail = {{"key", draft.key},
                             {"language", draft.language},
                             {"subject_changed", current->subject != draft.subject},
                             {"text_changed", current->body_text != draft.body_text},
                             {"html_changed", current->body_html != draft.body_html}};
    return WriteAudit(tx, actor, "template.save", "template:" + draft.key + "/" + draft.language,
                      detail, now);
  });
  if (!status) return status.error();
  return problems;
}

}  // namespace consentd::app
