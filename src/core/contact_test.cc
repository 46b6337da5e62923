#include "core/contact.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

TEST(BriefAnredeTest, FollowsGermanLetterConventions) {
  ContactData herr;
  herr.anrede = "Herr";
  herr.titel = "Dr.";
  herr.vorname = "Jürgen";
  herr.nachname = "Müller";
  EXPECT_EQ(BriefAnrede(herr), "Sehr geehrter Herr Dr. Müller,");
  ContactData frau;
  frau.anrede = "Frau";
  frau.vorname = "Ayşe";
  frau.nachname = "Özdemir";
  EXPECT_EQ(BriefAnrede(frau), "Sehr geehrte Frau Özdemir,");
  ContactData divers;
  divers.anrede = "Divers";
  divers.vorname = "Alex";
  divers.nachname = "Weber";
  EXPECT_EQ(BriefAnrede(divers), "Guten Tag Alex Weber,");
  EXPECT_EQ(BriefAnrede(ContactData{}), "Guten Tag,");
}

TEST(DiffTest, ListsChangedFieldsWithBeforeAndAfter) {
  ContactData before;
  before.vorname = "Erika";
  before.telefon = "+49 30 1";
  ContactData after = before;
  after.telefon = "+49 171 2";
  after.ort = "Berlin";
  auto changes = Diff(before, after);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].field, "telefon");
  EXPECT_EQ(changes[0].before, "+49 30 1");
  EXPECT_EQ(changes[0].after, "+49 171 2");
  EXPECT_EQ(changes[1].field, "ort");
  EXPECT_TRUE(Diff(before, before).empty());
}

TEST(LegalBasisTest, RoundTripsKeys) {
  for (auto b : {LegalBasis::kNone, LegalBasis::kConsent, LegalBasis::kExistingCustomer,
                 LegalBasis::kOwnEnquiry}) {
    EXPECT_EQ(ParseLegalBasis(LegalBasisKey(b)), b);
  }
  EXPECT_FALSE(ParseLegalBasis("maybe"));
}

}  // namespace
}  // namespace consentd::core
