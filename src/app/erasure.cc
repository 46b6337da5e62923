#include "app/erasure.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/evidence.h"

namespace consentd::app {

using core::Status;

namespace {

constexpr std::string_view kSuppressionReason = "erased";

// Closes every open request of the contact as erased, recording who decided and why.
Status CloseOpenRequests(core::WriteTx& tx, const Actor& actor, core::ContactId contact,
                         std::string_view reason, core::Time now) {
  auto open = tx.FindOpenDeletionRequest(actor.tenant, contact);
  if (!open) return open.error();
  if (!open->has_value()) return {};
  auto decided = tx.FindDeletionCase(actor.tenant, (*open)->id);
  if (!decided) return decided.error();
  decided->decided_at = now;
  decided->decided_by = actor.user;
  decided->decision_reason = std::string(reason);
  CONSENTD_RETURN_IF_ERROR(tx.SaveDeletionDecision(*decided));
  return tx.SetDeletionRequestStatus(actor.tenant, (*open)->id, "erased");
}

}  // namespace

std::string SuppressionHash(const core::Crypto& crypto, std::string_view email) {
  std::string lower(email);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return crypto.Sha256Hex(lower);
}

Status EraseInTx(core::WriteTx& tx, const core::Crypto& crypto, const Actor& actor,
                 core::ContactId contact, const ErasureOptions& options, core::Time now) {
  auto found = tx.FindContact(actor.tenant, contact);
  if (!found) return found.error();
  if (found->erased) return core::NotFound("contact " + std::to_string(contact));
  const bool had_email = !found->data.email.empty();
  if (had_email) {
    CONSENTD_RETURN_IF_ERROR(tx.InsertSuppression(
        actor.tenant, SuppressionHash(crypto, found->data.email), kSuppressionReason, now));
  }
  auto revoked = tx.RevokeLinkTokens(actor.tenant, contact, now);
  if (!revoked) return revoked.error();
  // The request's own decision fields are the caller's; any other open one closes here.
  if (!options.request_id) {
    CONSENTD_RETURN_IF_ERROR(CloseOpenRequests(tx, actor, contact, options.reason, now));
  }
  CONSENTD_RETURN_IF_ERROR(tx.EraseContactData(actor.tenant, contact, now, options.keep_message));
  // No personal data in the payload: the person is gone; who erased and why stays.
  nlohmann::json payload = {
      {"act", "erasure"},
      {"time", core::FormatIso(now)},
      {"reason", std::string(options.reason)},
      {"by_user_id", actor.user},
      {"links_revoked", *revoked},
      {"suppressed", had_email},
      {"deletion_request_id",
       options.request_id ? nlohmann::json(*options.request_id) : nlohmann::json(nullptr)}};
  CONSENTD_RETURN_IF_ERROR(AppendActivity(
      tx, crypto, actor.tenant, contact, core::ActivityType::kLoeschung, actor.user, now, payload));
  // The audit log outlives the erasure: ids and counts only, not the reason's free text.
  return WriteAudit(tx, actor, "contact.erase", "contact:" + std::to_string(contact),
                    {{"deletion_request_id", payload["deletion_request_id"]},
                     {"links_revoked", *revoked},
                     {"suppressed", had_email}},
                    now);
}

Status EraseContact(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                    const Actor& actor, core::ContactId contact, std::string_view reason) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    return EraseInTx(tx, crypto, actor, contact, ErasureOptions{reason, 0, std::nullopt},
                     clock.Now());
  });
}

}  // namespace consentd::app
