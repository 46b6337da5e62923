#include "app/delivery.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>

#include "app/mailing.h"
#include "app/portal.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

// Answers with scripted outcomes (then kSent) and records what it was asked to send.
class ScriptedSender final : public core::MailSender {
 public:
  core::SendResult Send(const core::OutgoingMail& mail) override {
    sent.push_back(mail);
    if (script.empty()) return {core::SendOutcome::kSent, "250 ok"};
    auto r = script.front();
    script.pop_front();
    return r;
  }
  std::deque<core::SendResult> script;
  std::vector<core::OutgoingMail> sent;
};

class NoFactory final : public core::MailSenderFactory {
 public:
  std::unique_ptr<core::MailSender> Create(const core::SmtpAccount&) override { return nullptr; }
};

class DeliveryTest : public ::testing::Test {
 protected:
  DeliveryTest()
      : tenant_(f_.AddTenant("a")), worker_(*f_.store, f_.clock, f_.crypto, factory_, Options()) {}

  static DeliveryOptions Options() {
    DeliveryOptions o;
    o.batch = 16;
    o.per_tenant = 8;
    o.lease = std::chrono::seconds(300);
    o.retry.base = std::chrono::seconds(60);
    o.retry.max_age = std::chrono::hours(1);
    return o;
  }

  core::MailingId Queue(core::TenantId tenant, int contacts) {
    std::vector<core::ContactId> ids;
    for (int i = 0; i < contacts; ++i) {
      ids.push_back(f_.AddContact(
          tenant, "c" + std::to_string(tenant) + "-" + std::to_string(i) + "@example.com"));
    }
    MailingRequest r;
    r.tenant = tenant;
    r.subject = "Ihre Daten – bitte prüfen";
    r.contacts = ids;
    auto id = CreateMailing(*f_.store, f_.clock, r).value();
    EXPECT_TRUE(
        PrepareMailing(*f_.store, f_.clock, f_.crypto, {"https://consent.example"}, tenant, id));
    return id;
  }

  MailingSummary Summary(core::TenantId tenant, core::MailingId id) {
    return SummarizeMailing(*f_.store, tenant, id).value();
  }

  std::vector<core::Message> Messages(core::TenantId tenant, core::MailingId id) {
    std::vector<core::Message> out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      out = tx.ListMessages(tenant, id, std::nullopt, 0, 1000).value();
      return {};
    }));
    return out;
  }

  testing::StoreFixture f_;
  core::TenantId tenant_;
  NoFactory factory_;
  DeliveryWorker worker_;
  ScriptedSender sender_;
};

TEST_F(DeliveryTest, SendsEachMessageOnceWithItsOwnLinkAndRecordsIt) {
  auto id = Queue(tenant_, 3);
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 3);
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0);
  ASSERT_EQ(sender_.sent.size(), 3u);
  std::set<std::string> links;
  for (const auto& m : sender_.sent) {
    auto pos = m.text_body.find("https://consent.example/c/");
    ASSERT_NE(pos, std::string::npos);
    links.insert(m.text_body.substr(pos, 26 + 43));
    EXPECT_EQ(m.list_unsubscribe_url.rfind("https://consent.example/u/", 0), 0u);
    EXPECT_EQ(m.subject, "Ihre Daten – bitte prüfen");
  }
  EXPECT_EQ(links.size(), 3u);
  auto summary = Summary(tenant_, id);
  EXPECT_EQ(summary.Count(core::MessageState::kSent), 3);
  EXPECT_TRUE(summary.Finished());
  for (const auto& m : Messages(tenant_, id)) {
    EXPECT_TRUE(m.body_text.empty()) << "sent bodies keep no personal link";
    EXPECT_EQ(m.smtp_reply, "250 ok");
    bool logged = false;
    ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto activities = tx.ListActivities(tenant_, m.contact_id);  // keep the Result alive
      for (const auto& a : activities.value()) {
        logged |= a.type == core::ActivityType::kEmailVersendet;
      }
      return {};
    }));
    EXPECT_TRUE(logged);
  }
}

TEST_F(DeliveryTest, TransientFailureIsRetriedAfterBackoff) {
  auto id = Queue(tenant_, 1);
  sender_.script = {{core::SendOutcome::kTransient, "450 mailbox busy"},
                    {core::SendOutcome::kTransient, "421 closing"}};
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 1);
  auto m = Messages(tenant_, id).at(0);
  EXPECT_EQ(m.state, core::MessageState::kDeferred);
  EXPECT_EQ(m.smtp_reply, "450 mailbox busy");
  EXPECT_EQ(m.next_attempt_at, f_.clock.Now() + std::chrono::seconds(60));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0) << "not before its time";
  f_.clock.Advance(std::chrono::seconds(60));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 1);
  m = Messages(tenant_, id).at(0);
  EXPECT_EQ(m.next_attempt_at, f_.clock.Now() + std::chrono::seconds(120)) << "backoff doubles";
  f_.clock.Advance(std::chrono::seconds(120));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 1);
  EXPECT_EQ(Messages(tenant_, id).at(0).state, core::MessageState::kSent);
  EXPECT_EQ(sender_.sent.size(), 3u);
}

TEST_F(DeliveryTest, PermanentFailureIsNotRetried) {
  auto id = Queue(tenant_, 1);
  sender_.script = {{core::SendOutcome::kPermanent, "550 no such user"}};
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 1);
  f_.clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0);
  auto m = Messages(tenant_, id).at(0);
  EXPECT_EQ(m.state, core::MessageState::kFailed);
  EXPECT_EQ(m.smtp_reply, "550 no such user");
  EXPECT_TRUE(Summary(tenant_, id).Finished());
  // The failure is evidence too (webhook mail.failed), without the address or the reply.
  std::vector<core::Activity> activities;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    activities = tx.ListActivities(tenant_, m.contact_id).value();
    return {};
  }));
  ASSERT_FALSE(activities.empty());
  const auto& failed = activities.back();
  EXPECT_EQ(failed.type, core::ActivityType::kEmailNichtZugestellt);
  EXPECT_NE(failed.payload.find("\"reason\":\"permanent\""), std::string::npos);
  EXPECT_EQ(failed.payload.find(m.to_address.empty() ? "@" : m.to_address), std::string::npos);
  // The reply's text, not its code: "550" may occur in the random message id.
  EXPECT_EQ(failed.payload.find("no such user"), std::string::npos);
}

TEST_F(DeliveryTest, GivesUpAfterTheMaximumAge) {
  auto id = Queue(tenant_, 1);
  for (int i = 0; i < 10; ++i)
    sender_.script.push_back({core::SendOutcome::kTransient, "451 later"});
  for (int round = 0; round < 10 && !Summary(tenant_, id).Finished(); ++round) {
    (void)worker_.RunOnce(&sender_);
    f_.clock.Advance(std::chrono::minutes(30));
  }
  EXPECT_EQ(Messages(tenant_, id).at(0).state, core::MessageState::kFailed);
  EXPECT_LE(sender_.sent.size(), 4u);
}

TEST_F(DeliveryTest, MessagesOfACrashedSenderReturnWhenTheLeaseExpires) {
  auto id = Queue(tenant_, 2);
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
    auto claimed =
        tx.ClaimDueMessages(f_.clock.Now(), f_.clock.Now() + std::chrono::seconds(300), 8, 16);
    EXPECT_EQ(claimed->size(), 2u);
    return {};
  }));  // ... and the sender dies before recording anything.
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0) << "leased elsewhere";
  f_.clock.Advance(std::chrono::seconds(300));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0) << "the lease's last second is still its own";
  f_.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 2);
  EXPECT_EQ(Summary(tenant_, id).Count(core::MessageState::kSent), 2);
}

TEST_F(DeliveryTest, ABigMailingDoesNotStarveAnotherTenant) {
  auto big = Queue(tenant_, 40);
  auto other = f_.AddTenant("b");
  auto small = Queue(other, 1);
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 9);  // 8 of the big one, and the small one
  EXPECT_EQ(Summary(other, small).Count(core::MessageState::kSent), 1);
  EXPECT_EQ(Summary(tenant_, big).Count(core::MessageState::kSent), 8);
}

TEST_F(DeliveryTest, SkipsWhoMustNotBeMailedAndSaysWhy) {
  auto withdrawn = f_.AddContact(tenant_, "w@example.com");
  auto none = f_.AddContact(tenant_, "n@example.com");
  auto ok = f_.AddContact(tenant_, "ok@example.com");
  Portal portal(*f_.store, f_.clock, f_.crypto, f_.phones, "https://x.example");
  ASSERT_TRUE(portal.Withdraw(f_.Link(tenant_, withdrawn), "", {}));
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
    auto c = tx.FindContact(tenant_, none).value();
    c.legal_basis = core::LegalBasis::kNone;
    return tx.UpdateContact(c);
  }));
  MailingRequest r;
  r.tenant = tenant_;
  r.subject = "Betreff";
  r.contacts = {withdrawn, none, ok};
  auto id = CreateMailing(*f_.store, f_.clock, r).value();
  ASSERT_TRUE(PrepareMailing(*f_.store, f_.clock, f_.crypto, {"https://x.example"}, tenant_, id));
  std::map<core::ContactId, std::string> reasons;
  for (const auto& m : Messages(tenant_, id)) reasons[m.contact_id] = m.skip_reason;
  EXPECT_EQ(reasons[withdrawn], "withdrawn");
  EXPECT_EQ(reasons[none], "no_legal_basis");
  EXPECT_EQ(reasons[ok], "");
  r.lawful_confirmation = "Bestandskunden, § 7 Abs. 3 UWG geprüft";
  auto confirmed = CreateMailing(*f_.store, f_.clock, r).value();
  ASSERT_TRUE(
      PrepareMailing(*f_.store, f_.clock, f_.crypto, {"https://x.example"}, tenant_, confirmed));
  EXPECT_EQ(Summary(tenant_, confirmed).Count(core::MessageState::kQueued), 2);
}

TEST_F(DeliveryTest, AMailingLeftPreparingIsResumedAfterARestart) {
  std::vector<core::ContactId> ids;
  for (int i = 0; i < 1200; ++i)
    ids.push_back(f_.AddContact(tenant_, "r" + std::to_string(i) + "@example.com"));
  MailingRequest r;
  r.tenant = tenant_;
  r.subject = "Betreff";
  r.filter = "all";
  auto id = CreateMailing(*f_.store, f_.clock, r).value();  // ... and the process dies here
  EXPECT_EQ(Summary(tenant_, id).Count(core::MessageState::kPending), 1200);
  EXPECT_EQ(worker_.RunOnce(&sender_).value(), 0) << "nothing is sent before it is prepared";
  ASSERT_TRUE(ResumePreparingMailings(*f_.store, f_.clock, f_.crypto, {"https://x.example"}));
  auto summary = Summary(tenant_, id);
  EXPECT_EQ(summary.mailing.state, core::MailingState::kQueued);
  EXPECT_EQ(summary.Count(core::MessageState::kQueued), 1200);
  EXPECT_EQ(summary.Count(core::MessageState::kPending), 0);
}

TEST_F(DeliveryTest, RefusesATemplateThatCouldLoseTheLink) {
  MailingRequest r;
  r.tenant = tenant_;
  r.subject = "Betreff";
  r.filter = "all";
  r.body_text = "{{anrede_brief}} Ihr Link: {{#firma}}{{consent_url}}{{/firma}}";
  auto refused = CreateMailing(*f_.store, f_.clock, r);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("Abschnitt"), std::string::npos);
  r.body_text = "Guten Tag {{vornamee}}, {{consent_url}}";
  EXPECT_NE(CreateMailing(*f_.store, f_.clock, r).error().message.find("vornamee"),
            std::string::npos);
  r.body_text = "Guten Tag, ohne Link";
  EXPECT_NE(CreateMailing(*f_.store, f_.clock, r).error().message.find("consent_url"),
            std::string::npos);
  r.body_text.reset();
  r.subject = "Hallo\r\nBcc: x@example.com";
  EXPECT_FALSE(CreateMailing(*f_.store, f_.clock, r));
}

}  // namespace
}  // namespace consentd::app
