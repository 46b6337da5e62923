#include "http/language.h"

#include <cstdlib>

namespace consentd::http {
namespace {

// The q-value of one Accept-Language entry such as "en-GB;q=0.8".
double Quality(std::string_view entry) {
  auto q = entry.find(";q=");
  if (q == std::string_view::npos) return 1.0;
  return std::strtod(std::string(entry.substr(q + 3)).c_str(), nullptr);
}

std::string_view Primary(std::string_view entry) {
  while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
  auto end = entry.find_first_of("-;_ ");
  return entry.substr(0, end);
}

}  // namespace

std::string PickLanguage(std::string_view explicit_choice, std::string_view accept_language) {
  if (explicit_choice == "en" || explicit_choice == "de") return std::string(explicit_choice);
  double best_de = -1, best_en = -1;
  while (!accept_language.empty()) {
    auto comma = accept_language.find(',');
    std::string_view entry = accept_language.substr(0, comma);
    std::string_view lang = Primary(entry);
    if ((lang == "de" || lang == "DE") && Quality(entry) > best_de) best_de = Quality(entry);
    if ((lang == "en" || lang == "EN") && Quality(entry) > best_en) best_en = Quality(entry);
    if (comma == std::string_view::npos) break;
    accept_language.remove_prefix(comma + 1);
  }
  return best_en > 0 && best_en > best_de ? "en" : "de";
}

}  // namespace consentd::http
