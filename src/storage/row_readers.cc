#include "storage/row_readers.h"

namespace consentd::storage::rows {

std::optional<core::Time> ParseStoredTime(std::string_view text) {
  constexpr std::size_t kSeconds = 19;  // "YYYY-MM-DDTHH:MM:SS"
  if (text.size() == kSeconds + 1 && text[10] == 'T') return core::ParseIso(text);
  if (text.size() < kSeconds + 3 || text[10] != ' ') return std::nullopt;
  if (text.substr(text.size() - 3) != "+00") return std::nullopt;
  std::string iso(text.substr(0, kSeconds));
  iso[10] = 'T';
  iso += 'Z';
  return core::ParseIso(iso);
}

std::string ConsentStateCondition(std::string_view filter) {
  if (filter == "all") return "TRUE";
  if (filter == "deletion_requested") return "d.id IS NOT NULL";
  if (filter == "withdrawn") return "d.id IS NULL AND k.revoked_at IS NOT NULL";
  if (filter == "granted") {
    return "d.id IS NULL AND k.revoked_at IS NULL AND k.granted_at IS NOT NULL";
  }
  if (filter == "none") {
    return "d.id IS NULL AND (k.contact_id IS NULL OR "
           "(k.granted_at IS NULL AND k.revoked_at IS NULL))";
  }
  return "";
}

}  // namespace consentd::storage::rows
