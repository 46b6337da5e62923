#include "core/contact.h"

namespace consentd::core {

const std::array<ContactField, 15> kContactFields = {{
    {"anrede", &ContactData::anrede, 10},
    {"titel", &ContactData::titel, 40},
    {"vorname", &ContactData::vorname, 100},
    {"nachname", &ContactData::nachname, 100},
    {"firma", &ContactData::firma, 200},
    {"email", &ContactData::email, 254},
    {"telefon", &ContactData::telefon, 40},
    {"mobil", &ContactData::mobil, 40},
    {"strasse", &ContactData::strasse, 150},
    {"hausnummer", &ContactData::hausnummer, 20},
    {"plz", &ContactData::plz, 10},
    {"ort", &ContactData::ort, 100},
    {"land", &ContactData::land, 2},
    {"sprache", &ContactData::sprache, 2},
    {"kontaktart", &ContactData::kontaktart, 20},
}};

const std::array<std::string_view, 12> kSelfServiceFields = {
    "anrede", "titel",   "vorname",    "nachname", "firma", "telefon",
    "mobil",  "strasse", "hausnummer", "plz",      "ort",   "land"};

const std::array<std::pair<std::string_view, std::string_view>, 7> kKontaktarten = {{
    {"interessent", "Interessent"},
    {"eigentuemer", "Eigentümer"},
    {"kaeufer", "Käufer"},
    {"verkaeufer", "Verkäufer"},
    {"mieter", "Mieter"},
    {"vermieter", "Vermieter"},
    {"sonstiges", "Sonstiges"},
}};

std::string_view LegalBasisKey(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kNone:
      return "none";
    case LegalBasis::kConsent:
      return "consent";
    case LegalBasis::kExistingCustomer:
      return "existing_customer";
    case LegalBasis::kOwnEnquiry:
      return "own_enquiry";
  }
  return "none";
}

std::optional<LegalBasis> ParseLegalBasis(std::string_view key) {
  for (auto b : {LegalBasis::kNone, LegalBasis::kConsent, LegalBasis::kExistingCustomer,
                 LegalBasis::kOwnEnquiry}) {
    if (LegalBasisKey(b) == key) return b;
  }
  return std::nullopt;
}

std::vector<FieldChange> Diff(const ContactData& before, const ContactData& after) {
  std::vector<FieldChange> changes;
  for (const auto& f : kContactFields) {
    if (before.*f.member != after.*f.member) {
      changes.push_back({std::string(f.name), before.*f.member, after.*f.member});
    }
  }
  return changes;
}

namespace {
std::string JoinNonEmpty(std::initializer_list<const std::string*> parts) {
  std::string out;
  for (const auto* p : parts) {
    if (p->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *p;
  }
  return out;
}
}  // namespace

std::string BriefAnrede(const ContactData& c) {
  std::string name = JoinNonEmpty({&c.titel, &c.nachname});
  if (c.anrede == "Herr" && !c.nachname.empty()) return "Sehr geehrter Herr " + name + ",";
  if (c.anrede == "Frau" && !c.nachname.empty()) return "Sehr geehrte Frau " + name + ",";
  std::string full = JoinNonEmpty({&c.vorname, &c.nachname});
  if (full.empty()) return "Guten Tag,";
  return "Guten Tag " + full + ",";
}

std::string DisplayName(const ContactData& c) {
  std::string name = JoinNonEmpty({&c.titel, &c.vorname, &c.nachname});
  return name.empty() ? c.firma : name;
}

}  // namespace consentd::core
