// Serial e-mails (Serien-E-Mail) and their messages: who is mailed, who is skipped and
// why, and how delivery is retried.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/consent.h"
#include "core/contact.h"
#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

enum class MailingState { kPreparing, kQueued, kDone };
std::string_view MailingStateKey(MailingState s);
std::optional<MailingState> ParseMailingState(std::string_view key);

struct Mailing {
  MailingId id = 0;
  TenantId tenant_id = 0;
  std::string template_key;
  std::string language;
  std::string subject;
  std::string body_text;  // the mailing's own copy of the template
  std::string body_html;
  MailingState state = MailingState::kPreparing;
  UserId created_by = 0;
  Time created_at{};
  std::string selection;            // how recipients were chosen, for the record
  std::string lawful_confirmation;  // broker's confirmation for contacts without legal basis
};

enum class MessageState { kPending, kQueued, kSending, kSent, kDeferred, kFailed, kSkipped };
std::string_view MessageStateKey(MessageState s);
std::optional<MessageState> ParseMessageState(std::string_view key);

// kNotice: a single mail about a decision or a deadline (a deletion request's outcome to the
// person, a new or nearly due request to the broker).
enum class MessageKind { kMailing, kLinkRequest, kEmailConfirmation, kNotice };
std::string_view MessageKindKey(MessageKind k);
std::optional<MessageKind> ParseMessageKind(std::string_view key);

struct Message {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::optional<MailingId> mailing_id;
  MessageKind kind = MessageKind::kMailing;
  ContactId contact_id = 0;
  std::optional<LinkTokenId> link_token_id;
  MessageState state = MessageState::kPending;
  std::string skip_reason;
  std::string to_address;
  std::string to_name;
  std::string subject;
  std::string body_text;
  std::string body_html;
  std::string unsubscribe_url;
  int attempts = 0;
  std::optional<Time> next_attempt_at;
  std::optional<Time> lease_until;
  std::string message_id;
  std::string smtp_reply;
  Time created_at{};
  std::optional<Time> sent_at;
};

// Why a selected contact gets no mail.
enum class SkipReason {
  kNone,
  kNoEmail,
  kSuppressed,
  kDeletionRequested,
  kWithdrawn,
  kNoLegalBasis,   // and the broker did not confirm the mailing is lawful for them
  kLinkMissing,    // the rendered message does not carry the recipient's link
  kRetentionHold,  // erasure was requested and is held back for a legal retention period
};
std::string_view SkipReasonKey(SkipReason r);     // "no_email", ...
std::string_view SkipReasonGerman(SkipReason r);  // for the broker
std::optional<SkipReason> ParseSkipReason(std::string_view key);

// What the eligibility rule needs to know about one contact.
struct RecipientFacts {
  const Contact* contact = nullptr;
  std::optional<ConsentRecord> consent;
  bool deletion_requested = false;
  bool retention_hold = false;  // a deletion request was decided "retained"
  bool suppressed = false;
};

// The rule of DESIGN.md §1.2 and issue "Serial e-mail": contacts without an address, on
// the suppression list, with a pending deletion request or one held back for a retention
// period (a hold), or who withdrew are never mailed for consent; contacts without any legal
// basis only if the broker confirmed lawfulness.
SkipReason EligibilityOf(const RecipientFacts& facts, bool lawful_confirmed);

// Retry schedule for transient failures: base * 2^(attempts-1), capped at `max_delay`.
struct RetryPolicy {
  std::chrono::seconds base{60};
  std::chrono::seconds max_delay{std::chrono::hours(1)};
  std::chrono::seconds max_age{std::chrono::hours(72)};  // then the message fails
};
Time NextAttempt(const RetryPolicy& policy, int attempts, Time now);
bool TooOldToRetry(const RetryPolicy& policy, Time created_at, Time now);

}  // namespace consentd::core
