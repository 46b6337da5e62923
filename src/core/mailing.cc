#include "core/mailing.h"

#include <array>

namespace consentd::core {
namespace {

template <typename E, std::size_t N>
std::optional<E> ParseKey(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view key) {
  for (const auto& [value, k] : table) {
    if (k == key) return value;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view KeyOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, k] : table) {
    if (v == value) return k;
  }
  return "";
}

constexpr std::array<std::pair<MailingState, std::string_view>, 3> kMailingStates = {
    {{MailingState::kPreparing, "preparing"},
     {MailingState::kQueued, "queued"},
     {MailingState::kDone, "done"}}};

constexpr std::array<std::pair<MessageState, std::string_view>, 7> kMessageStates = {
    {{MessageState::kPending, "pending"},
     {MessageState::kQueued, "queued"},
     {MessageState::kSending, "sending"},
     {MessageState::kSent, "sent"},
     {MessageState::kDeferred, "deferred"},
     {MessageState::kFailed, "failed"},
     {MessageState::kSkipped, "skipped"}}};

constexpr std::array<std::pair<MessageKind, std::string_view>, 4> kKinds = {
    {{MessageKind::kMailing, "mailing"},
     {MessageKind::kLinkRequest, "link_request"},
     {MessageKind::kEmailConfirmation, "email_confirmation"},
     {MessageKind::kNotice, "notice"}}};

constexpr std::array<std::pair<SkipReason, std::string_view>, 8> kSkipKeys = {
    {{SkipReason::kLinkMissing, "link_missing"},
     {SkipReason::kNone, ""},
     {SkipReason::kNoEmail, "no_email"},
     {SkipReason::kSuppressed, "suppressed"},
     {SkipReason::kDeletionRequested, "deletion_requested"},
     {SkipReason::kWithdrawn, "withdrawn"},
     {SkipReason::kNoLegalBasis, "no_legal_basis"},
     {SkipReason::kRetentionHold, "retention_hold"}}};

constexpr std::array<std::pair<SkipReason, std::string_view>, 8> kSkipGerman = {
    {{SkipReason::kLinkMissing, "persönlicher Link fehlt in der gerenderten E-Mail"},
     {SkipReason::kNone, ""},
     {SkipReason::kNoEmail, "keine E-Mail-Adresse"},
     {SkipReason::kSuppressed, "auf der Sperrliste"},
     {SkipReason::kDeletionRequested, "Löschung beantragt"},
     {SkipReason::kWithdrawn, "Einwilligung widerrufen"},
     {SkipReason::kNoLegalBasis, "keine Rechtsgrundlage für die Ansprache"},
     {SkipReason::kRetentionHold, "Löschung wegen Aufbewahrungspflicht zurückgestellt"}}};

}  // namespace

std::string_view MailingStateKey(MailingState s) { return KeyOf(kMailingStates, s); }
std::optional<MailingState> ParseMailingState(std::string_view k) {
  return ParseKey(kMailingStates, k);
}
std::string_view MessageStateKey(MessageState s) { return KeyOf(kMessageStates, s); }
std::optional<MessageState> ParseMessageState(std::string_view k) {
  return ParseKey(kMessageStates, k);
}
std::string_view MessageKindKey(MessageKind k) { return KeyOf(kKinds, k); }
std::optional<MessageKind> ParseMessageKind(std::string_view k) { return ParseKey(kKinds, k); }
std::string_view SkipReasonKey(SkipReason r) { return KeyOf(kSkipKeys, r); }
std::string_view SkipReasonGerman(SkipReason r) { return KeyOf(kSkipGerman, r); }
std::optional<SkipReason> ParseSkipReason(std::string_view k) { return ParseKey(kSkipKeys, k); }

SkipReason EligibilityOf(const RecipientFacts& facts, bool lawful_confirmed) {
  if (facts.contact->data.email.empty()) return SkipReason::kNoEmail;
  if (facts.suppressed) return SkipReason::kSuppressed;
  if (facts.deletion_requested) return SkipReason::kDeletionRequested;
  if (facts.retention_hold) return SkipReason::kRetentionHold;
  if (facts.consent && facts.consent->revoked_at) return SkipReason::kWithdrawn;
  bool has_basis = facts.contact->legal_basis != LegalBasis::kNone ||
                   (facts.consent && facts.consent->granted_at);
  if (!has_basis && !lawful_confirmed) return SkipReason::kNoLegalBasis;
  return SkipReason::kNone;
}

Time NextAttempt(const RetryPolicy& policy, int attempts, Time now) {
  auto delay = policy.base;
  for (int i = 1; i < attempts && delay < policy.max_delay; ++i) delay *= 2;
  return now + std::min(delay, policy.max_delay);
}

bool TooOldToRetry(const RetryPolicy& policy, Time created_at, Time now) {
  return now - created_at >= policy.max_age;
}

}  // namespace consentd::core
