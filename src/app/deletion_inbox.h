// The deletion-request inbox (Löschanträge): decisions on Art. 17 requests, the mails that
// tell the person the outcome, and the brokers' notices of new and nearly due requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/audit.h"
#include "core/deletion_inbox.h"
#include "core/mail_template.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// Template keys of the outcome mails to the person (editable like every template).
inline constexpr std::string_view kDeletionErasedTemplate = "deletion_erased";
inline constexpr std::string_view kDeletionRetainedTemplate = "deletion_retained";
inline constexpr std::string_view kDeletionRejectedTemplate = "deletion_rejected";
inline constexpr std::string_view kDeletionExtendedTemplate = "deletion_extended";

// The outcome templates of a tenant, German and English. They may use, besides the usual
// placeholders, {{grund}} (the reason given) and {{frist}} (the new deadline or the end of
// the hold, as a German date).
std::vector<core::MailTemplate> DeletionTemplates(core::TenantId tenant, core::Time now);
// Saves those of DeletionTemplates the tenant lacks, inside `tx` (idempotent).
core::Status EnsureDeletionTemplates(core::WriteTx& tx, core::TenantId tenant, core::Time now);

// How many days before its due date the brokers are reminded of an open request.
inline constexpr int kReminderDaysBeforeDue = 7;

enum class Decision { kErase, kRetain, kReject, kExtend };
std::optional<Decision> ParseDecision(std::string_view key);  // "erase" | "retain" | ...
std::string_view DecisionKey(Decision d);

// A decision as the broker entered it; which fields count depends on `decision`.
struct DecisionInput {
  Decision decision = Decision::kErase;
  bool confirmed = false;    // erase: the confirmation box
  std::string reason;        // retain, reject, extend: required; erase: optional
  std::int64_t rule_id = 0;  // retain: one of the tenant's Löschfristen
  std::string retain_until;  // retain: "YYYY-MM-DD"; empty: from the rule's months
  int months = 0;            // extend: 1 or 2 (at most 2 in total)
};

// Reads a decision form ("decision", "confirm", "reason", "rule_id", "retain_until",
// "months").
DecisionInput DecisionFromForm(const core::Form& form);

// Errors at fields (nothing written), or none when the decision was made.
struct DecisionOutcome {
  core::FieldErrors errors;
};

// Makes the decision in one unit of work: the request's status and decision fields, an
// activity ("Löschung" for erasure, else "Löschentscheidung") authored by the actor, an
// audit entry, and the outcome mail to the person (queued before an erasure blanks the
// address). kNotFound for a request that is missing or of another tenant; a request that
// is not open (or, for erasure, a hold not yet ended) gives an error at "decision".
core::Result<DecisionOutcome> Decide(core::Store& store, const core::Clock& clock,
                                     const core::Crypto& crypto, const Actor& actor,
                                     std::int64_t request_id, const DecisionInput& input);

// A request ready to show: overdue, or a hold whose end has passed (due for erasure).
struct InboxEntry {
  core::DeletionCase c;
  bool overdue = false;     // open and past its due date
  bool hold_ended = false;  // retained and past retain_until
};
core::Result<std::vector<InboxEntry>> ListInbox(core::Store& store, core::TenantId tenant,
                                                const core::DeletionQuery& query);

// The request with the contact's summary for the decision page.
struct DeletionDetail {
  InboxEntry entry;
  core::Contact contact;
  std::optional<core::ConsentRecord> consent;  // of the default purpose
  std::size_t search_profiles = 0;
  std::size_t activities = 0;
  std::vector<core::RetentionRule> rules;
};
core::Result<DeletionDetail> LoadDetail(core::Store& store, core::TenantId tenant,
                                        std::int64_t request_id, core::Time now);

// Queues a notice of the new request to the tenant's active admins and brokers, inside
// the unit that opened it (Portal::RequestDeletion).
core::Status NotifyBrokersOfRequest(core::WriteTx& tx, const core::Crypto& crypto,
                                    core::TenantId tenant, std::int64_t request_id,
                                    core::Time due_at, core::Time now);

// For every tenant: reminds the active admins and brokers, once per request, of open
// requests due within kReminderDaysBeforeDue days, and blanks what the outcome mail of a
// recent erasure left behind once it went out. Called periodically by `serve`.
core::Status SendDeletionReminders(core::Store& store, const core::Clock& clock,
                                   const core::Crypto& crypto);

}  // namespace consentd::app
