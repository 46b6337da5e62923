// The serial-mail screen's app layer: preview, skip reasons, audited creation, template
// drafts. Runs on the store CONSENTD_TEST_STORE names.
#include <gtest/gtest.h>

#include "app/admin.h"
#include "app/deletion_inbox.h"
#include "app/mail_templates.h"
#include "app/mailing.h"
#include "testing/fixtures.h"

namespace consentd::app {
namespace {

class MailingPreviewTest : public ::testing::Test {
 protected:
  MailingPreviewTest() : tenant_(f_.AddTenant("a")), other_(f_.AddTenant("b")) {}

  // The acting user of the audited acts (the tenant's system user: it exists in every tenant).
  Actor SystemActor() {
    core::UserId id = 0;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      id = tx.FindSystemUser(tenant_).value().id;
      return {};
    }));
    return {tenant_, id, "192.0.2.0"};
  }

  core::ContactId AddWithoutBasis(const std::string& email) {
    return CreateContact(*f_.store, f_.clock, f_.phones, tenant_,
                         {{"email", email}, {"nachname", "Ohnegrund"}}, core::LegalBasis::kNone)
        .value()
        .id;
  }

  MailingRequest Request(std::vector<core::ContactId> ids) {
    MailingRequest r;
    r.tenant = tenant_;
    r.subject = "Ihre Daten";
    r.contacts = std::move(ids);
    return r;
  }

  MailingPreview Preview(const MailingRequest& r, core::ContactId shown = 0) {
    return PreviewMailing(*f_.store, f_.clock, f_.crypto, {"https://c.example"}, r, shown, 100)
        .value();
  }

  std::vector<core::AuditEntry> Audit(core::TenantId tenant) {
    std::vector<core::AuditEntry> out;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      out = tx.ListAudit(tenant, {}).value();
      return {};
    }));
    return out;
  }

  core::MailTemplate Template(const std::string& key, const std::string& lang) {
    core::MailTemplate t;
    EXPECT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
      t = tx.FindTemplate(tenant_, key, lang).value();
      return {};
    }));
    return t;
  }

  testing::StoreFixture f_;
  core::TenantId tenant_;
  core::TenantId other_;
};

TEST_F(MailingPreviewTest, SaysWhoIsSkippedAndWhy) {
  core::ContactId ok = f_.AddContact(tenant_, "ok@example.com", "Gut");
  core::ContactId no_basis = AddWithoutBasis("ohne@example.com");
  core::ContactId foreign = f_.AddContact(other_, "fremd@example.com");
  MailingPreview p = Preview(Request({ok, no_basis, foreign, 999999}));
  EXPECT_EQ(p.selected, 4u);
  ASSERT_EQ(p.recipients.size(), 2u);
  EXPECT_EQ(p.recipients[0].reason, core::SkipReason::kNone);
  EXPECT_EQ(p.recipients[1].reason, core::SkipReason::kNoLegalBasis);
  EXPECT_TRUE(p.recipients[1].needs_lawful_confirmation);
  EXPECT_EQ(p.dropped, (std::vector<core::ContactId>{foreign, 999999}));
}

TEST_F(MailingPreviewTest, LawfulConfirmationLetsContactsWithoutBasisThrough) {
  core::ContactId no_basis = AddWithoutBasis("ohne@example.com");
  MailingRequest r = Request({no_basis});
  r.lawful_confirmation = "bestätigt";
  MailingPreview p = Preview(r);
  ASSERT_EQ(p.recipients.size(), 1u);
  EXPECT_EQ(p.recipients[0].reason, core::SkipReason::kNone);
  EXPECT_TRUE(p.recipients[0].needs_lawful_confirmation);
}

TEST_F(MailingPreviewTest, RendersTheChosenRecipientWithASampleLink) {
  core::ContactId first = f_.AddContact(tenant_, "eins@example.com", "Erster");
  core::ContactId second = f_.AddContact(tenant_, "zwei@example.com", "Zweiter");
  MailingPreview p = Preview(Request({first, second}), second);
  ASSERT_TRUE(p.mail.has_value());
  EXPECT_EQ(p.previewed, second);
  EXPECT_EQ(p.mail->subject, "Ihre Daten");
  EXPECT_NE(p.mail->text.find("Zweiter"), std::string::npos);
  EXPECT_NE(p.mail->text.find("https://c.example/c/"), std::string::npos);
  EXPECT_NE(p.mail->html.find("https://c.example/c/"), std::string::npos);
}

TEST_F(MailingPreviewTest, OwnTextProblemsCarryTheirLine) {
  core::ContactId c = f_.AddContact(tenant_, "eins@example.com");
  MailingRequest r = Request({c});
  r.body_text = "Hallo,\n\n{{vornme}}\n{{consent_url}}\n";
  r.body_html = "";
  MailingPreview p = Preview(r);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].part, "body_text");
  EXPECT_EQ(p.problems[0].line, 3);
  EXPECT_NE(p.problems[0].message_de.find("{{vornme}}"), std::string::npos);
  EXPECT_FALSE(p.mail.has_value());
}

TEST_F(MailingPreviewTest, SubjectIsRequiredAtItsField) {
  MailingRequest r = Request({1});
  r.subject = "  ";
  auto errors = CheckMailingFields(r);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "subject");
  EXPECT_FALSE(CreateMailing(*f_.store, f_.clock, r, SystemActor()));
}

TEST_F(MailingPreviewTest, SkipReasonOfIsTheRuleOfThePreparedMailing) {
  core::ContactId ok = f_.AddContact(tenant_, "ok@example.com");
  core::ContactId no_basis = AddWithoutBasis("ohne@example.com");
  auto id = CreateMailing(*f_.store, f_.clock, Request({ok, no_basis})).value();
  ASSERT_TRUE(PrepareMailing(*f_.store, f_.clock, f_.crypto, {"https://c.example"}, tenant_, id));
  MailingPreview p = Preview(Request({ok, no_basis}));
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto messages = tx.ListMessages(tenant_, id, std::nullopt, 0, 10).value();
    EXPECT_EQ(messages.size(), 2u);
    for (const auto& m : messages) {
      const auto& check = m.contact_id == ok ? p.recipients[0] : p.recipients[1];
      EXPECT_EQ(m.skip_reason, core::SkipReasonKey(check.reason));
    }
    return {};
  }));
}

// A contact whose erasure is held back for a retention period (GwG) keeps its data for that
// purpose only: it is skipped with a reason of its own, in the preview and in the mailing.
TEST_F(MailingPreviewTest, RetentionHoldIsSkippedWithItsOwnReason) {
  core::ContactId held = f_.AddContact(tenant_, "held@example.com", "Aufbewahrt");
  core::ContactId ok = f_.AddContact(tenant_, "ok@example.com", "Gut");
  std::int64_t request = 0;
  ASSERT_TRUE(f_.store->Write([&](core::WriteTx& tx) -> core::Status {
    request = tx.InsertDeletionRequest(core::NewDeletionRequest(tenant_, held, f_.clock.Now(), ""))
                  .value();
    return {};
  }));
  DecisionInput hold;
  hold.decision = Decision::kRetain;
  hold.reason = "KYC-Unterlagen";
  hold.retain_until = "2099-12-31";
  ASSERT_TRUE(
      Decide(*f_.store, f_.clock, f_.crypto, SystemActor(), request, hold).value().errors.empty());
  MailingPreview p = Preview(Request({held, ok}));
  ASSERT_EQ(p.recipients.size(), 2u);
  EXPECT_EQ(p.recipients[0].reason, core::SkipReason::kRetentionHold);
  EXPECT_EQ(p.recipients[1].reason, core::SkipReason::kNone);
  auto id = CreateMailing(*f_.store, f_.clock, Request({held, ok})).value();
  ASSERT_TRUE(PrepareMailing(*f_.store, f_.clock, f_.crypto, {"https://c.example"}, tenant_, id));
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    for (const auto& m : tx.ListMessages(tenant_, id, std::nullopt, 0, 10).value()) {
      if (m.contact_id == held) {
        EXPECT_EQ(m.state, core::MessageState::kSkipped);
        EXPECT_EQ(m.skip_reason, "retention_hold");
      } else {
        EXPECT_EQ(m.state, core::MessageState::kQueued);
      }
    }
    return {};
  }));
  // Another tenant's hold says nothing about this tenant's contacts.
  ASSERT_TRUE(f_.store->Read([&](core::ReadTx& tx) -> core::Status {
    EXPECT_FALSE(tx.HasRetentionHold(other_, held).value());
    EXPECT_FALSE(tx.HasRetentionHold(tenant_, ok).value());
    return {};
  }));
}

TEST_F(MailingPreviewTest, AuditedCreationRecordsTheBrokerAndTheEntry) {
  const Actor actor = SystemActor();
  const core::UserId broker = actor.user;
  core::ContactId c = f_.AddContact(tenant_, "eins@example.com");
  MailingRequest r = Request({c});
  r.created_by = broker;
  auto id = CreateMailing(*f_.store, f_.clock, r, actor).value();
  auto audit = Audit(tenant_);
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.front().action, "mailing.create");
  EXPECT_EQ(audit.front().target, "mailing:" + std::to_string(id));
  EXPECT_TRUE(Audit(other_).empty());
  auto list = ListMailingSummaries(*f_.store, tenant_, 0, 10).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].mailing.created_by, broker);
  EXPECT_EQ(list[0].Total(), 1);
  EXPECT_TRUE(ListMailingSummaries(*f_.store, other_, 0, 10).value().empty());
}

TEST_F(MailingPreviewTest, ListsMailingsNewestFirstInPages) {
  core::ContactId c = f_.AddContact(tenant_, "eins@example.com");
  std::vector<core::MailingId> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(CreateMailing(*f_.store, f_.clock, Request({c})).value());
  auto first = ListMailingSummaries(*f_.store, tenant_, 0, 2).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].mailing.id, ids[2]);
  EXPECT_EQ(first[1].mailing.id, ids[1]);
  auto rest = ListMailingSummaries(*f_.store, tenant_, first[1].mailing.id, 2).value();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].mailing.id, ids[0]);
}

TEST_F(MailingPreviewTest, InvalidTemplateDraftIsNeverSaved) {
  core::MailTemplate before = Template(std::string(core::kConsentTemplateKey), "de");
  core::MailTemplate draft = before;
  draft.body_text = "Hallo\n{{consent_url}}\n{{vornme}}\n";
  auto problems = SaveTemplateDraft(*f_.store, f_.clock, SystemActor(), draft).value();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_EQ(Template(before.key, "de").body_text, before.body_text);
  EXPECT_TRUE(Audit(tenant_).empty());
}

TEST_F(MailingPreviewTest, ValidTemplateDraftIsSavedWithAnAuditEntry) {
  core::MailTemplate draft = Template(std::string(core::kConsentTemplateKey), "de");
  draft.body_text = "{{anrede_brief}}\n\n{{consent_url}}\n";
  auto problems = SaveTemplateDraft(*f_.store, f_.clock, SystemActor(), draft).value();
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(Template(draft.key, "de").body_text, draft.body_text);
  auto audit = Audit(tenant_);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "template.save");
}

TEST_F(MailingPreviewTest, TemplatePreviewUsesTheSampleContact) {
  core::Tenant tenant;
  tenant.controller.company = "Muster GmbH";
  core::MailTemplate t = DefaultTemplates(1, f_.clock.Now())[0];
  auto preview = PreviewTemplate(tenant, t, "https://c.example", f_.clock.Now());
  EXPECT_TRUE(preview.problems.empty());
  ASSERT_TRUE(preview.mail.has_value());
  EXPECT_NE(preview.mail->text.find("Mustermann"), std::string::npos);
  EXPECT_NE(preview.mail->text.find("https://c.example/c/BEISPIEL-LINK"), std::string::npos);
}

}  // namespace
}  // namespace consentd::app
