#include "core/consent.h"

namespace consentd::core {

std::string_view ConsentStateKey(ConsentState state) {
  switch (state) {
    case ConsentState::kNone:
      return "none";
    case ConsentState::kGranted:
      return "granted";
    case ConsentState::kWithdrawn:
      return "withdrawn";
    case ConsentState::kDeletionRequested:
      return "deletion_requested";
  }
  return "none";
}

ConsentState StateOf(const std::optional<ConsentRecord>& record, bool deletion_requested) {
  if (deletion_requested) return ConsentState::kDeletionRequested;
  if (!record) return ConsentState::kNone;
  if (record->revoked_at) return ConsentState::kWithdrawn;
  if (record->granted_at) return ConsentState::kGranted;
  return ConsentState::kNone;
}

ConsentRecord GiveConsent(ContactId contact, const ConsentPurpose& purpose, const ConsentText& text,
                          std::string_view source, Time now) {
  ConsentRecord r;
  r.contact_id = contact;
  r.purpose_id = purpose.id;
  r.source = source;
  r.purpose_name = purpose.name;
  r.granted_at = now;
  r.text_version = text.version;
  r.text_sha256 = text.sha256;
  r.language = text.language;
  return r;
}

ConsentRecord Withdraw(std::optional<ConsentRecord> current, ContactId contact,
                       const ConsentPurpose& purpose, std::string_view reason, Time now) {
  ConsentRecord r = current.value_or(ConsentRecord{});
  r.contact_id = contact;
  r.purpose_id = purpose.id;
  r.purpose_name = purpose.name;
  if (r.source.empty()) r.source = kSourceKontaktformular;
  if (r.revoked_at) return r;  // the first withdrawal stands; later ones change nothing
  r.revoked_at = now;
  r.revocation_reason = reason;
  return r;
}

}  // namespace consentd::core
