#include "app/deletion_inbox.h"

#include <gtest/gtest.h>

#include "app/admin.h"
#include "app/erasure.h"
#include "app/evidence.h"
#include "app/portal.h"
#include "app/settings_admin.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

// Runs on the store CONSENTD_TEST_STORE names (SQLite by default, PostgreSQL in the pg run).
class DeletionInboxTest : public ::testing::Test {
 protected:
  DeletionInboxTest()
      : tenant_(f_.AddTenant("musterimmo")),
        other_tenant_(f_.AddTenant("andere")),
        contact_(f_.AddContact(tenant_, "erika@example.com")),
        broker_(CreateUser(*f_.store, f_.crypto, tenant_, "makler@example.com", "Max Makler",
                           core::Role::kBroker, "ein-langes-passwort")
                    .value()),
        actor_{tenant_, broker_, "203.0.113.0/24"},
        portal_(*f_.store, f_.clock, f_.crypto, f_.phones, "https://einwilligung.example") {}

  // The person asks for deletion through their link; returns the request's id.
  std::int64_t RequestDeletion(core::ContactId contact) {
    const std::string token = f_.Link(tenant_, contact);
    EXPECT_TRUE(
        portal_.RequestDeletion(token, "Bitte alles löschen", {"test", "203.0.113.0/24", "de"}));
    return Case(contact).request.id;
  }

  core::DeletionCase Case(core::ContactId contact) {
    core::DeletionCase out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto all =
          tx.ListDeletionCases(tenant_, {core::DeletionFilter::kAll, "", f_.clock.Now(), 100})
              .value();
      for (const auto& c : all) {
        if (c.request.contact_id == contact) out = c;
      }
      return {};
    }));
    return out;
  }

  // The tenant's queued messages since the last call, {to_address, subject}; marks them sent.
  // Each must be stored as a notice.
  std::vector<std::pair<std::string, std::string>> Notices() {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
      auto claimed = tx.ClaimDueMessages(f_.clock.Now() + std::chrono::hours(1),
                                         f_.clock.Now() + std::chrono::hours(2), 1000, 1000);
      if (!claimed) return claimed.error();
      for (auto m : *claimed) {
        if (m.tenant_id == tenant_) {
          EXPECT_EQ(m.kind, core::MessageKind::kNotice) << m.subject;
          out.emplace_back(m.to_address, m.subject);
        }
        m.state = core::MessageState::kSent;  // taken out of the queue for good
        m.lease_until.reset();
        CONSENTD_RETURN_IF_ERROR(tx.UpdateMessage(m));
      }
      return {};
    }));
    return out;
  }

  core::Result<DecisionOutcome> Decide(std::int64_t id, DecisionInput in,
                                       core::TenantId tenant = 0) {
    Actor actor = actor_;
    if (tenant) actor.tenant = tenant;
    return app::Decide(*f_.store, f_.clock, f_.crypto, actor, id, in);
  }

  testing::StoreFixture f_;
  core::TenantId tenant_, other_tenant_;
  core::ContactId contact_;
  core::UserId broker_;
  Actor actor_;
  Portal portal_;
};

TEST_F(DeletionInboxTest, NewRequestIsListedAndTheBrokersAreToldOnce) {
  const std::int64_t id = RequestDeletion(contact_);
  auto inbox = ListInbox(*f_.store, tenant_, {core::DeletionFilter::kOpen, "", f_.clock.Now(), 50});
  ASSERT_TRUE(inbox);
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ(inbox->front().c.request.id, id);
  EXPECT_FALSE(inbox->front().overdue);
  auto notices = Notices();
  ASSERT_EQ(notices.size(), 1u);  // the broker; the system user gets nothing
  EXPECT_EQ(notices[0].first, "makler@example.com");
  EXPECT_NE(notices[0].second.find("Neuer Löschantrag"), std::string::npos);
}

TEST_F(DeletionInboxTest, EraseLeavesATombstoneAndAVerifyingChain) {
  const std::int64_t id = RequestDeletion(contact_);
  (void)Notices();  // the broker's notice
  DecisionInput in;
  in.decision = Decision::kErase;
  auto missing_confirmation = Decide(id, in);
  ASSERT_TRUE(missing_confirmation);
  ASSERT_EQ(missing_confirmation->errors.size(), 1u);
  EXPECT_EQ(missing_confirmation->errors[0].field, "confirm");
  in.confirmed = true;
  auto done = Decide(id, in);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->errors.empty());

  core::Contact c;
  std::vector<core::Activity> activities;
  bool suppressed = false;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    c = tx.FindContact(tenant_, contact_).value();
    activities = tx.ListActivities(tenant_, contact_).value();
    suppressed = tx.IsSuppressed(tenant_, SuppressionHash(f_.crypto, "Erika@Example.com")).value();
    return {};
  }));
  EXPECT_TRUE(c.erased);
  EXPECT_EQ(c.data.email, "");
  EXPECT_EQ(c.data.nachname, "");
  EXPECT_TRUE(suppressed);
  ASSERT_FALSE(activities.empty());
  EXPECT_EQ(activities.back().type, core::ActivityType::kLoeschung);
  for (std::size_t i = 0; i + 1 < activities.size(); ++i) EXPECT_EQ(activities[i].payload, "");
  EXPECT_EQ(Case(contact_).request.status, "erased");
  auto reports = VerifyChains(*f_.store, f_.crypto);
  ASSERT_TRUE(reports);
  for (const auto& r : *reports) EXPECT_FALSE(r.broken_at_seq) << r.slug << ": " << r.problem;
  // The outcome mail was queued before the address went.
  auto notices = Notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].first, "erika@example.com");
  EXPECT_EQ(notices[0].second, "Ihre Daten wurden gelöscht");
}

TEST_F(DeletionInboxTest, ExtensionIsLimitedToTwoMonthsInTotal) {
  const std::int64_t id = RequestDeletion(contact_);
  const core::Time due = Case(contact_).request.due_at;
  DecisionInput in;
  in.decision = Decision::kExtend;
  in.months = 1;
  in.reason = "Viele Anträge gleichzeitig";
  ASSERT_TRUE(Decide(id, in).value().errors.empty());
  EXPECT_EQ(Case(contact_).request.due_at, core::AddMonths(due, 1));
  EXPECT_EQ(Case(contact_).request.status, "open");
  in.months = 2;
  auto refused = Decide(id, in).value();
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].field, "months");
  in.months = 1;
  EXPECT_TRUE(Decide(id, in).value().errors.empty());
  EXPECT_EQ(Case(contact_).extended_months, 2);
}

TEST_F(DeletionInboxTest, RetentionHoldUsesTheRuleAndIsDueWhenItEnds) {
  ASSERT_TRUE(AddRetentionRule(*f_.store, f_.clock, actor_,
                               {{"rule_name", "Geldwäschegesetz"},
                                {"rule_reference", "§ 8 Abs. 4 GwG"},
                                {"rule_months", "60"}})
                  .value()
                  .empty());
  std::int64_t rule = 0;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    rule = tx.ListRetentionRules(tenant_).value().at(0).id;
    return {};
  }));
  const std::int64_t id = RequestDeletion(contact_);
  DecisionInput in;
  in.decision = Decision::kRetain;
  in.rule_id = rule;
  in.reason = "KYC-Unterlagen aus dem Kaufvertrag";
  ASSERT_TRUE(Decide(id, in).value().errors.empty());
  auto held = Case(contact_);
  EXPECT_EQ(held.request.status, "retained");
  ASSERT_TRUE(held.retain_until);
  EXPECT_EQ(*held.retain_until, core::AddMonths(f_.clock.Now(), 60));
  EXPECT_EQ(held.retention_rule, "Geldwäschegesetz (§ 8 Abs. 4 GwG)");
  auto open_now =
      ListInbox(*f_.store, tenant_, {core::DeletionFilter::kOpen, "", f_.clock.Now(), 50});
  EXPECT_TRUE(open_now.value().empty());
  auto later =
      ListInbox(*f_.store, tenant_, {core::DeletionFilter::kOpen, "", *held.retain_until, 50})
          .value();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_TRUE(later[0].hold_ended);
}

TEST_F(DeletionInboxTest, RejectNeedsAReasonAndAnotherTenantsIdIsNotFound) {
  const std::int64_t id = RequestDeletion(contact_);
  DecisionInput in;
  in.decision = Decision::kReject;
  EXPECT_EQ(Decide(id, in).value().errors.at(0).field, "reason");
  in.reason = "Vertrag läuft noch";
  auto foreign = Decide(id, in, other_tenant_);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, core::ErrorCode::kNotFound);
  ASSERT_TRUE(Decide(id, in).value().errors.empty());
  EXPECT_EQ(Case(contact_).request.status, "rejected");
  auto again = Decide(id, in).value();  // decided already
  EXPECT_EQ(again.errors.at(0).field, "decision");
}

TEST_F(DeletionInboxTest, ReminderGoesOutOnceBeforeTheDueDate) {
  RequestDeletion(contact_);
  (void)Notices();
  ASSERT_TRUE(SendDeletionReminders(*f_.store, f_.clock, f_.crypto));
  EXPECT_TRUE(Notices().empty());  // a month ahead: not yet
  f_.clock.Advance(std::chrono::days(25));
  ASSERT_TRUE(SendDeletionReminders(*f_.store, f_.clock, f_.crypto));
  auto reminders = Notices();
  ASSERT_EQ(reminders.size(), 1u);
  EXPECT_NE(reminders[0].second.find("Erinnerung"), std::string::npos);
  ASSERT_TRUE(SendDeletionReminders(*f_.store, f_.clock, f_.crypto));
  EXPECT_TRUE(Notices().empty());
}

TEST_F(DeletionInboxTest, UsersCannotDeactivateThemselvesOrTheLastAdmin) {
  auto admin = CreateUser(*f_.store, f_.crypto, tenant_, "chef@example.com", "Chefin",
                          core::Role::kAdmin, "ein-langes-passwort")
                   .value();
  Actor as_admin{tenant_, admin, ""};
  EXPECT_FALSE(SetUserActive(*f_.store, f_.clock, as_admin, admin, false));
  EXPECT_TRUE(SetUserActive(*f_.store, f_.clock, as_admin, broker_, false));
  core::User system;
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    system = tx.FindSystemUser(tenant_).value();
    return {};
  }));
  auto reset = ResetPassword(*f_.store, f_.clock, f_.crypto, as_admin, system.id);
  ASSERT_FALSE(reset);
  EXPECT_EQ(reset.error().code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace consentd::app
