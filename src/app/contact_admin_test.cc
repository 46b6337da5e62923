#include "app/contact_admin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/admin.h"
#include "app/contact_import.h"
#include "app/deletion_inbox.h"
#include "app/erasure.h"
#include "app/evidence.h"
#include "app/mailing.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

class ContactAdminTest : public ::testing::Test {
 protected:
  ContactAdminTest()
      : tenant_(f_.AddTenant("musterimmo")),
        other_tenant_(f_.AddTenant("andere")),
        contact_(f_.AddContact(tenant_, "erika@example.com")),
        broker_(CreateUser(*f_.store, f_.crypto, tenant_, "makler@example.com", "Max Makler",
                           core::Role::kBroker, "ein-langes-passwort")
                    .value()),
        actor_{tenant_, broker_, "203.0.113.0/24"} {}

  core::Contact Contact(core::ContactId id, core::TenantId tenant = 0) {
    return LoadContactDetail(*f_.store, tenant ? tenant : tenant_, id).value().contact;
  }
  ContactDetail Detail(core::ContactId id) {
    return LoadContactDetail(*f_.store, tenant_, id).value();
  }
  nlohmann::json LastPayload(core::ContactId id) {
    auto d = Detail(id);
    EXPECT_FALSE(d.activities.empty());
    return nlohmann::json::parse(d.activities.back().payload);
  }
  std::vector<core::AuditEntry> Audit() {
    std::vector<core::AuditEntry> out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      out = tx.ListAudit(tenant_, core::AuditQuery{}).value();
      return {};
    }));
    return out;
  }
  void ExpectChainVerifies() {
    for (const auto& r : VerifyChains(*f_.store, f_.crypto).value()) {
      EXPECT_FALSE(r.broken_at_seq) << r.slug << ": " << r.problem;
    }
  }
  static bool HasError(const core::FieldErrors& errors, std::string_view field) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const core::FieldError& e) { return e.field == field; });
  }

  testing::StoreFixture f_;
  core::TenantId tenant_, other_tenant_;
  core::ContactId contact_;
  core::UserId broker_;
  Actor actor_;
};

TEST_F(ContactAdminTest, CreateWithErrorsSavesNothing) {
  auto out = CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                                   {{"email", "kein-at"}, {"plz", "123"}, {"legal_basis", "x"}})
                 .value();
  EXPECT_TRUE(HasError(out.errors, "email"));
  EXPECT_TRUE(HasError(out.errors, "plz"));
  EXPECT_TRUE(HasError(out.errors, "nachname"));
  EXPECT_TRUE(HasError(out.errors, "legal_basis"));
  EXPECT_FALSE(testing::ContactExists(*f_.store, tenant_, "kein-at"));
  EXPECT_TRUE(Audit().empty());
}

TEST_F(ContactAdminTest, CreateWritesContactEvidenceAndAudit) {
  auto out = CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                                   {{"email", "tom@example.com"},
                                    {"nachname", "Weber"},
                                    {"kontaktart", "interessent"},
                                    {"sprache", "en"},
                                    {"legal_basis", "existing_customer"}})
                 .value();
  ASSERT_TRUE(out.saved()) << out.errors.front().field;
  auto c = Contact(out.id);
  EXPECT_EQ(c.data.sprache, "en");
  EXPECT_EQ(c.legal_basis, core::LegalBasis::kExistingCustomer);
  auto d = Detail(out.id);
  ASSERT_EQ(d.activities.size(), 1u);
  EXPECT_EQ(d.activities[0].author_user_id, broker_);
  EXPECT_EQ(nlohmann::json::parse(d.activities[0].payload)["act"], "create_contact");
  ASSERT_EQ(Audit().size(), 1u);
  EXPECT_EQ(Audit()[0].action, "contact.create");
  EXPECT_EQ(Audit()[0].user_id, broker_);
}

TEST_F(ContactAdminTest, CreateRefusesConsentAsBasisAndTakenEmail) {
  auto out = CreateContactByBroker(
                 *f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                 {{"email", "ERIKA@example.com"}, {"nachname", "Zwei"}, {"legal_basis", "consent"}})
                 .value();
  EXPECT_TRUE(HasError(out.errors, "legal_basis"));
  out = CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                              {{"email", "ERIKA@example.com"}, {"nachname", "Zwei"}})
            .value();
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].field, "email");
}

TEST_F(ContactAdminTest, BrokerChangesEmailDirectlyWithBeforeAfter) {
  auto out = UpdateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, contact_,
                                   {{"email", "erika.neu@example.com"}, {"ort", "Köln"}})
                 .value();
  ASSERT_TRUE(out.saved());
  EXPECT_EQ(Contact(contact_).data.email, "erika.neu@example.com");
  auto payload = LastPayload(contact_);
  EXPECT_EQ(payload["act"], "broker_edit");
  EXPECT_EQ(payload["channel"], "admin");
  EXPECT_NE(payload["changes"].dump().find("erika@example.com"), std::string::npos);
  EXPECT_EQ(Detail(contact_).activities.back().author_user_id, broker_);
  EXPECT_EQ(Audit().at(0).action, "contact.update");
  ExpectChainVerifies();
}

TEST_F(ContactAdminTest, UpdateToTakenEmailIsAnErrorAtTheFieldAndChangesNothing) {
  f_.AddContact(tenant_, "tom@example.com", "Weber");
  auto before = Contact(contact_);
  auto out = UpdateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, contact_,
                                   {{"email", "Tom@Example.com"}, {"ort", "Bonn"}})
                 .value();
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].field, "email");
  EXPECT_EQ(Contact(contact_).data, before.data);
  EXPECT_TRUE(Audit().empty());
}

TEST_F(ContactAdminTest, AnotherTenantsContactIsNotFoundAndUnchanged) {
  Actor other{other_tenant_, broker_, ""};
  const auto code = core::ErrorCode::kNotFound;
  auto update = UpdateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, other, contact_,
                                      {{"ort", "Bonn"}});
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code, code);
  auto consent = RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, other, contact_, {});
  ASSERT_FALSE(consent);
  EXPECT_EQ(consent.error().code, code);
  auto withdraw = RecordWithdrawalByBroker(*f_.store, f_.clock, f_.crypto, other, contact_, {});
  ASSERT_FALSE(withdraw);
  auto revoke = RevokeLinks(*f_.store, f_.clock, other, contact_);
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, code);
  EXPECT_FALSE(LoadContactDetail(*f_.store, other_tenant_, contact_));
  EXPECT_EQ(Contact(contact_).data.ort, "");
}

TEST_F(ContactAdminTest, ConsentByPhoneIsANewActWithTheBrokerAsAuthor) {
  auto before = Detail(contact_).activities.size();
  auto out = RecordConsentByBroker(
                 *f_.store, f_.clock, f_.crypto, actor_, contact_,
                 {{"source", "Telefon"}, {"note", "Anruf am Vormittag"}, {"date", "2026-11-28"}})
                 .value();
  ASSERT_TRUE(out.saved()) << out.errors.front().field;
  auto d = Detail(contact_);
  ASSERT_TRUE(d.consent);
  EXPECT_EQ(d.consent->source, "Telefon");
  EXPECT_EQ(core::FormatIsoDate(*d.consent->granted_at), "2026-11-28");
  EXPECT_EQ(d.contact.legal_basis, core::LegalBasis::kConsent);
  EXPECT_EQ(d.state, core::ConsentState::kGranted);
  ASSERT_EQ(d.activities.size(), before + 1);
  EXPECT_EQ(d.activities.back().type, core::ActivityType::kEinwilligung);
  EXPECT_EQ(d.activities.back().author_user_id, broker_);
  auto payload = nlohmann::json::parse(d.activities.back().payload);
  EXPECT_EQ(payload["note"], "Anruf am Vormittag");
  EXPECT_FALSE(payload["consent_text"]["sha256"].get<std::string>().empty());
  EXPECT_EQ(Audit().at(0).action, "contact.consent");
  ExpectChainVerifies();
}

// The audit log is append-only and outlives an erasure, so its entries name ids, fields,
// counts and states — never the person: not in the detail, not in the target.
TEST_F(ContactAdminTest, AuditEntriesHoldNoPersonalDataOfTheContact) {
  const std::string email = "zoe.quaste@example.org";
  auto created = CreateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_,
                                       {{"email", email},
                                        {"vorname", "Zoe"},
                                        {"nachname", "Quaste"},
                                        {"telefon", "+49 30 98765432"},
                                        {"legal_basis", "existing_customer"}})
                     .value();
  ASSERT_TRUE(created.saved()) << created.errors.front().field;
  const core::ContactId id = created.id;
  ASSERT_TRUE(UpdateContactByBroker(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, id,
                                    {{"ort", "Quastenhausen"}, {"nachname", "Quaste-Berg"}})
                  .value()
                  .saved());
  ASSERT_TRUE(RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, actor_, id,
                                    {{"source", "Telefon"},
                                     {"note", "Frau Quaste rief von +49 30 98765432 an"},
                                     {"date", "2026-11-28"}})
                  .value()
                  .saved());
  MailingRequest single;
  single.tenant = tenant_;
  single.created_by = broker_;
  single.subject = "Ihre Daten, Frau Quaste";
  single.contacts = {id};
  ASSERT_TRUE(CreateMailing(*f_.store, f_.clock, single, actor_));
  std::int64_t request = 0;
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
    request =
        tx.InsertDeletionRequest(core::NewDeletionRequest(tenant_, id, f_.clock.Now(), "")).value();
    return {};
  }));
  DecisionInput extend;
  extend.decision = Decision::kExtend;
  extend.months = 1;
  extend.reason = "Unterlagen von Frau Quaste liegen noch beim Notar";
  ASSERT_TRUE(
      Decide(*f_.store, f_.clock, f_.crypto, actor_, request, extend).value().errors.empty());
  ASSERT_TRUE(EraseContact(*f_.store, f_.clock, f_.crypto, actor_, id,
                           "Frau Zoe Quaste (" + email + ") bat am Telefon darum"));
  const auto audit = Audit();
  ASSERT_GE(audit.size(), 6u);
  for (const auto& entry : audit) {
    for (const std::string& personal :
         {std::string("Quaste"), std::string("Zoe"), email, std::string("98765432")}) {
      EXPECT_EQ(entry.detail.find(personal), std::string::npos) << entry.action << entry.detail;
      EXPECT_EQ(entry.target.find(personal), std::string::npos) << entry.action << entry.target;
    }
  }
}

TEST_F(ContactAdminTest, ConsentNeedsSourceNoteAndAPastDate) {
  auto out = RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, actor_, contact_,
                                   {{"source", "Kontaktformular"}, {"date", "2999-01-01"}})
                 .value();
  EXPECT_TRUE(HasError(out.errors, "source"));
  EXPECT_TRUE(HasError(out.errors, "note"));
  EXPECT_TRUE(HasError(out.errors, "date"));
  EXPECT_FALSE(Detail(contact_).consent);
}

TEST_F(ContactAdminTest, OnlyTheCrmReportsConsentFromItsOwnContactFormWithEvidence) {
  Actor crm = actor_;
  crm.api_key = 7;
  auto out = RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, crm, contact_,
                                   {{"source", "Kontaktformular"},
                                    {"note", "Formular im CRM"},
                                    {"date", "2026-11-01"},
                                    {"evidence", R"({"form_url":"https://crm.example/f/7"})"}})
                 .value();
  ASSERT_TRUE(out.saved());
  auto d = Detail(contact_);
  EXPECT_EQ(d.consent->source, "Kontaktformular");
  auto payload = nlohmann::json::parse(d.activities.back().payload);
  EXPECT_EQ(payload["channel"], "api");
  EXPECT_EQ(payload["api_key_id"], 7);
  EXPECT_EQ(payload["evidence"]["form_url"], "https://crm.example/f/7");
  auto bad = RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, crm, contact_,
                                   {{"source", "Telefon"}, {"note", "x"}, {"evidence", "[1]"}})
                 .value();
  EXPECT_TRUE(HasError(bad.errors, "evidence"));
}

TEST_F(ContactAdminTest, WithdrawalTheBrokerWasToldEndsConsent) {
  ASSERT_TRUE(
      RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, actor_, contact_,
                            {{"source", "Schriftlich"}, {"note", "Brief"}, {"date", "2026-11-01"}})
          .value()
          .saved());
  f_.clock.Advance(std::chrono::hours(1));
  auto out = RecordWithdrawalByBroker(*f_.store, f_.clock, f_.crypto, actor_, contact_,
                                      {{"source", "Telefon"}, {"note", "rief an"}})
                 .value();
  ASSERT_TRUE(out.saved());
  auto d = Detail(contact_);
  EXPECT_EQ(d.state, core::ConsentState::kWithdrawn);
  EXPECT_EQ(d.consent->revocation_reason, "Widerruf gegenüber dem Makler (Telefon)");
  EXPECT_EQ(d.contact.legal_basis, core::LegalBasis::kNone);
  EXPECT_EQ(d.activities.back().type, core::ActivityType::kWiderruf);
  // A consent dated before that withdrawal cannot override it.
  out = RecordConsentByBroker(*f_.store, f_.clock, f_.crypto, actor_, contact_,
                              {{"source", "Telefon"}, {"note", "alt"}, {"date", "2026-11-02"}})
            .value();
  EXPECT_TRUE(HasError(out.errors, "date"));
}

TEST_F(ContactAdminTest, RevokeLinksRevokesEveryActiveLink) {
  f_.Link(tenant_, contact_);
  f_.Link(tenant_, contact_);
  EXPECT_EQ(RevokeLinks(*f_.store, f_.clock, actor_, contact_).value(), 2);
  auto d = Detail(contact_);
  ASSERT_EQ(d.links.size(), 2u);
  for (const auto& l : d.links) EXPECT_EQ(LinkStatusKey(l, f_.clock.Now()), "revoked");
  EXPECT_EQ(RevokeLinks(*f_.store, f_.clock, actor_, contact_).value(), 0);
  EXPECT_EQ(Audit().at(0).action, "contact.links_revoke");
}

TEST_F(ContactAdminTest, ImportJobsAreKeptPerTenant) {
  core::ImportJob job;
  job.tenant_id = tenant_;
  job.user_id = broker_;
  job.file_name = "kontakte.csv";
  job.total_rows = 10;
  job.created_at = job.updated_at = f_.clock.Now();
  std::int64_t id = 0;
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
    auto r = tx.InsertImportJob(job);
    if (!r) return r.error();
    id = *r;
    return {};
  }));
  job.id = id;
  job.state = core::ImportJobState::kDone;
  job.processed_rows = 10;
  job.inserted = 7;
  job.errors = R"([{"line":3}])";
  job.finished_at = f_.clock.Now();
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) { return tx.UpdateImportJob(job); }));
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto found = tx.FindImportJob(tenant_, id).value();
    EXPECT_EQ(found.state, core::ImportJobState::kDone);
    EXPECT_EQ(found.inserted, 7);
    EXPECT_EQ(found.errors, R"([{"line":3}])");
    EXPECT_EQ(found.file_name, "kontakte.csv");
    EXPECT_TRUE(found.finished_at);
    auto other = tx.FindImportJob(other_tenant_, id);
    EXPECT_FALSE(other);
    EXPECT_EQ(other.error().code, core::ErrorCode::kNotFound);
    return {};
  }));
  job.tenant_id = other_tenant_;
  auto status = f_.store->Write([&](core::WriteTx& tx) { return tx.UpdateImportJob(job); });
  EXPECT_FALSE(status);
}

std::string TestData(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../tests/testdata" / name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<int> JobErrorLines(const core::ImportJob& job) {
  std::vector<int> lines;
  for (const auto& e : nlohmann::json::parse(job.errors)) lines.push_back(e["line"].get<int>());
  return lines;
}

TEST_F(ContactAdminTest, ImportInChunksReportsTheLinesOfTheWholeFile) {
  auto job = StartImportJob(*f_.store, f_.clock, actor_, "bad.csv").value();
  // Chunks of two rows: a quoted cell with a line break sits in the first chunk.
  ASSERT_TRUE(RunImportJob(
      *f_.store, f_.clock, f_.crypto, f_.phones, actor_, job, TestData("contacts_bad_rows.csv"),
      [] { return false; }, 2));
  auto done = FindImportJob(*f_.store, tenant_, job).value();
  EXPECT_EQ(done.state, core::ImportJobState::kDone) << done.failure;
  EXPECT_EQ(done.inserted, 2);
  EXPECT_EQ(done.total_rows, done.processed_rows);
  EXPECT_EQ(JobErrorLines(done), (std::vector<int>{4, 5, 7, 8, 9, 11, 12}));
  EXPECT_TRUE(testing::ContactExists(*f_.store, tenant_, "kim@example.com"));
  EXPECT_EQ(Audit().at(0).action, "contact.import");
}

// A server that stops during an import takes the file with it: at the next start the job
// ends as failed with the reason, in every tenant; finished jobs and jobs the new process
// started itself stay as they are.
TEST_F(ContactAdminTest, ImportJobsCutByARestartEndAsFailed) {
  const auto cut = StartImportJob(*f_.store, f_.clock, actor_, "cut.csv").value();
  const Actor other{other_tenant_, 0, "198.51.100.0/24"};
  const auto other_cut = StartImportJob(*f_.store, f_.clock, other, "other.csv").value();
  const auto done = StartImportJob(*f_.store, f_.clock, actor_, "done.csv").value();
  ASSERT_TRUE(RunImportJob(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, done,
                           "E-Mail;Nachname\nkim@example.com;Kim\n", [] { return false; }));
  f_.clock.Advance(std::chrono::seconds(30));
  const auto fresh = StartImportJob(*f_.store, f_.clock, actor_, "fresh.csv").value();

  EXPECT_EQ(FailInterruptedImportJobs(*f_.store, f_.clock).value(), 2);

  for (auto [tenant, id] : {std::pair{tenant_, cut}, std::pair{other_tenant_, other_cut}}) {
    auto job = FindImportJob(*f_.store, tenant, id).value();
    EXPECT_EQ(job.state, core::ImportJobState::kFailed);
    EXPECT_EQ(job.failure, kImportCutByRestart);
    EXPECT_EQ(job.finished_at, f_.clock.Now());
  }
  EXPECT_EQ(FindImportJob(*f_.store, tenant_, done).value().state, core::ImportJobState::kDone);
  EXPECT_EQ(FindImportJob(*f_.store, tenant_, fresh).value().state, core::ImportJobState::kRunning);
  EXPECT_EQ(FailInterruptedImportJobs(*f_.store, f_.clock).value(), 0);
}

TEST_F(ContactAdminTest, ImportOfAFileWithoutEmailColumnFailsWithTheReason) {
  auto job = StartImportJob(*f_.store, f_.clock, actor_, "x.csv").value();
  ASSERT_TRUE(RunImportJob(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, job,
                           "Vorname;Nachname\nA;B\n", [] { return false; }));
  auto failed = FindImportJob(*f_.store, tenant_, job).value();
  EXPECT_EQ(failed.state, core::ImportJobState::kFailed);
  EXPECT_FALSE(failed.failure.empty());
  EXPECT_EQ(failed.inserted, 0);
}

TEST_F(ContactAdminTest, ImportStopsBetweenChunksWhenAsked) {
  auto job = StartImportJob(*f_.store, f_.clock, actor_, "x.csv").value();
  ASSERT_TRUE(RunImportJob(*f_.store, f_.clock, f_.crypto, f_.phones, actor_, job,
                           "E-Mail;Nachname\na@example.com;A\n", [] { return true; }));
  EXPECT_EQ(FindImportJob(*f_.store, tenant_, job).value().state, core::ImportJobState::kFailed);
  EXPECT_FALSE(testing::ContactExists(*f_.store, tenant_, "a@example.com"));
}

}  // namespace
}  // namespace consentd::app
