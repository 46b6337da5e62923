#include "core/consent.h"

#include <gtest/gtest.h>

#include "core/deletion_request.h"

namespace consentd::core {
namespace {

const Time kNow = ParseIso("2026-11-30T10:00:00Z").value();
const ConsentPurpose kPurpose{7, 1, "akquisition", std::string(kDefaultPurposeName)};
const ConsentText kText{7, 3, "de", "Ich willige ein ...", "abc123"};

TEST(ConsentTest, GiveConsentFillsTheSeedFields) {
  ConsentRecord r = GiveConsent(42, kPurpose, kText, kSourceKontaktformular, kNow);
  EXPECT_EQ(r.contact_id, 42);
  EXPECT_EQ(r.source, "Kontaktformular");
  EXPECT_EQ(r.purpose_name, "Akquisition und Vermittlung von Immobilien");
  EXPECT_EQ(r.granted_at, kNow);
  EXPECT_FALSE(r.revoked_at);
  EXPECT_EQ(r.revocation_reason, "");
  EXPECT_EQ(r.text_version, 3);
  EXPECT_EQ(r.text_sha256, "abc123");
  EXPECT_EQ(StateOf(r, false), ConsentState::kGranted);
}

TEST(ConsentTest, WithdrawKeepsTheGrantAndSetsRevocation) {
  ConsentRecord given = GiveConsent(42, kPurpose, kText, kSourceKontaktformular, kNow);
  Time later = kNow + std::chrono::hours(24);
  ConsentRecord w = Withdraw(given, 42, kPurpose, kReasonDeletionRequest, later);
  EXPECT_EQ(w.granted_at, kNow);
  EXPECT_EQ(w.revoked_at, later);
  EXPECT_EQ(w.revocation_reason, "Löschantrag");
  EXPECT_EQ(StateOf(w, false), ConsentState::kWithdrawn);
  EXPECT_EQ(StateOf(w, true), ConsentState::kDeletionRequested);
}

TEST(ConsentTest, WithdrawWithoutEarlierConsentDocumentsTheObjection) {
  ConsentRecord w = Withdraw(std::nullopt, 42, kPurpose, "keine Werbung", kNow);
  EXPECT_FALSE(w.granted_at);
  EXPECT_EQ(w.revoked_at, kNow);
  EXPECT_EQ(w.source, "Kontaktformular");
  EXPECT_EQ(StateOf(w, false), ConsentState::kWithdrawn);
}

TEST(ConsentTest, ConsentAfterWithdrawalIsValidAgain) {
  ConsentRecord w = Withdraw(std::nullopt, 42, kPurpose, "x", kNow);
  ConsentRecord again = GiveConsent(42, kPurpose, kText, kSourceKontaktformular, kNow);
  EXPECT_FALSE(again.revoked_at);
  EXPECT_EQ(StateOf(again, false), ConsentState::kGranted);
  EXPECT_EQ(StateOf(std::nullopt, false), ConsentState::kNone);
  (void)w;
}

TEST(DeletionRequestTest, IsDueOneCalendarMonthLater) {
  auto d = NewDeletionRequest(1, 42, ParseIso("2026-01-31T08:00:00Z").value(), "bitte löschen");
  EXPECT_EQ(FormatIso(d.due_at), "2026-02-28T08:00:00Z");
  EXPECT_EQ(d.status, "open");
}

}  // namespace
}  // namespace consentd::core
