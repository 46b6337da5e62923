// Mail templates (Vorlagen) and the template check that keeps personal links intact.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

inline constexpr std::string_view kConsentTemplateKey = "kontakt-und-gesuchsdaten";
// Sent when a person asks for a new link on the page of an unknown or expired link.
inline constexpr std::string_view kNewLinkTemplateKey = "neuer-link";
// Sent to a new e-mail address entered on the consent page (double opt-in).
inline constexpr std::string_view kEmailConfirmationTemplateKey = "email-bestaetigung";

// The placeholder a template must carry for its mails to work: consent_url for the
// consent templates, bestaetigungs_url for the e-mail confirmation; "" for none.
std::string_view RequiredLinkOf(std::string_view template_key);

struct MailTemplate {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::string key;
  std::string language;  // "de" | "en"
  std::string name;
  std::string subject;  // empty by default: the broker types one (spam avoidance)
  std::string body_text;
  std::string body_html;
  Time updated_at{};
};

// A placeholder a template may use, and what it stands for.
struct Placeholder {
  std::string_view name;
  std::string_view description;
};
std::span<const Placeholder> TemplatePlaceholders();

struct TemplateProblem {
  std::string part;  // "subject" | "body_text" | "body_html"
  int line = 0;      // 1-based
  std::string message_de;
  std::string message_en;
};

// Checks the Mustache syntax (balanced tags and sections), that only known placeholders
// are used, and that both bodies (the HTML body only if present) carry the placeholder
// `required_link` ("" for none) outside any section, so the link can never go missing.
// No problems means the template is safe.
std::vector<TemplateProblem> CheckTemplate(const MailTemplate& t, std::string_view required_link);

}  // namespace consentd::core
