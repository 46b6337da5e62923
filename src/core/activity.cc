#include "core/activity.h"

#include <array>

namespace consentd::core {
namespace {
constexpr std::array<std::pair<ActivityType, std::string_view>, 10> kNames = {{
    {ActivityType::kEmailVersendet, "E-Mail versendet"},
    {ActivityType::kEinwilligung, "Einwilligung"},
    {ActivityType::kDatenaenderung, "Datenänderung"},
    {ActivityType::kSuchprofil, "Suchprofil"},
    {ActivityType::kWiderruf, "Widerruf"},
    {ActivityType::kLoeschantrag, "Löschantrag"},
    {ActivityType::kLinkErstellt, "Link erstellt"},
    // --- deletions ---
    {ActivityType::kLoeschung, "Löschung"},
    {ActivityType::kLoeschentscheidung, "Löschentscheidung"},
    // --- api ---
    {ActivityType::kEmailNichtZugestellt, "E-Mail nicht zugestellt"},
}};
}  // namespace

std::string_view ActivityTypeName(ActivityType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "";
}

std::optional<ActivityType> ParseActivityType(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string ChainInput(const Activity& a) {
  std::string s = "consentd-activity-v1\n";
  s += a.prev_hash + "\n";
  s += std::to_string(a.tenant_id) + "\n";
  s += std::to_string(a.seq) + "\n";
  s += std::to_string(a.contact_id) + "\n";
  s += std::string(ActivityTypeName(a.type)) + "\n";
  s += std::to_string(a.author_user_id) + "\n";
  s += FormatIso(a.created_at) + "\n";
  s += a.payload_sha256;
  return s;
}

}  // namespace consentd::core
