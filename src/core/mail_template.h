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
// are used, and — for templates that invite to the consent page — that both bodies carry
// {{consent_url}} (the HTML body only if present). No problems means the template is safe.
std::vector<TemplateProblem> CheckTemplate(const MailTemplate& t, bool requires_consent_url);

}  // namespace consentd::core
