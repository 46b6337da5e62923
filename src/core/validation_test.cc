#include "core/validation.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace consentd::core {
namespace {

// Accepts German-looking numbers and formats them like libphonenumber's INTERNATIONAL
// format; enough to test the rules around it without the library.
class FakePhones final : public PhoneNormalizer {
 public:
  std::optional<std::string> Normalize(std::string_view input, std::string_view) const override {
    if (input == "030 1234567") return "+49 30 1234567";
    return std::nullopt;
  }
};

TEST(ParseGermanNumberTest, ReadsGermanFormats) {
  EXPECT_EQ(ParseGermanNumber("350.000 €"), 35000000);
  EXPECT_EQ(ParseGermanNumber("350000"), 35000000);
  EXPECT_EQ(ParseGermanNumber("2,5"), 250);
  EXPECT_EQ(ParseGermanNumber("1.234,56"), 123456);
  EXPECT_EQ(ParseGermanNumber("2.5"), 250);
  EXPECT_EQ(ParseGermanNumber("1.250.000 EUR"), 125000000);
  EXPECT_EQ(ParseGermanNumber(" 85 m²"), 8500);
  EXPECT_EQ(ParseGermanNumber("0"), 0);
}

TEST(ParseGermanNumberTest, RejectsWhatIsNotANumber) {
  EXPECT_FALSE(ParseGermanNumber(""));
  EXPECT_FALSE(ParseGermanNumber("abc"));
  EXPECT_FALSE(ParseGermanNumber("-5"));
  EXPECT_FALSE(ParseGermanNumber("2,555"));
  EXPECT_FALSE(ParseGermanNumber("1,2,3"));
  EXPECT_FALSE(ParseGermanNumber("12a"));
  EXPECT_FALSE(ParseGermanNumber("9999999999999999999"));
}

TEST(FormatGermanNumberTest, RoundTrips) {
  EXPECT_EQ(FormatGermanNumber(35000000), "350.000");
  EXPECT_EQ(FormatGermanNumber(250), "2,5");
  EXPECT_EQ(FormatGermanNumber(123456), "1.234,56");
  EXPECT_EQ(FormatGermanNumber(5), "0,05");
  for (Centi v : {Centi{0}, Centi{250}, Centi{123456}, Centi{99999999}}) {
    EXPECT_EQ(ParseGermanNumber(FormatGermanNumber(v)), v);
  }
}

TEST(Utf8Test, DetectsInvalidSequences) {
  EXPECT_TRUE(IsValidUtf8("Müller Özdemir 😀"));
  EXPECT_FALSE(IsValidUtf8("\xff\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(CodePointCount("Müller"), 6u);
}

TEST(EmailTest, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidEmail("erika.mustermann@example.com"));
  EXPECT_TRUE(IsValidEmail("a+tag@sub.example.de"));
  EXPECT_FALSE(IsValidEmail("no-at.example.com"));
  EXPECT_FALSE(IsValidEmail("a@b"));
  EXPECT_FALSE(IsValidEmail("a@@b.de"));
  EXPECT_FALSE(IsValidEmail("a b@c.de"));
  EXPECT_FALSE(IsValidEmail("a@-b.de"));
  EXPECT_FALSE(IsValidEmail(".a@b.de"));
  EXPECT_FALSE(IsValidEmail("a@b.de\r\nBcc: x@y.de"));
}

TEST(PostalCodeTest, GermanNeedsFiveDigits) {
  EXPECT_TRUE(IsValidPostalCode("01067", "DE"));
  EXPECT_FALSE(IsValidPostalCode("1067", "DE"));
  EXPECT_FALSE(IsValidPostalCode("1067a", "DE"));
  EXPECT_TRUE(IsValidPostalCode("1010", "AT"));
  EXPECT_TRUE(IsValidPostalCode("SW1A 1AA", "GB"));
}

TEST(ApplyContactFormTest, NormalisesAndKeepsAbsentFields) {
  ContactData current;
  current.nachname = "Mustermann";
  current.email = "erika@example.com";
  auto r =
      ApplyContactForm({{"telefon", " 030 1234567 "}, {"vorname", "Erika"}}, current, FakePhones());
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.data.telefon, "+49 30 1234567");
  EXPECT_EQ(r.data.vorname, "Erika");
  EXPECT_EQ(r.data.nachname, "Mustermann");
  EXPECT_EQ(r.data.email, "erika@example.com");
}

TEST(ApplyContactFormTest, ReportsEveryBadFieldInGermanAndEnglish) {
  std::string long_name(101, 'x');
  auto r = ApplyContactForm({{"telefon", "12ab"},
                             {"plz", "123"},
                             {"nachname", long_name},
                             {"anrede", "Sir"},
                             {"ort", "Berlin\r\nX-Header: 1"},
                             {"titel", "\xff"}},
                            ContactData{}, FakePhones());
  std::map<std::string, std::string> by_field;
  for (const auto& e : r.errors) by_field[e.field] = e.message_de;
  EXPECT_EQ(by_field.size(), 6u);
  EXPECT_NE(by_field["telefon"].find("Telefonnummer"), std::string::npos);
  EXPECT_NE(by_field["plz"].find("Postleitzahl"), std::string::npos);
  EXPECT_NE(by_field["nachname"].find("höchstens 100"), std::string::npos);
  EXPECT_NE(by_field["ort"].find("Zeilenumbrüche"), std::string::npos);
  EXPECT_NE(by_field["titel"].find("ungültige Zeichen"), std::string::npos);
  for (const auto& e : r.errors) EXPECT_FALSE(e.message_en.empty());
}

TEST(ApplyContactFormTest, RefusesWhatMailHeadersCannotCarry) {
  for (std::string bad :
       {"Weber\u0085Bcc", "Weber\u2028x", "Weber\u2029x", "=?utf-8?q?x=0D=0A?="}) {
    auto r = ApplyContactForm({{"nachname", bad}}, ContactData{}, FakePhones());
    ASSERT_EQ(r.errors.size(), 1u) << bad;
    EXPECT_EQ(r.errors[0].field, "nachname");
  }
  EXPECT_TRUE(ApplyContactForm({{"nachname", "Müller-Lüdenscheidt"}}, ContactData{}, FakePhones())
                  .errors.empty());
}

TEST(ApplyContactFormTest, RequiresANameWhenTheNameIsEdited) {
  auto r = ApplyContactForm({{"nachname", "  "}, {"firma", ""}}, ContactData{}, FakePhones());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "nachname");
}

TEST(SearchProfileFormTest, ReadsACompleteProfile) {
  auto r = ParseSearchProfileForm({{"vermarktungsart", "KAUF"},
                                   {"nutzungsart", "WOHNEN"},
                                   {"objektart", "haus"},
                                   {"objekttyp", "EINFAMILIENHAUS"},
                                   {"plz", "10557"},
                                   {"radius_km", "15"},
                                   {"preis_bis", "350.000 €"},
                                   {"zimmer_von", "2,5"}});
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].field;
  EXPECT_EQ(r.profile.preis_bis, 35000000);
  EXPECT_EQ(r.profile.zimmer_von, 250);
  EXPECT_EQ(r.profile.radius_km, 15);
  EXPECT_FALSE(r.profile.preis_von);
}

TEST(SearchProfileFormTest, RejectsInvertedRangesUnknownValuesAndWrongTypes) {
  auto r = ParseSearchProfileForm({{"vermarktungsart", "TAUSCH"},
                                   {"nutzungsart", "WOHNEN"},
                                   {"objektart", "wohnung"},
                                   {"objekttyp", "VILLA"},
                                   {"preis_von", "500.000"},
                                   {"preis_bis", "300.000"},
                                   {"zimmer_von", "drei"},
                                   {"radius_km", "2,5"}});
  std::set<std::string> fields;
  for (const auto& e : r.errors) fields.insert(e.field);
  EXPECT_EQ(fields, (std::set<std::string>{"vermarktungsart", "objekttyp", "preis_von",
                                           "zimmer_von", "radius_km"}));
}

TEST(SearchProfileFormTest, RequiresTheCategories) {
  auto r = ParseSearchProfileForm({});
  EXPECT_EQ(r.errors.size(), 3u);
}

}  // namespace
}  // namespace consentd::core
