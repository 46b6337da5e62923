#include "core/search_key.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

TEST(SearchKeyTest, FoldsUmlautsAndSharpS) {
  EXPECT_EQ(SearchKey("Müller"), "mueller");
  EXPECT_EQ(SearchKey("MÜLLER"), "mueller");
  EXPECT_EQ(SearchKey("Mueller"), "mueller");
  EXPECT_EQ(SearchKey("Straße"), "strasse");
  EXPECT_EQ(SearchKey("GROẞ"), "gross");
  EXPECT_EQ(SearchKey("Öztürk Äbel"), "oeztuerk aebel");
}

TEST(SearchKeyTest, StripsOtherDiacritics) {
  EXPECT_EQ(SearchKey("René Čapek"), "rene capek");
  EXPECT_EQ(SearchKey("Łukasz Søren Æble"), "lukasz soren aeble");
  EXPECT_EQ(SearchKey("François Núñez"), "francois nunez");
}

TEST(SearchKeyTest, CollapsesSpaceAndKeepsOtherCharacters) {
  EXPECT_EQ(SearchKey("  Anna \t  Maria\u00a0 "), "anna maria");
  EXPECT_EQ(SearchKey("a.b-c@x.de"), "a.b-c@x.de");
  EXPECT_EQ(SearchKey("Жанна"), "Жанна");
  EXPECT_EQ(SearchKey("ok\xff\xc3"), "ok");  // invalid bytes dropped
}

TEST(SearchKeyTest, ContactKeysCoverNameCompanyEmailPlzOrt) {
  ContactData c;
  c.vorname = "Jörg";
  c.nachname = "Weiß";
  c.firma = "Weiß & Söhne GmbH";
  c.email = "J.Weiss@Example.de";
  c.plz = "80331";
  c.ort = "München";
  EXPECT_EQ(ContactSearchKey(c),
            "joerg weiss|weiss & soehne gmbh|j.weiss@example.de|80331|muenchen");
  EXPECT_EQ(ContactSortName(c), "weiss joerg");
  EXPECT_EQ(ContactSortOrt(c), "muenchen");
  c.vorname.clear();
  c.nachname.clear();
  EXPECT_EQ(ContactSortName(c), "weiss & soehne gmbh");
}

TEST(SearchKeyTest, ShortTextsMatchPrefixes) {
  EXPECT_EQ(SearchModeOf(""), SearchMode::kNone);
  EXPECT_EQ(SearchModeOf("10"), SearchMode::kPlzPrefix);
  EXPECT_EQ(SearchModeOf("mu"), SearchMode::kNamePrefix);
  EXPECT_EQ(SearchModeOf("1a"), SearchMode::kNamePrefix);
  EXPECT_EQ(SearchModeOf("mue"), SearchMode::kSubstring);
  EXPECT_LT(std::string("mu"), PrefixEnd("mu"));
  EXPECT_LT(std::string("mu\xf4\x8f\xbf"), PrefixEnd("mu"));
  EXPECT_LT(std::string("muzzz"), PrefixEnd("mu"));
  EXPECT_GT(std::string("mv"), PrefixEnd("mu"));
}

}  // namespace
}  // namespace consentd::core
