// Consent purposes, their versioned wording, and the consent record per contact and
// purpose ("Detaildatensatz Einwilligung"), with the rules that change it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

inline constexpr std::string_view kDefaultPurposeKey = "akquisition";
inline constexpr std::string_view kDefaultPurposeName =
    "Akquisition und Vermittlung von Immobilien";

// Where a consent came from (Quelle der Einwilligung).
inline constexpr std::string_view kSourceKontaktformular = "Kontaktformular";
inline constexpr std::string_view kSourceTelefon = "Telefon";
inline constexpr std::string_view kSourceSchriftlich = "Schriftlich";

struct ConsentPurpose {
  PurposeId id = 0;
  TenantId tenant_id = 0;
  std::string key;
  std::string name;  // Zweck der Einwilligung
};

// One version of a purpose's wording in one language. Never changed once stored; a new
// wording is a new version. `sha256` is the hex digest of `body` as UTF-8.
struct ConsentText {
  PurposeId purpose_id = 0;
  int version = 1;
  std::string language;  // "de" | "en"
  std::string body;
  std::string sha256;
};

// The current state of one contact's consent for one purpose.
struct ConsentRecord {
  ContactId contact_id = 0;
  PurposeId purpose_id = 0;
  std::string source;              // Quelle
  std::string purpose_name;        // Zweck
  std::optional<Time> granted_at;  // Datum der Einwilligung
  std::optional<Time> revoked_at;  // Widerrufsdatum
  std::string revocation_reason;   // Widerrufsgrund
  int text_version = 0;
  std::string text_sha256;
  std::string language;
};

enum class ConsentState { kNone, kGranted, kWithdrawn, kDeletionRequested };

std::string_view ConsentStateKey(ConsentState state);  // "none", "granted", ...

// Derives the state shown to broker and recipient.
ConsentState StateOf(const std::optional<ConsentRecord>& record, bool deletion_requested);

// Fall 1: the record after the person consented through `source` to `text` at `now`.
// A withdrawn record becomes valid again; the revocation fields are cleared.
ConsentRecord GiveConsent(ContactId contact, const ConsentPurpose& purpose, const ConsentText& text,
                          std::string_view source, Time now);

// The record after a withdrawal at `now`. Without an earlier record, a record is made that
// documents the objection (no grant date). An already withdrawn record keeps the date and
// reason of its first withdrawal.
ConsentRecord Withdraw(std::optional<ConsentRecord> current, ContactId contact,
                       const ConsentPurpose& purpose, std::string_view reason, Time now);

inline constexpr std::string_view kReasonDeletionRequest = "Löschantrag";
inline constexpr std::string_view kReasonWithdrawal = "Widerruf durch die betroffene Person";

}  // namespace consentd::core
