#include "http/language.h"

#include <gtest/gtest.h>

namespace consentd::http {
namespace {

TEST(LanguageTest, GermanByDefaultEnglishWhenPreferred) {
  EXPECT_EQ(PickLanguage("", ""), "de");
  EXPECT_EQ(PickLanguage("", "fr-FR,fr;q=0.9"), "de");
  EXPECT_EQ(PickLanguage("", "en-US,en;q=0.9"), "en");
  EXPECT_EQ(PickLanguage("", "de-DE,de;q=0.9,en;q=0.8"), "de");
  EXPECT_EQ(PickLanguage("", "en;q=0.5,de;q=0.9"), "de");
  EXPECT_EQ(PickLanguage("", "fr,en;q=0.7"), "en");
}

TEST(LanguageTest, ExplicitChoiceWins) {
  EXPECT_EQ(PickLanguage("en", "de-DE"), "en");
  EXPECT_EQ(PickLanguage("de", "en-US"), "de");
  EXPECT_EQ(PickLanguage("xx", "en-US"), "en");
}

}  // namespace
}  // namespace consentd::http
