// The templates every tenant starts with, and rendering of templates for one recipient.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mail_template.h"
#include "core/ports.h"
#include "core/store.h"

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

}  // namespace consentd::app
