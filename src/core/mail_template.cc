#include "core/mail_template.h"

#include <algorithm>
#include <array>

namespace consentd::core {
namespace {

constexpr std::array<Placeholder, 21> kPlaceholders = {{
    {"bestaetigungs_url", "Link zum Bestätigen einer neuen E-Mail-Adresse"},
    {"neue_email", "die neue E-Mail-Adresse"},
    {"anrede_brief", "Briefanrede, z. B. „Sehr geehrte Frau Özdemir,“"},
    {"anrede", "Herr / Frau / Divers"},
    {"titel", "Titel"},
    {"vorname", "Vorname"},
    {"nachname", "Nachname"},
    {"firma", "Firma des Kontakts"},
    {"email", "E-Mail-Adresse des Kontakts"},
    {"consent_url", "persönlicher Link zur Einwilligungsseite"},
    {"unsubscribe_url", "Link zum Abmelden"},
    {"makler_firma", "Firma des Maklers"},
    {"makler_adresse", "Anschrift des Maklers"},
    {"makler_email", "E-Mail des Maklers"},
    {"makler_telefon", "Telefon des Maklers"},
    {"signatur", "Signatur"},
    {"impressum_url", "Impressum"},
    {"datenschutz_url", "Datenschutzerklärung"},
    {"link_gueltig_bis", "Datum, bis zu dem der Link gilt"},
    {"grund", "Begründung einer Entscheidung über einen Löschantrag"},
    {"frist", "neue Frist oder Ende der Aufbewahrung (Löschantrag)"},
}};

bool IsKnown(std::string_view name) {
  return std::any_of(kPlaceholders.begin(), kPlaceholders.end(),
                     [&](const Placeholder& p) { return p.name == name; });
}

std::string TrimTag(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

struct Scan {
  std::string_view required_link;
  std::vector<TemplateProblem> problems;
  bool uses_required_link = false;
};

void Problem(Scan& scan, std::string_view part, int line, std::string de, std::string en) {
  scan.problems.push_back({std::string(part), line, std::move(de), std::move(en)});
}

// Walks the {{...}} tags of `text`. Supports variables, {{{raw}}}, {{&raw}}, sections
// {{#x}}/{{^x}}...{{/x}} and comments {{! }}; partials and delimiter changes are refused.
void ScanText(std::string_view part, std::string_view text, Scan& scan) {
  std::vector<std::pair<std::string, int>> open_sections;
  int line = 1;
  std::size_t pos = 0;
  auto line_at = [&](std::size_t until) {
    line += static_cast<int>(std::count(text.begin() + static_cast<long>(pos),
                                        text.begin() + static_cast<long>(until), '\n'));
    pos = until;
  };
  for (;;) {
    std::size_t start = text.find("{{", pos);
    if (start == std::string_view::npos) break;
    line_at(start);
    bool triple = text.substr(start, 3) == "{{{";
    std::string_view closer = triple ? "}}}" : "}}";
    std::size_t end = text.find(closer, start + closer.size());
    if (end == std::string_view::npos) {
      Problem(scan, part, line,
              "Ein Platzhalter wird mit {{ geöffnet, aber nicht mit }} geschlossen.",
              "A placeholder is opened with {{ but never closed with }}.");
      return;
    }
    std::string_view inner = text.substr(start + closer.size(), end - start - closer.size());
    char kind = triple || inner.empty() ? 'v' : inner.front();
    std::string name = TrimTag(
        kind == '#' || kind == '^' || kind == '/' || kind == '&' || kind == '!' ? inner.substr(1)
                                                                                : inner);
    if (kind == '!') {
      // comment
    } else if (kind == '>' || kind == '=') {
      Problem(scan, part, line,
              "Teilvorlagen und Begrenzerwechsel ({{> }} / {{= }}) sind nicht erlaubt.",
              "Partials and delimiter changes ({{> }} / {{= }}) are not allowed.");
    } else if (name.empty() || !IsKnown(name)) {
      Problem(scan, part, line, "Unbekannter Platzhalter {{" + name + "}}.",
              "Unknown placeholder {{" + name + "}}.");
    } else if (kind == '#' || kind == '^') {
      open_sections.emplace_back(name, line);
    } else if (kind == '/') {
      if (open_sections.empty() || open_sections.back().first != name) {
        Problem(scan, part, line, "{{/" + name + "}} schließt keinen offenen Abschnitt.",
                "{{/" + name + "}} closes no open section.");
      } else {
        open_sections.pop_back();
      }
    } else if (name == scan.required_link && !open_sections.empty()) {
      Problem(scan, part, line,
              "{{" + name + "}} darf nicht in einem Abschnitt stehen, sonst kann der Link fehlen.",
              "{{" + name + "}} must not stand inside a section, or the link could go missing.");
    } else if (name == scan.required_link) {
      scan.uses_required_link = true;
    }
    pos = end + closer.size();
  }
  for (const auto& [name, at] : open_sections) {
    Problem(scan, part, at, "Der Abschnitt {{#" + name + "}} wird nicht geschlossen.",
            "The section {{#" + name + "}} is never closed.");
  }
}

}  // namespace

std::span<const Placeholder> TemplatePlaceholders() { return kPlaceholders; }

std::string_view RequiredLinkOf(std::string_view template_key) {
  if (template_key == kEmailConfirmationTemplateKey) return "bestaetigungs_url";
  return "consent_url";
}

std::vector<TemplateProblem> CheckTemplate(const MailTemplate& t, std::string_view required_link) {
  std::vector<TemplateProblem> problems;
  auto check = [&](std::string_view part, const std::string& text, bool must_link) {
    Scan scan{must_link ? required_link : "", {}, false};
    ScanText(part, text, scan);
    if (must_link && !required_link.empty() && !scan.uses_required_link) {
      std::string name = "{{" + std::string(required_link) + "}}";
      Problem(
          scan, part, 1,
          "Der persönliche Link " + name + " fehlt – ohne ihn kann der Empfänger nicht handeln.",
          "The personal link " + name + " is missing: without it the recipient cannot act.");
    }
    problems.insert(problems.end(), scan.problems.begin(), scan.problems.end());
  };
  check("subject", t.subject, false);
  check("body_text", t.body_text, true);
  if (!t.body_html.empty()) check("body_html", t.body_html, true);
  if (t.body_text.empty()) {
    problems.push_back({"body_text", 1, "Der Text der E-Mail fehlt.", "The text body is missing."});
  }
  return problems;
}

}  // namespace consentd::core
