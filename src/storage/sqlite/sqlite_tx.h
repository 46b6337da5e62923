// core::WriteTx on one SQLite connection. The caller owns the transaction boundaries.
#pragma once

#include "core/store.h"
#include "storage/sqlite/sqlite_db.h"

namespace consentd::storage {

// Borrows `db`; used by one thread inside a transaction that SqliteStore opened.
class SqliteTx final : public core::WriteTx {
 public:
  explicit SqliteTx(SqliteDb& db) : db_(db) {}

  core::Result<core::Tenant> FindTenant(core::TenantId id) override;
  core::Result<core::Tenant> FindTenantBySlug(std::string_view slug) override;
  core::Result<std::vector<core::Tenant>> ListTenants() override;
  core::Result<core::User> FindSystemUser(core::TenantId tenant) override;
  core::Result<core::User> FindUserByEmail(core::TenantId tenant, std::string_view email) override;
  core::Result<core::Contact> FindContact(core::TenantId tenant, core::ContactId id) override;
  core::Result<core::Contact> FindContactByEmail(core::TenantId tenant,
                                                 std::string_view email) override;
  core::Result<std::vector<core::Contact>> ListContacts(core::TenantId tenant,
                                                        core::ContactId after_id,
                                                        int limit) override;
  core::Result<core::ConsentPurpose> FindPurpose(core::TenantId tenant,
                                                 std::string_view key) override;
  core::Result<core::ConsentText> CurrentText(core::TenantId tenant, core::PurposeId purpose,
                                              std::string_view language) override;
  core::Result<std::optional<core::ConsentRecord>> FindConsent(core::TenantId tenant,
                                                               core::ContactId contact,
                                                               core::PurposeId purpose) override;
  core::Result<std::vector<core::ConsentRecord>> ListConsents(core::TenantId tenant,
                                                              core::ContactId contact) override;
  core::Result<std::vector<core::SearchProfile>> ListSearchProfiles(
      core::TenantId tenant, core::ContactId contact) override;
  core::Result<std::vector<core::Activity>> ListActivities(core::TenantId tenant,
                                                           core::ContactId contact) override;
  core::Result<std::optional<core::ChainHead>> FindChainHead(core::TenantId tenant) override;
  core::Result<std::vector<core::Activity>> ListChain(core::TenantId tenant, std::int64_t after_seq,
                                                      int limit) override;
  core::Result<core::LinkToken> FindLinkToken(std::string_view token_hash) override;
  core::Result<std::optional<core::DeletionRequest>> FindOpenDeletionRequest(
      core::TenantId tenant, core::ContactId contact) override;
  core::Result<std::string> ServerSecret() override;
  core::Result<core::MailTemplate> FindTemplate(core::TenantId tenant, std::string_view key,
                                                std::string_view language) override;
  core::Result<std::vector<core::MailTemplate>> ListTemplates(core::TenantId tenant) override;
  core::Result<core::Mailing> FindMailing(core::TenantId tenant, core::MailingId id) override;
  core::Result<std::vector<core::Mailing>> ListPreparingMailings() override;
  core::Result<std::vector<std::pair<core::MessageState, std::int64_t>>> CountMessages(
      core::TenantId tenant, core::MailingId mailing) override;
  core::Result<std::vector<core::Message>> ListMessages(core::TenantId tenant,
                                                        core::MailingId mailing,
                                                        std::optional<core::MessageState> state,
                                                        std::int64_t after_id, int limit) override;
  core::Result<std::vector<core::ContactId>> SelectContacts(core::TenantId tenant,
                                                            core::PurposeId purpose,
                                                            std::string_view filter) override;
  core::Result<bool> IsSuppressed(core::TenantId tenant, std::string_view email_sha256) override;
  core::Result<std::optional<core::Time>> LastMessageTime(core::TenantId tenant,
                                                          core::ContactId contact,
                                                          core::MessageKind kind) override;
  core::Result<std::vector<core::Contact>> FindContactsByEmailAnyTenant(
      std::string_view email) override;
  core::Result<core::EmailChange> FindEmailChange(std::string_view token_hash) override;
  core::Result<bool> HasOpenMessages(core::TenantId tenant, core::MailingId mailing) override;

  core::Result<core::TenantId> InsertTenant(const core::Tenant& tenant) override;
  core::Result<core::UserId> InsertUser(const core::User& user) override;
  core::Result<core::ContactId> InsertContact(const core::Contact& contact) override;
  core::Status UpdateContact(const core::Contact& contact) override;
  core::Result<core::PurposeId> InsertPurpose(const core::ConsentPurpose& purpose) override;
  core::Status InsertConsentText(core::TenantId tenant, const core::ConsentText& text) override;
  core::Status SaveConsent(core::TenantId tenant, const core::ConsentRecord& record) override;
  core::Result<core::SearchProfileId> InsertSearchProfile(
      const core::SearchProfile& profile) override;
  core::Status UpdateSearchProfile(const core::SearchProfile& profile) override;
  core::Status DeleteSearchProfile(core::TenantId tenant, core::ContactId contact,
                                   core::SearchProfileId id) override;
  core::Result<core::ChainHead> LockChainHead(core::TenantId tenant) override;
  core::Status AppendActivity(const core::Activity& activity) override;
  core::Result<core::LinkTokenId> InsertLinkToken(const core::LinkToken& token) override;
  core::Result<std::int64_t> InsertDeletionRequest(const core::DeletionRequest& request) override;
  core::Status SetDeletionRequestStatus(core::TenantId tenant, std::int64_t id,
                                        std::string_view status) override;
  core::Status SaveTemplate(const core::MailTemplate& t) override;
  core::Result<core::MailingId> InsertMailing(const core::Mailing& mailing) override;
  core::Status SetMailingState(core::TenantId tenant, core::MailingId id,
                               core::MailingState state) override;
  core::Status InsertPendingMessages(core::TenantId tenant, core::MailingId mailing,
                                     const std::vector<core::ContactId>& contacts,
                                     core::Time now) override;
  core::Result<std::int64_t> InsertMessage(const core::Message& message) override;
  core::Status UpdateMessage(const core::Message& message) override;
  core::Result<bool> UpdateLeasedMessage(const core::Message& message,
                                         core::Time lease_until) override;
  core::Result<std::vector<core::Message>> ClaimDueMessages(core::Time now, core::Time lease_until,
                                                            int per_tenant, int limit) override;
  core::Status InsertSuppression(core::TenantId tenant, std::string_view email_sha256,
                                 std::string_view reason, core::Time now) override;
  core::Result<std::int64_t> InsertEmailChange(const core::EmailChange& change) override;
  core::Status MarkEmailChangeConfirmed(core::TenantId tenant, std::int64_t id,
                                        core::Time now) override;

  // --- admin foundation: users, sessions, login throttle, audit log (*_admin_tx.cc) ---
  core::Result<std::vector<core::User>> FindUsersByEmailAnyTenant(std::string_view email) override;
  core::Result<core::User> FindUser(core::TenantId tenant, core::UserId id) override;
  core::Result<std::vector<core::User>> ListUsers(core::TenantId tenant) override;
  core::Result<core::Session> FindSession(std::string_view token_hash) override;
  core::Result<std::int64_t> CountLoginFailures(std::string_view key, core::Time since) override;
  core::Result<std::vector<core::AuditEntry>> ListAudit(core::TenantId tenant,
                                                        const core::AuditQuery& query) override;
  core::Status UpdateUser(const core::User& user) override;
  core::Status InsertSession(const core::Session& session) override;
  core::Status TouchSession(core::TenantId tenant, std::string_view token_hash,
                            core::Time now) override;
  core::Status RevokeSession(core::TenantId tenant, std::string_view token_hash) override;
  core::Status RevokeUserSessions(core::TenantId tenant, core::UserId user) override;
  core::Status RecordLoginFailure(std::string_view key, core::Time now) override;
  core::Status ClearLoginFailures(std::string_view key, core::Time older_than) override;
  core::Status InsertAudit(const core::AuditEntry& entry) override;

  // --- contact-detail ---
  core::Result<std::vector<core::LinkToken>> ListLinkTokens(core::TenantId tenant,
                                                            core::ContactId contact) override;
  core::Result<core::ImportJob> FindImportJob(core::TenantId tenant, std::int64_t id) override;
  core::Result<std::int64_t> RevokeLinkTokens(core::TenantId tenant, core::ContactId contact,
                                              core::Time now) override;
  core::Result<std::int64_t> InsertImportJob(const core::ImportJob& job) override;
  core::Status UpdateImportJob(const core::ImportJob& job) override;

  // --- mailings (*_mailings_tx.cc) ---
  core::Result<std::vector<core::Mailing>> ListMailings(core::TenantId tenant,
                                                        core::MailingId before_id,
                                                        int limit) override;

  // --- contacts-list (*_contact_list_tx.cc) ---
  core::Result<std::vector<core::ContactListRow>> ListContactRows(
      core::TenantId tenant, const core::ContactListFilter& filter, std::int64_t offset,
      int limit) override;
  core::Result<core::ContactListSlice> ListContactPage(core::TenantId tenant,
                                                       const core::ContactListFilter& filter,
                                                       std::int64_t offset, int limit,
                                                       std::int64_t count_cap) override;
  core::Result<std::vector<core::ContactId>> ListContactRowIds(
      core::TenantId tenant, const core::ContactListFilter& filter) override;

  // --- deletions (*_deletion_tx.cc) ---
  core::Result<std::vector<core::DeletionCase>> ListDeletionCases(
      core::TenantId tenant, const core::DeletionQuery& query) override;
  core::Result<core::DeletionCase> FindDeletionCase(core::TenantId tenant,
                                                    std::int64_t id) override;
  core::Result<std::vector<core::DeletionCase>> ListRemindableDeletionCases(
      core::TenantId tenant, core::Time due_before) override;
  core::Result<std::vector<core::RetentionRule>> ListRetentionRules(core::TenantId tenant) override;
  core::Status SaveDeletionDecision(const core::DeletionCase& decision) override;
  core::Result<bool> MarkDeletionReminderSent(core::TenantId tenant, std::int64_t id,
                                              core::Time now) override;
  core::Status EraseContactData(core::TenantId tenant, core::ContactId contact, core::Time now,
                                std::int64_t keep_message) override;
  core::Status ScrubErasedContacts(core::TenantId tenant, core::Time erased_since) override;
  core::Result<std::int64_t> InsertRetentionRule(const core::RetentionRule& rule) override;
  core::Status DeleteRetentionRule(core::TenantId tenant, std::int64_t id) override;
  core::Status UpdateTenantSettings(const core::Tenant& tenant) override;

  // --- api (*_api_tx.cc) ---
  core::Result<core::ApiKey> FindApiKey(std::string_view key_hash) override;
  core::Result<std::vector<core::ApiKey>> ListApiKeys(core::TenantId tenant) override;
  core::Result<core::Contact> FindContactByExternalId(core::TenantId tenant,
                                                      std::string_view external_id) override;
  core::Result<std::optional<core::IdempotencyRecord>> FindIdempotency(
      core::TenantId tenant, std::int64_t api_key, std::string_view key) override;
  core::Result<std::int64_t> InsertApiKey(const core::ApiKey& key) override;
  core::Status RevokeApiKey(core::TenantId tenant, std::int64_t id, core::Time now) override;
  core::Status InsertIdempotency(const core::IdempotencyRecord& record) override;
  core::Status CompleteIdempotency(const core::IdempotencyRecord& record) override;
  core::Status MarkIdempotencyApplied(core::TenantId tenant, std::int64_t api_key,
                                      std::string_view key) override;
  core::Status DeleteIdempotency(core::TenantId tenant, std::int64_t api_key,
                                 std::string_view key) override;
  core::Status PruneIdempotency(core::TenantId tenant, core::Time older_than) override;

  // --- webhooks (*_webhook_tx.cc) ---
  core::Result<std::vector<core::WebhookEndpoint>> ListWebhookEndpoints(
      core::TenantId tenant) override;
  core::Result<std::vector<core::WebhookAttempt>> ListWebhookAttempts(core::TenantId tenant,
                                                                      std::int64_t endpoint,
                                                                      int limit) override;
  core::Result<std::int64_t> InsertWebhookEndpoint(const core::WebhookEndpoint& endpoint) override;
  core::Status SetWebhookEndpointActive(core::TenantId tenant, std::int64_t id,
                                        bool active) override;
  core::Status DeleteWebhookEndpoint(core::TenantId tenant, std::int64_t id) override;
  core::Result<std::vector<core::WebhookEndpoint>> ClaimDueWebhookEndpoints(core::Time now,
                                                                            core::Time lease_until,
                                                                            int limit) override;
  core::Result<bool> SaveWebhookProgress(const core::WebhookEndpoint& endpoint,
                                         core::Time held_lease) override;
  core::Status InsertWebhookAttempt(const core::WebhookAttempt& attempt) override;

  // --- admin-leftovers (*_leftovers_tx.cc) ---
  core::Result<bool> HasRetentionHold(core::TenantId tenant, core::ContactId contact) override;
  core::Result<std::vector<core::ImportJob>> ListImportJobsInState(
      core::TenantId tenant, core::ImportJobState state) override;

 private:
  // --- contacts-list (*_contact_list_tx.cc) ---
  // Recomputes the contact's list_state from its consent for the default purpose and its
  // open deletion request; called by every write that changes either.
  core::Status RefreshListState(core::TenantId tenant, core::ContactId contact);

  SqliteDb& db_;
};

}  // namespace consentd::storage
