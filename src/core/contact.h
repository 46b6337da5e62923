// A contact (Adresse) of a tenant, and the names of its fields.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

// Why the broker may contact this person at all (DESIGN.md §1.1).
enum class LegalBasis {
  kNone,              // nothing documented: no consent mail without explicit confirmation
  kConsent,           // documented consent (Art. 6(1)(a) GDPR, § 7(2) UWG)
  kExistingCustomer,  // § 7(3) UWG
  kOwnEnquiry,        // the person asked the broker first
};

std::string_view LegalBasisKey(LegalBasis basis);  // "none", "consent", ...
std::optional<LegalBasis> ParseLegalBasis(std::string_view key);

// The fields a person may see and correct. All values are UTF-8, already validated and
// normalised (phone numbers in E.164, e-mail trimmed); empty means "not known".
struct ContactData {
  std::string anrede;  // "Herr" | "Frau" | "Divers" | ""
  std::string titel;
  std::string vorname;
  std::string nachname;
  std::string firma;
  std::string email;
  std::string telefon;
  std::string mobil;
  std::string strasse;
  std::string hausnummer;
  std::string plz;
  std::string ort;
  std::string land = "DE";  // ISO 3166-1 alpha-2
  std::string sprache = "de";
  std::string kontaktart;  // key from kKontaktarten, "" when unknown

  bool operator==(const ContactData&) const = default;
};

// Field name (as in forms, CSV headers and JSON) and its member, for generic code:
// form binding, before/after diffs, export.
struct ContactField {
  std::string_view name;
  std::string ContactData::*member;
  std::size_t max_length;  // in code points
};
extern const std::array<ContactField, 15> kContactFields;

// The fields a person may correct on their own consent page. Kontaktart, Sprache and the
// legal basis are the broker's; the e-mail address changes only with its own confirmation.
extern const std::array<std::string_view, 12> kSelfServiceFields;

// Kontaktart keys and their German labels.
extern const std::array<std::pair<std::string_view, std::string_view>, 7> kKontaktarten;

struct Contact {
  ContactId id = 0;
  TenantId tenant_id = 0;
  ContactData data;
  LegalBasis legal_basis = LegalBasis::kNone;
  Time created_at{};
  Time updated_at{};
  bool erased = false;
  // The contact's id in the broker's CRM (set through the API), unique among the tenant's
  // live contacts; "" when none.
  std::string external_id;
};

// One changed field: name, value before, value after.
struct FieldChange {
  std::string field;
  std::string before;
  std::string after;
};
std::vector<FieldChange> Diff(const ContactData& before, const ContactData& after);

// "Sehr geehrter Herr Dr. Müller," / "Sehr geehrte Frau Özdemir," / "Guten Tag Alex Weber,".
std::string BriefAnrede(const ContactData& c);
// "Dr. Erika Mustermann" or the company when no name is known.
std::string DisplayName(const ContactData& c);

}  // namespace consentd::core
