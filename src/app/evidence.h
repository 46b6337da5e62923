// Writing and checking the evidence chain.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/activity.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

// Appends an activity with `payload` to the tenant's chain, inside `tx`.
core::Status AppendActivity(core::WriteTx& tx, const core::Crypto& crypto, core::TenantId tenant,
                            core::ContactId contact, core::ActivityType type, core::UserId author,
                            core::Time now, const nlohmann::json& payload);

struct ChainReport {
  core::TenantId tenant = 0;
  std::string slug;
  std::int64_t checked = 0;
  std::optional<std::int64_t> broken_at_seq;  // first activity that does not verify
  std::string problem;
};

// Recomputes every tenant's chain. A payload that is still present must match its digest.
core::Result<std::vector<ChainReport>> VerifyChains(core::Store& store, const core::Crypto& crypto);

}  // namespace consentd::app
