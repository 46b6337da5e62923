// The store port: everything consentd keeps, behind transactions.
//
// Every method that reads or writes tenant data takes the tenant id and filters by it; a
// row of another tenant is reported as kNotFound, exactly like a row that does not exist.
// The only lookups without a tenant are those that establish it (link token hash).
#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.h"
#include "core/api_key.h"  // --- api ---
#include "core/audit.h"
#include "core/consent.h"
#include "core/contact.h"
#include "core/deletion_inbox.h"  // --- deletions ---
#include "core/deletion_request.h"
#include "core/email_change.h"
#include "core/import_job.h"
#include "core/link_token.h"
#include "core/mail_template.h"
#include "core/mailing.h"
#include "core/result.h"
#include "core/search_key.h"  // --- contacts-list ---
#include "core/search_profile.h"
#include "core/tenant.h"
#include "core/webhook.h"  // --- webhooks ---

namespace consentd::core {

// Reads within one consistent snapshot. Valid only inside Store::Read/Write callbacks.
class ReadTx {
 public:
  virtual ~ReadTx() = default;

  virtual Result<Tenant> FindTenant(TenantId id) = 0;
  virtual Result<Tenant> FindTenantBySlug(std::string_view slug) = 0;
  virtual Result<std::vector<Tenant>> ListTenants() = 0;
  virtual Result<User> FindSystemUser(TenantId tenant) = 0;
  virtual Result<User> FindUserByEmail(TenantId tenant, std::string_view email) = 0;

  virtual Result<Contact> FindContact(TenantId tenant, ContactId id) = 0;
  // Matches case-insensitively; erased contacts are not found.
  virtual Result<Contact> FindContactByEmail(TenantId tenant, std::string_view email) = 0;
  // In id order, at most `limit`, starting after `after_id`; erased contacts left out.
  virtual Result<std::vector<Contact>> ListContacts(TenantId tenant, ContactId after_id,
                                                    int limit) = 0;

  virtual Result<ConsentPurpose> FindPurpose(TenantId tenant, std::string_view key) = 0;
  // The newest version of the purpose's text in `language`.
  virtual Result<ConsentText> CurrentText(TenantId tenant, PurposeId purpose,
                                          std::string_view language) = 0;
  virtual Result<std::optional<ConsentRecord>> FindConsent(TenantId tenant, ContactId contact,
                                                           PurposeId purpose) = 0;
  virtual Result<std::vector<ConsentRecord>> ListConsents(TenantId tenant, ContactId contact) = 0;

  virtual Result<std::vector<SearchProfile>> ListSearchProfiles(TenantId tenant,
                                                                ContactId contact) = 0;
  virtual Result<std::vector<Activity>> ListActivities(TenantId tenant, ContactId contact) = 0;
  // The whole chain of a tenant in seq order, from `after_seq`, at most `limit`.
  virtual Result<std::vector<Activity>> ListChain(TenantId tenant, std::int64_t after_seq,
                                                  int limit) = 0;
  // The tenant's chain head as stored: seq and hash of its newest activity (none when no
  // activity was ever appended and the store keeps no row for an empty chain).
  virtual Result<std::optional<ChainHead>> FindChainHead(TenantId tenant) = 0;

  // Finds a token by the hash of its text, whatever its status. Establishes the tenant.
  virtual Result<LinkToken> FindLinkToken(std::string_view token_hash) = 0;
  virtual Result<std::optional<DeletionRequest>> FindOpenDeletionRequest(TenantId tenant,
                                                                         ContactId contact) = 0;

  // The installation's secret for stateless MACs (CSRF); created by the first migration.
  virtual Result<std::string> ServerSecret() = 0;

  virtual Result<MailTemplate> FindTemplate(TenantId tenant, std::string_view key,
                                            std::string_view language) = 0;
  virtual Result<std::vector<MailTemplate>> ListTemplates(TenantId tenant) = 0;
  virtual Result<Mailing> FindMailing(TenantId tenant, MailingId id) = 0;
  // Mailings still being prepared, of every tenant (resumed after a restart).
  virtual Result<std::vector<Mailing>> ListPreparingMailings() = 0;
  // How many messages of the mailing are in each state.
  virtual Result<std::vector<std::pair<MessageState, std::int64_t>>> CountMessages(
      TenantId tenant, MailingId mailing) = 0;
  // Messages of a mailing in id order after `after_id`; `state` filters when given.
  virtual Result<std::vector<Message>> ListMessages(TenantId tenant, MailingId mailing,
                                                    std::optional<MessageState> state,
                                                    std::int64_t after_id, int limit) = 0;
  // Contacts of the tenant matching a consent-state filter ("all", "none", "granted",
  // "withdrawn", "deletion_requested"), in id order.
  virtual Result<std::vector<ContactId>> SelectContacts(TenantId tenant, PurposeId purpose,
                                                        std::string_view filter) = 0;
  virtual Result<bool> IsSuppressed(TenantId tenant, std::string_view email_sha256) = 0;
  // The newest message of `kind` for the contact, if any (for rate limits).
  virtual Result<std::optional<Time>> LastMessageTime(TenantId tenant, ContactId contact,
                                                      MessageKind kind) = 0;
  // Contacts of any tenant with this e-mail address (case-insensitive, not erased). Used
  // before a tenant is known: the "new link" request of the neutral page.
  virtual Result<std::vector<Contact>> FindContactsByEmailAnyTenant(std::string_view email) = 0;
  // Whether any message of the mailing is still pending, queued, sending or deferred.
  virtual Result<bool> HasOpenMessages(TenantId tenant, MailingId mailing) = 0;
  // By the hash of its token, whatever its state. Establishes the tenant.
  virtual Result<EmailChange> FindEmailChange(std::string_view token_hash) = 0;

  // --- Admin UI: users, sessions, login throttle, audit log ---
  // Users of any tenant with this e-mail address (case-insensitive), at most 5. Used before a
  // tenant is known: the login form.
  virtual Result<std::vector<User>> FindUsersByEmailAnyTenant(std::string_view email) = 0;
  virtual Result<User> FindUser(TenantId tenant, UserId id) = 0;
  // Every user of the tenant, the system user included, in id order.
  virtual Result<std::vector<User>> ListUsers(TenantId tenant) = 0;
  // By the hash of its token, whatever its state. Establishes the tenant.
  virtual Result<Session> FindSession(std::string_view token_hash) = 0;
  // Failed logins recorded for `key` ("account:<sha256>" or "address:<prefix>") since `since`.
  virtual Result<std::int64_t> CountLoginFailures(std::string_view key, Time since) = 0;
  virtual Result<std::vector<AuditEntry>> ListAudit(TenantId tenant, const AuditQuery& query) = 0;

  // --- contact-detail ---
  // Every link token of the contact, whatever its status, newest first.
  virtual Result<std::vector<LinkToken>> ListLinkTokens(TenantId tenant, ContactId contact) = 0;
  virtual Result<ImportJob> FindImportJob(TenantId tenant, std::int64_t id) = 0;

  // --- mailings ---
  // Mailings of the tenant, newest first: ids below `before_id` (0: from the newest).
  virtual Result<std::vector<Mailing>> ListMailings(TenantId tenant, MailingId before_id,
                                                    int limit) = 0;
  // --- contacts-list ---
  // A page of the address list: the tenant's live (not erased) contacts matching `filter`,
  // in filter.sort order (ties by id), skipping `offset`, at most `limit`.
  virtual Result<std::vector<ContactListRow>> ListContactRows(TenantId tenant,
                                                              const ContactListFilter& filter,
                                                              std::int64_t offset, int limit) = 0;
  // The same page with how many contacts match `filter` in all, counting no further than
  // `count_cap` (so a count never reads a whole tenant): min(matches, count_cap). One call, so
  // that a store can choose a page and count its matches in one pass over them.
  virtual Result<ContactListSlice> ListContactPage(TenantId tenant, const ContactListFilter& filter,
                                                   std::int64_t offset, int limit,
                                                   std::int64_t count_cap) = 0;
  // The ids of every contact matching `filter`, in id order.
  virtual Result<std::vector<ContactId>> ListContactRowIds(TenantId tenant,
                                                           const ContactListFilter& filter) = 0;

  // --- deletions ---
  // The inbox: requests of the tenant with their decisions and contact names (query.filter).
  virtual Result<std::vector<DeletionCase>> ListDeletionCases(TenantId tenant,
                                                              const DeletionQuery& query) = 0;
  virtual Result<DeletionCase> FindDeletionCase(TenantId tenant, std::int64_t id) = 0;
  // Open requests due at or before `due_before` whose reminder was not sent yet.
  virtual Result<std::vector<DeletionCase>> ListRemindableDeletionCases(TenantId tenant,
                                                                        Time due_before) = 0;
  // The tenant's Löschfristen, shortest first.
  virtual Result<std::vector<RetentionRule>> ListRetentionRules(TenantId tenant) = 0;

  // --- api ---
  // By the SHA-256 of the key, whatever its state. Establishes the tenant.
  virtual Result<ApiKey> FindApiKey(std::string_view key_hash) = 0;
  // Every key of the tenant, revoked ones too, in id order.
  virtual Result<std::vector<ApiKey>> ListApiKeys(TenantId tenant) = 0;
  // The live contact with this CRM id.
  virtual Result<Contact> FindContactByExternalId(TenantId tenant,
                                                  std::string_view external_id) = 0;
  virtual Result<std::optional<IdempotencyRecord>> FindIdempotency(TenantId tenant,
                                                                   std::int64_t api_key,
                                                                   std::string_view key) = 0;

  // --- webhooks ---
  virtual Result<std::vector<WebhookEndpoint>> ListWebhookEndpoints(TenantId tenant) = 0;
  // The endpoint's newest attempts first, at most `limit`.
  virtual Result<std::vector<WebhookAttempt>> ListWebhookAttempts(TenantId tenant,
                                                                  std::int64_t endpoint,
                                                                  int limit) = 0;

  // --- admin-leftovers ---
  // Whether a deletion request of the contact was decided "retained" (a retention hold,
  // whether or not its end has passed).
  virtual Result<bool> HasRetentionHold(TenantId tenant, ContactId contact) = 0;
  // The tenant's import jobs in `state`, in id order.
  virtual Result<std::vector<ImportJob>> ListImportJobsInState(TenantId tenant,
                                                               ImportJobState state) = 0;
};

// Reads and writes of one unit of work. A unit that returns an error is rolled back
// alone; the others of its batch are unaffected.
//
// Writes that answer only success or failure (Status), and InsertContact, may be carried out
// later than the call returns — PostgreSQL sends them without waiting (storage/postgres/
// pg_db.h; a new contact's id is drawn beforehand) — so their failure can be reported by a
// later call of the same unit or, after the unit returned, as the unit's result. Either way
// the whole unit is rolled back; never a part of it.
class WriteTx : public ReadTx {
 public:
  virtual Result<TenantId> InsertTenant(const Tenant& tenant) = 0;
  virtual Result<UserId> InsertUser(const User& user) = 0;
  // kConflict when the e-mail address or the external id is taken by another live contact
  // of the tenant (perhaps only when the unit ends, see above).
  virtual Result<ContactId> InsertContact(const Contact& contact) = 0;
  // kConflict when the e-mail address is taken by another contact of the tenant.
  virtual Status UpdateContact(const Contact& contact) = 0;

  virtual Result<PurposeId> InsertPurpose(const ConsentPurpose& purpose) = 0;
  virtual Status InsertConsentText(TenantId tenant, const ConsentText& text) = 0;
  virtual Status SaveConsent(TenantId tenant, const ConsentRecord& record) = 0;

  virtual Result<SearchProfileId> InsertSearchProfile(const SearchProfile& profile) = 0;
  // kNotFound unless the profile belongs to profile.contact_id of profile.tenant_id.
  virtual Status UpdateSearchProfile(const SearchProfile& profile) = 0;
  virtual Status DeleteSearchProfile(TenantId tenant, ContactId contact, SearchProfileId id) = 0;

  // The head of the tenant's activity chain, locked until the transaction ends.
  virtual Result<ChainHead> LockChainHead(TenantId tenant) = 0;
  // Stores a fully computed activity and makes it the chain head.
  // Stores a fully computed activity, built on the head LockChainHead answered, and makes
  // it the chain head.
  virtual Status AppendActivity(const Activity& activity) = 0;

  virtual Result<LinkTokenId> InsertLinkToken(const LinkToken& token) = 0;
  virtual Result<std::int64_t> InsertDeletionRequest(const DeletionRequest& request) = 0;
  virtual Status SetDeletionRequestStatus(TenantId tenant, std::int64_t id,
                                          std::string_view status) = 0;

  // Inserts or replaces the template with the same tenant, key and language.
  virtual Status SaveTemplate(const MailTemplate& t) = 0;
  virtual Result<MailingId> InsertMailing(const Mailing& mailing) = 0;
  virtual Status SetMailingState(TenantId tenant, MailingId id, MailingState state) = 0;
  // One pending message per contact.
  virtual Status InsertPendingMessages(TenantId tenant, MailingId mailing,
                                       const std::vector<ContactId>& contacts, Time now) = 0;
  virtual Result<std::int64_t> InsertMessage(const Message& message) = 0;
  // Writes every mutable field of the message (state, bodies, attempts, times, reply).
  virtual Status UpdateMessage(const Message& message) = 0;
  // As UpdateMessage, but only while the message is still leased until `lease_until` (by
  // the caller); returns false, changing nothing, when the lease was lost to another sender.
  virtual Result<bool> UpdateLeasedMessage(const Message& message, Time lease_until) = 0;
  // Leases up to `limit` due messages of all tenants — queued or deferred with
  // next_attempt_at <= now, or sending with a lease that ended before `now` (in flight
  // during a crash; "before", so a lease lasts at least its full length in real time) —
  // taking at most `per_tenant` from each tenant so one big mailing cannot starve others.
  // Marks them sending until `lease_until` and returns them with their bodies.
  virtual Result<std::vector<Message>> ClaimDueMessages(Time now, Time lease_until, int per_tenant,
                                                        int limit) = 0;
  virtual Status InsertSuppression(TenantId tenant, std::string_view email_sha256,
                                   std::string_view reason, Time now) = 0;
  virtual Result<std::int64_t> InsertEmailChange(const EmailChange& change) = 0;
  virtual Status MarkEmailChangeConfirmed(TenantId tenant, std::int64_t id, Time now) = 0;

  // --- Admin UI: users, sessions, login throttle, audit log ---
  // Writes name, role, password hash and active flag of an existing user.
  virtual Status UpdateUser(const User& user) = 0;
  virtual Status InsertSession(const Session& session) = 0;
  // Sets last_seen_at (idle expiry) of a session.
  virtual Status TouchSession(TenantId tenant, std::string_view token_hash, Time now) = 0;
  virtual Status RevokeSession(TenantId tenant, std::string_view token_hash) = 0;
  // Revokes every session of a user (password reset, deactivation).
  virtual Status RevokeUserSessions(TenantId tenant, UserId user) = 0;
  virtual Status RecordLoginFailure(std::string_view key, Time now) = 0;
  // Forgets the failures of `key` (after a successful login) and every failure older than
  // `older_than` of any key.
  virtual Status ClearLoginFailures(std::string_view key, Time older_than) = 0;
  virtual Status InsertAudit(const AuditEntry& entry) = 0;

  // --- contact-detail ---
  // Sets revoked_at = `now` on every link token of the contact not revoked yet; returns how
  // many were revoked.
  virtual Result<std::int64_t> RevokeLinkTokens(TenantId tenant, ContactId contact, Time now) = 0;
  virtual Result<std::int64_t> InsertImportJob(const ImportJob& job) = 0;
  // Writes the state, counters, errors, failure and times of an existing job.
  virtual Status UpdateImportJob(const ImportJob& job) = 0;

  // --- deletions ---
  // Writes due_at and the decision fields of an existing request (not its status: that is
  // SetDeletionRequestStatus, which keeps the address list's state).
  virtual Status SaveDeletionDecision(const DeletionCase& decision) = 0;
  // Sets reminder_sent_at unless set; false, changing nothing, when it was set already.
  virtual Result<bool> MarkDeletionReminderSent(TenantId tenant, std::int64_t id, Time now) = 0;
  // The storage half of erasure (app::EraseContact does the rest): blanks every personal
  // field of the contact and marks it erased (kNotFound if it is missing or erased already),
  // deletes its search profiles, activity payloads and e-mail changes, clears request notes
  // and revocation reasons, cancels its open messages and blanks the addresses and bodies of
  // all its messages — except message `keep_message` (the outcome mail, 0 for none).
  virtual Status EraseContactData(TenantId tenant, ContactId contact, Time now,
                                  std::int64_t keep_message) = 0;
  // For contacts erased since `erased_since`: blanks the addresses of their finished
  // messages and deletes the payloads of their "E-Mail versendet" activities (the outcome
  // mail sent after the erasure).
  virtual Status ScrubErasedContacts(TenantId tenant, Time erased_since) = 0;
  virtual Result<std::int64_t> InsertRetentionRule(const RetentionRule& rule) = 0;
  virtual Status DeleteRetentionRule(TenantId tenant, std::int64_t id) = 0;
  // Writes the controller identity, sender, signature and SMTP account (not the slug).
  virtual Status UpdateTenantSettings(const Tenant& tenant) = 0;

  // --- api ---
  virtual Result<std::int64_t> InsertApiKey(const ApiKey& key) = 0;
  // Sets revoked_at unless set; kNotFound for a key of another tenant or none.
  virtual Status RevokeApiKey(TenantId tenant, std::int64_t id, Time now) = 0;
  // kConflict when the tenant's key already holds a record with this key.
  virtual Status InsertIdempotency(const IdempotencyRecord& record) = 0;
  // Stores the answer of a record with status 0.
  virtual Status CompleteIdempotency(const IdempotencyRecord& record) = 0;
  // Marks the record's act as carried out (see IdempotencyRecord::applied).
  virtual Status MarkIdempotencyApplied(TenantId tenant, std::int64_t api_key,
                                        std::string_view key) = 0;
  virtual Status DeleteIdempotency(TenantId tenant, std::int64_t api_key, std::string_view key) = 0;
  // Forgets the tenant's records created before `older_than`.
  virtual Status PruneIdempotency(TenantId tenant, Time older_than) = 0;

  // --- webhooks ---
  // Inserts the endpoint with its cursor at the tenant's chain head: it gets the events of
  // acts from now on.
  virtual Result<std::int64_t> InsertWebhookEndpoint(const WebhookEndpoint& endpoint) = 0;
  virtual Status SetWebhookEndpointActive(TenantId tenant, std::int64_t id, bool active) = 0;
  virtual Status DeleteWebhookEndpoint(TenantId tenant, std::int64_t id) = 0;
  // Leases up to `limit` active endpoints of all tenants that have events waiting and are
  // due (next_attempt_at <= now, no lease or one that ended before `now`) until
  // `lease_until`, and returns them.
  virtual Result<std::vector<WebhookEndpoint>> ClaimDueWebhookEndpoints(Time now, Time lease_until,
                                                                        int limit) = 0;
  // Writes cursor, failures, first failure, next attempt and lease_until of the endpoint
  // while its lease is still `held_lease`; false, changing nothing, when another node took it.
  virtual Result<bool> SaveWebhookProgress(const WebhookEndpoint& endpoint, Time held_lease) = 0;
  virtual Status InsertWebhookAttempt(const WebhookAttempt& attempt) = 0;
};

using ReadFn = std::function<Status(ReadTx&)>;
using WriteFn = std::function<Status(WriteTx&)>;

// Thread-safe. Implementations: storage/sqlite (group commit), later storage/postgres.
class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in a read-only snapshot.
  virtual Status Read(const ReadFn& fn) = 0;
  // Runs `fn` as one unit of work and returns once it is durably committed (or failed).
  // Units from concurrent callers may share one transaction; each is atomic on its own.
  // `fn` may run more than once: a run whose work was rolled back for a reason outside the
  // unit (on PostgreSQL: a chain head busy on another node, or the failure of the unit
  // before it, whose answers arrive while this one runs) is followed by a fresh run, and
  // only the last run counts. So `fn` sets what it hands out anew on every run (assigns,
  // never appends) and does nothing outside the store it would regret doing twice.
  virtual Status Write(const WriteFn& fn) = 0;
  // Queues `fn` as a unit of work and returns at once; the future is ready once the unit
  // is durably committed (or failed); `fn` as for Write. Units queued by one thread run in the
  // order queued, so a caller can keep many in flight and still keep their order. `fn` is owned by
  // the store until it has run.
  virtual std::future<Status> WriteAsync(WriteFn fn) = 0;
  // Applies pending migrations; returns how many were applied.
  virtual Result<int> Migrate() = 0;
};

}  // namespace consentd::core
