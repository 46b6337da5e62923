// The templates every tenant starts with, and rendering of templates for one recipient.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/audit.h"
#include "core/mail_template.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// The templates every tenant starts with, in German and English: "Kontakt- und
// Gesuchsdaten" (the serial mail), "Neuer Link" and "E-Mail-Adresse bestätigen".
std::vector<core::MailTemplate> DefaultTemplates(core::TenantId tenant, core::Time now);

// Saves the default templates for every tenant that lacks them (idempotent).
core::Status EnsureDefaultTemplates(core::Store& store, core::Time now);

using TemplateValues = std::map<std::string, std::string>;

// The values of the tenant-wide placeholders (makler_*, signatur, impressum_url, ...).
TemplateValues TenantValues(const core::Tenant& tenant);
// Adds the contact's placeholders (anrede_brief, vorname, ...) to `values`.
void AddContactValues(const core::ContactData& contact, TemplateValues& values);

// The link placeholders (consent_url, unsubscribe_url, bestaetigungs_url, neue_email,
// link_gueltig_bis) filled with samples for a preview: nothing is issued, the links lead
// nowhere.
void AddSampleLinkValues(std::string_view base_url, core::Time now, TemplateValues& values);
// As core::CheckText, but line breaks (\n) and tabs are allowed: for mail bodies.
bool CheckMultilineText(std::string_view field, std::string_view value, std::size_t max_code_points,
                        core::FieldErrors& errors);
// A made-up contact for template previews: Frau Dr. Erika Mustermann.
core::ContactData SampleContact();

// A Message-ID for message row `message_id` of `tenant`: unique, and in the sender's domain.
std::string NewMessageId(const core::Crypto& crypto, const core::Tenant& tenant,
                         std::int64_t message_id);

struct RenderedMail {
  std::string subject;
  std::string text;
  std::string html;
};

// A template parsed once, rendered for many recipients. Plain text and subject are not
// HTML-escaped ("GmbH & Co. KG" stays as it is); the HTML body is. Thread-safe to render
// from several threads once constructed.
class CompiledTemplate {
 public:
  // kInvalidArgument when the template check finds a problem (the message names it); the
  // link the template must carry follows from its key (core::RequiredLinkOf).
  static core::Result<std::unique_ptr<CompiledTemplate>> Compile(const core::MailTemplate& t);
  ~CompiledTemplate();
  RenderedMail Render(const TemplateValues& values) const;

 private:
  struct Parsed;
  explicit CompiledTemplate(std::unique_ptr<Parsed> parsed);
  std::unique_ptr<Parsed> parsed_;
};

// A template draft checked and rendered for the sample contact.
struct TemplatePreview {
  std::vector<core::TemplateProblem> problems;  // empty: the draft is safe
  std::optional<RenderedMail> mail;             // when there are no problems
};
// Checks `draft` (text limits and the template check) and renders it for SampleContact()
// of `tenant`. Pure.
TemplatePreview PreviewTemplate(const core::Tenant& tenant, const core::MailTemplate& draft,
                                std::string_view base_url, core::Time now);

// Saves `draft` over the tenant's existing template of the same key and language, with the
// audit entry "template.save" of `actor`, in one unit of work. When the draft has problems
// nothing is saved and they are returned; kNotFound when the template does not exist.
core::Result<std::vector<core::TemplateProblem>> SaveTemplateDraft(core::Store& store,
                                                                   const core::Clock& clock,
                                                                   const Actor& actor,
                                                                   core::MailTemplate draft);

}  // namespace consentd::app
