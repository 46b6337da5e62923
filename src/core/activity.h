// Activities: the append-only evidence of every act, hash-chained per tenant.
//
// The chain covers a digest of the payload, not the payload itself: erasure may delete a
// payload (it holds personal data) and the chain still verifies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

enum class ActivityType {
  kEinwilligung,    // consent given
  kDatenaenderung,  // contact data corrected
  kSuchprofil,      // search profile added, changed or deleted
  kWiderruf,        // consent withdrawn
  kLoeschantrag,    // deletion requested
  kLinkErstellt,    // a personal link was issued
  kEmailVersendet,  // a mail to the contact was accepted by the mail server
  // --- deletions ---
  kLoeschung,           // the contact's personal data was erased (the tombstone's last act)
  kLoeschentscheidung,  // a deletion request was retained, rejected or extended
  // --- api ---
  kEmailNichtZugestellt,  // a mail to the contact could not be delivered (given up)
};

std::string_view ActivityTypeName(ActivityType type);  // "Einwilligung", ...
std::optional<ActivityType> ParseActivityType(std::string_view name);

struct Activity {
  ActivityId id = 0;
  TenantId tenant_id = 0;
  std::int64_t seq = 0;  // position in the tenant's chain, from 1
  ContactId contact_id = 0;
  ActivityType type = ActivityType::kEinwilligung;
  UserId author_user_id = 0;
  Time created_at{};
  std::string payload;         // JSON; empty once erased
  std::string payload_sha256;  // hex
  std::string prev_hash;       // hex; kGenesisHash for seq 1
  std::string hash;            // hex
};

// The last link of a tenant's chain.
struct ChainHead {
  std::int64_t seq = 0;
  std::string hash;  // kGenesisHash when the chain is empty
};

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The exact bytes whose SHA-256 is `activity.hash`. Covers everything but id and payload.
std::string ChainInput(const Activity& activity);

}  // namespace consentd::core
