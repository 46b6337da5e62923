#include "app/portal.h"

#include <gtest/gtest.h>

#include "app/evidence.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

class PortalTest : public ::testing::Test {
 protected:
  PortalTest()
      : tenant_(f_.AddTenant("musterimmo")),
        contact_(f_.AddContact(tenant_, "erika@example.com")),
        token_(f_.Link(tenant_, contact_)),
        portal_(*f_.store, f_.clock, f_.crypto, f_.phones, "https://consent.example") {}

  std::vector<core::Activity> Activities(core::TenantId tenant, core::ContactId contact) {
    std::vector<core::Activity> out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      out = tx.ListActivities(tenant, contact).value();
      return {};
    }));
    return out;
  }

  nlohmann::json LastPayload() {
    auto acts = Activities(tenant_, contact_);
    EXPECT_FALSE(acts.empty());
    return nlohmann::json::parse(acts.back().payload);
  }

  void ExpectChainVerifies() {
    auto reports = VerifyChains(*f_.store, f_.crypto).value();
    for (const auto& r : reports) EXPECT_FALSE(r.broken_at_seq) << r.slug << ": " << r.problem;
  }

  testing::StoreFixture f_;
  core::TenantId tenant_;
  core::ContactId contact_;
  std::string token_;
  Portal portal_;
  RequestContext ctx_{"Mozilla/5.0 (test)", "203.0.113.0/24", "de"};
};

TEST_F(PortalTest, Fall1ConsentFillsRecordAndWritesEvidence) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  auto view = portal_.Open(token_, "de").value();
  ASSERT_TRUE(view.consent);
  EXPECT_EQ(view.state, core::ConsentState::kGranted);
  EXPECT_EQ(view.consent->source, "Kontaktformular");
  EXPECT_EQ(view.consent->purpose_name, "Akquisition und Vermittlung von Immobilien");
  EXPECT_EQ(view.consent->granted_at, f_.clock.Now());
  EXPECT_FALSE(view.consent->revoked_at);
  EXPECT_EQ(view.contact.legal_basis, core::LegalBasis::kConsent);

  auto acts = Activities(tenant_, contact_);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].type, core::ActivityType::kEinwilligung);
  auto p = nlohmann::json::parse(acts[0].payload);
  EXPECT_EQ(p["consent"]["quelle"], "Kontaktformular");
  EXPECT_EQ(p["consent_text"]["sha256"],
            f_.crypto.Sha256Hex(p["consent_text"]["body"].get<std::string>()));
  EXPECT_EQ(p["ip_prefix"], "203.0.113.0/24");
  EXPECT_EQ(p["user_agent"], "Mozilla/5.0 (test)");
  EXPECT_EQ(p["time"], "2026-11-30T10:00:00Z");
  EXPECT_TRUE(p["link_token_id"].is_number());
  ExpectChainVerifies();
}

TEST_F(PortalTest, SystemUserAuthorsPublicActs) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  core::User system;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    system = tx.FindSystemUser(tenant_).value();
    return {};
  }));
  EXPECT_EQ(Activities(tenant_, contact_)[0].author_user_id, system.id);
  EXPECT_FALSE(core::CanLogIn(system));
  EXPECT_FALSE(core::IsBillableSeat(system));
}

TEST_F(PortalTest, Fall2CorrectsDataWithBeforeAfterThenConsents) {
  auto outcome = portal_.CorrectData(
      token_, {{"telefon", "0171 2345678"}, {"email", "evil@example.com"}}, ctx_);
  ASSERT_TRUE(outcome && outcome->saved());
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.contact.data.telefon, "+49 171 2345678");
  EXPECT_EQ(view.contact.data.email, "erika@example.com");  // not changeable here
  EXPECT_EQ(view.state, core::ConsentState::kGranted);
  auto acts = Activities(tenant_, contact_);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].type, core::ActivityType::kDatenaenderung);
  auto changes = nlohmann::json::parse(acts[0].payload)["changes"];
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["field"], "telefon");
  EXPECT_EQ(changes[0]["before"], "");
  EXPECT_EQ(changes[0]["after"], "+49 171 2345678");
  EXPECT_EQ(acts[1].type, core::ActivityType::kEinwilligung);
}

TEST_F(PortalTest, BadDataChangesNothing) {
  auto outcome = portal_.CorrectData(token_, {{"telefon", "12ab"}, {"vorname", "Eva"}}, ctx_);
  ASSERT_TRUE(outcome);
  ASSERT_EQ(outcome->errors.size(), 1u);
  EXPECT_EQ(outcome->errors[0].field, "telefon");
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.contact.data.vorname, "Erika");
  EXPECT_EQ(view.state, core::ConsentState::kNone);
  EXPECT_TRUE(Activities(tenant_, contact_).empty());
}

TEST_F(PortalTest, SearchProfilesAddUpdateDelete) {
  core::Form form = {{"vermarktungsart", "KAUF"},
                     {"nutzungsart", "WOHNEN"},
                     {"objektart", "haus"},
                     {"preis_bis", "350.000 €"},
                     {"zimmer_von", "2,5"}};
  ASSERT_TRUE(portal_.AddSearchProfile(token_, form, ctx_)->saved());
  auto profiles = portal_.Open(token_, "de")->profiles;
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(profiles[0].preis_bis, 35000000);
  form["preis_bis"] = "400.000";
  ASSERT_TRUE(portal_.UpdateSearchProfile(token_, profiles[0].id, form, ctx_)->saved());
  EXPECT_EQ(portal_.Open(token_, "de")->profiles[0].preis_bis, 40000000);
  auto p = LastPayload();
  EXPECT_EQ(p["act"], "update_search_profile");
  EXPECT_EQ(p["before"]["preis_bis"], 350000.0);
  EXPECT_EQ(p["after"]["preis_bis"], 400000.0);
  ASSERT_TRUE(portal_.DeleteSearchProfile(token_, profiles[0].id, ctx_));
  EXPECT_TRUE(portal_.Open(token_, "de")->profiles.empty());
  EXPECT_EQ(Activities(tenant_, contact_).size(), 3u);
  ExpectChainVerifies();
}

TEST_F(PortalTest, InvertedRangeIsRefusedAndNothingSaved) {
  core::Form form = {{"vermarktungsart", "KAUF"},
                     {"nutzungsart", "WOHNEN"},
                     {"objektart", "haus"},
                     {"preis_von", "500.000"},
                     {"preis_bis", "300.000"}};
  auto outcome = portal_.AddSearchProfile(token_, form, ctx_).value();
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].field, "preis_von");
  EXPECT_TRUE(portal_.Open(token_, "de")->profiles.empty());
}

TEST_F(PortalTest, AnotherContactsProfileIsNotFound) {
  auto other = f_.AddContact(tenant_, "max@example.com", "Muster");
  auto other_token = f_.Link(tenant_, other);
  core::Form form = {{"vermarktungsart", "KAUF"}, {"nutzungsart", "WOHNEN"}, {"objektart", "haus"}};
  ASSERT_TRUE(portal_.AddSearchProfile(other_token, form, ctx_)->saved());
  auto theirs = portal_.Open(other_token, "de")->profiles.at(0);
  form["ort"] = "Hijacked";
  auto update = portal_.UpdateSearchProfile(token_, theirs.id, form, ctx_);
  EXPECT_EQ(update.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(portal_.DeleteSearchProfile(token_, theirs.id, ctx_).error().code,
            core::ErrorCode::kNotFound);
  auto still = portal_.Open(other_token, "de")->profiles;
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].ort, "");
}

TEST_F(PortalTest, AnotherTenantsTokenSeesOnlyItsOwnContact) {
  auto other_tenant = f_.AddTenant("other");
  auto other_contact = f_.AddContact(other_tenant, "erika@example.com");
  auto other_token = f_.Link(other_tenant, other_contact);
  ASSERT_TRUE(portal_.GiveConsent(other_token, ctx_));
  EXPECT_EQ(portal_.Open(token_, "de")->state, core::ConsentState::kNone);
  EXPECT_EQ(portal_.Open(other_token, "de")->tenant.slug, "other");
}

TEST_F(PortalTest, WithdrawThenReconsent) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  f_.clock.Advance(std::chrono::hours(48));
  ASSERT_TRUE(portal_.Withdraw(token_, "", ctx_));
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.state, core::ConsentState::kWithdrawn);
  EXPECT_EQ(view.consent->revoked_at, f_.clock.Now());
  EXPECT_EQ(view.consent->revocation_reason, core::kReasonWithdrawal);
  EXPECT_EQ(view.contact.legal_basis, core::LegalBasis::kNone);
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  EXPECT_EQ(portal_.Open(token_, "de")->state, core::ConsentState::kGranted);
}

TEST_F(PortalTest, Fall3DeletionRequestOnceWithDueDate) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  ASSERT_TRUE(portal_.RequestDeletion(token_, "Bitte alles löschen", ctx_));
  ASSERT_TRUE(portal_.RequestDeletion(token_, "nochmal", ctx_));
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.state, core::ConsentState::kDeletionRequested);
  ASSERT_TRUE(view.deletion_request);
  EXPECT_EQ(core::FormatIso(view.deletion_request->due_at), "2026-12-30T10:00:00Z");
  EXPECT_EQ(view.deletion_request->note, "Bitte alles löschen");
  EXPECT_EQ(view.consent->revocation_reason, "Löschantrag");
  EXPECT_TRUE(view.consent->revoked_at);
  auto acts = Activities(tenant_, contact_);
  ASSERT_EQ(acts.size(), 2u);  // consent + one deletion request
  EXPECT_EQ(acts[1].type, core::ActivityType::kLoeschantrag);
  // Fall 4 goes on: the person may still correct data; that alone keeps the request open.
  ASSERT_TRUE(portal_.CorrectData(token_, {{"ort", "Berlin"}}, ctx_)->saved());
  EXPECT_EQ(portal_.Open(token_, "de")->state, core::ConsentState::kDeletionRequested);
  // Consenting again withdraws the request.
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  auto after = portal_.Open(token_, "de").value();
  EXPECT_EQ(after.state, core::ConsentState::kGranted);
  EXPECT_FALSE(after.deletion_request);
  EXPECT_EQ(LastPayload()["deletion_request_withdrawn"], view.deletion_request->id);
}

TEST_F(PortalTest, ASecondWithdrawalKeepsTheFirstDateAndReason) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  ASSERT_TRUE(portal_.RequestDeletion(token_, "", ctx_));
  f_.clock.Advance(std::chrono::hours(1));
  ASSERT_TRUE(portal_.Withdraw(token_, "One-Click", ctx_));
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.consent->revocation_reason, "Löschantrag");
  EXPECT_EQ(view.consent->revoked_at, f_.clock.Now() - std::chrono::hours(1));
  EXPECT_EQ(Activities(tenant_, contact_).back().type, core::ActivityType::kWiderruf);
}

TEST_F(PortalTest, ThePageCannotChangeKontaktartOrSprache) {
  ASSERT_TRUE(portal_.CorrectData(token_, {{"kontaktart", "eigentuemer"}, {"sprache", "en"}}, ctx_)
                  ->saved());
  auto view = portal_.Open(token_, "de").value();
  EXPECT_EQ(view.contact.data.kontaktart, "");
  EXPECT_EQ(view.contact.data.sprache, "de");
}

TEST_F(PortalTest, ExpiredAndUnknownTokensAreTheSameNotFound) {
  f_.clock.Advance(std::chrono::hours(24 * 366));
  EXPECT_EQ(portal_.Open(token_, "de").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(portal_.GiveConsent(token_, ctx_).error().message,
            portal_.GiveConsent(std::string(43, 'A'), ctx_).error().message);
  EXPECT_EQ(portal_.Open("short", "de").error().code, core::ErrorCode::kNotFound);
}

TEST_F(PortalTest, ExportHoldsEverythingAboutThePerson) {
  ASSERT_TRUE(portal_.CorrectData(token_, {{"ort", "Berlin"}}, ctx_)->saved());
  auto doc = nlohmann::json::parse(portal_.Export(token_).value());
  EXPECT_EQ(doc["contact"]["email"], "erika@example.com");
  EXPECT_EQ(doc["contact"]["ort"], "Berlin");
  EXPECT_EQ(doc["consents"][0]["quelle"], "Kontaktformular");
  EXPECT_EQ(doc["activities"].size(), 2u);
  EXPECT_EQ(doc["controller"]["company"], "musterimmo Immobilien GmbH");
}

TEST_F(PortalTest, EnglishPageGetsTheEnglishConsentText) {
  auto en = portal_.Open(token_, "en").value();
  EXPECT_EQ(en.text.language, "en");
  EXPECT_NE(en.text.body.find("I agree"), std::string::npos);
  ctx_.language = "en";
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  EXPECT_EQ(portal_.Open(token_, "de")->consent->language, "en");
}

TEST_F(PortalTest, TamperedChainIsDetected) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  ASSERT_TRUE(portal_.Withdraw(token_, "", ctx_));
  ASSERT_TRUE(
      f_.ExecRaw("UPDATE activity_payloads SET payload = '{\"act\":\"forged\"}' "
                 "WHERE activity_id = (SELECT MIN(id) FROM activities)"));
  auto reports = VerifyChains(*f_.store, f_.crypto).value();
  auto it =
      std::find_if(reports.begin(), reports.end(), [&](auto& r) { return r.tenant == tenant_; });
  ASSERT_NE(it, reports.end());
  ASSERT_TRUE(it->broken_at_seq);
  EXPECT_EQ(*it->broken_at_seq, 1);
}

// Evidence removed from the end of a chain leaves every remaining link intact; the stored
// head, which names the newest activity, gives it away.
TEST_F(PortalTest, EvidenceRemovedFromTheEndIsDetected) {
  ASSERT_TRUE(portal_.GiveConsent(token_, ctx_));
  ASSERT_TRUE(portal_.Withdraw(token_, "", ctx_));
  auto mine = [&](const std::vector<ChainReport>& reports) {
    return *std::find_if(reports.begin(), reports.end(),
                         [&](auto& r) { return r.tenant == tenant_; });
  };
  const ChainReport before = mine(VerifyChains(*f_.store, f_.crypto).value());
  ASSERT_FALSE(before.broken_at_seq) << before.problem;
  const std::string newest =
      "(SELECT MAX(id) FROM activities WHERE tenant_id = " + std::to_string(tenant_) + ")";
  ASSERT_TRUE(f_.ExecRaw(
      std::string(f_.pg ? "ALTER TABLE activities DISABLE TRIGGER activities_append_only; "
                        : "DROP TRIGGER activities_append_only_delete; ") +
      "DELETE FROM activity_payloads WHERE activity_id = " + newest + "; " +
      "DELETE FROM activities WHERE id = " + newest + ";"));
  const ChainReport after = mine(VerifyChains(*f_.store, f_.crypto).value());
  EXPECT_EQ(after.checked, before.checked - 1) << "the links left still verify";
  ASSERT_TRUE(after.broken_at_seq);
  EXPECT_EQ(*after.broken_at_seq, before.checked);
  EXPECT_NE(after.problem.find("missing at the end"), std::string::npos) << after.problem;
}

// The newest queued message of `kind` for the contact, with its rendered text.
core::Message LastQueued(testing::StoreFixture& f, core::TenantId tenant, core::MessageKind kind) {
  core::Message found;
  EXPECT_TRUE(f.store->Write([&](core::WriteTx& tx) -> core::Status {
    auto claimed =
        tx.ClaimDueMessages(f.clock.Now(), f.clock.Now() + std::chrono::seconds(1), 100, 100)
            .value();
    for (const auto& m : claimed) {
      if (m.tenant_id == tenant && m.kind == kind) found = m;
    }
    return {};
  }));
  return found;
}

std::string TokenAfter(const std::string& text, const std::string& prefix) {
  auto pos = text.find(prefix);
  return pos == std::string::npos ? "" : text.substr(pos + prefix.size(), 43);
}

TEST_F(PortalTest, ANewEmailAddressIsUsedOnlyAfterItsConfirmation) {
  auto outcome = portal_.CorrectData(token_, {{"email", "erika.neu@example.com"}}, ctx_).value();
  ASSERT_TRUE(outcome.saved());
  EXPECT_TRUE(outcome.email_confirmation_sent);
  EXPECT_EQ(portal_.Open(token_, "de")->contact.data.email, "erika@example.com");
  auto mail = LastQueued(f_, tenant_, core::MessageKind::kEmailConfirmation);
  EXPECT_EQ(mail.to_address, "erika.neu@example.com");
  std::string confirm = TokenAfter(mail.body_text, "https://consent.example/e/");
  ASSERT_EQ(confirm.size(), 43u);
  auto view = portal_.OpenEmailChange(confirm).value();
  EXPECT_EQ(view.new_email, "erika.neu@example.com");
  ASSERT_TRUE(portal_.ConfirmEmailChange(confirm, ctx_));
  EXPECT_EQ(portal_.Open(token_, "de")->contact.data.email, "erika.neu@example.com");
  auto changes = LastPayload()["changes"];
  EXPECT_EQ(changes[0]["before"], "erika@example.com");
  EXPECT_EQ(changes[0]["after"], "erika.neu@example.com");
  EXPECT_EQ(portal_.ConfirmEmailChange(confirm, ctx_).error().code, core::ErrorCode::kNotFound)
      << "a confirmation link works once";
}

TEST_F(PortalTest, AnEmailConfirmationExpires) {
  ASSERT_TRUE(portal_.CorrectData(token_, {{"email", "late@example.com"}}, ctx_)->saved());
  auto mail = LastQueued(f_, tenant_, core::MessageKind::kEmailConfirmation);
  std::string confirm = TokenAfter(mail.body_text, "https://consent.example/e/");
  f_.clock.Advance(core::kEmailChangeLifetime);
  EXPECT_EQ(portal_.ConfirmEmailChange(confirm, ctx_).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(portal_.Open(token_, "de")->contact.data.email, "erika@example.com");
}

TEST_F(PortalTest, AnInvalidNewEmailIsAFieldError) {
  auto outcome = portal_.CorrectData(token_, {{"email", "not-an-address"}}, ctx_).value();
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].field, "email");
}

TEST_F(PortalTest, ANewLinkIsMailedOnlyToKnownAddressesAndNotTooOften) {
  ASSERT_TRUE(portal_.RequestNewLink("ERIKA@example.com"));
  auto mail = LastQueued(f_, tenant_, core::MessageKind::kLinkRequest);
  EXPECT_EQ(mail.to_address, "erika@example.com");
  std::string fresh = TokenAfter(mail.body_text, "https://consent.example/c/");
  EXPECT_EQ(portal_.Open(fresh, "de")->contact.id, contact_);
  ASSERT_TRUE(portal_.RequestNewLink("erika@example.com"));
  EXPECT_EQ(LastQueued(f_, tenant_, core::MessageKind::kLinkRequest).id, 0) << "rate limited";
  EXPECT_TRUE(portal_.RequestNewLink("unknown@example.com"));
  EXPECT_EQ(portal_.RequestNewLink("nonsense").error().code, core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::app
