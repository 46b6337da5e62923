// Writing the audit log: every administrative act of a logged-in user (or API key).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/audit.h"
#include "core/store.h"

namespace consentd::app {

// The person behind an administrative act.
struct Actor {
  core::TenantId tenant = 0;
  core::UserId user = 0;
  std::string ip_prefix;     // already shortened (core::ShortenIp)
  std::int64_t api_key = 0;  // an API call: the key acting (user is then the system user)
};

// Appends one audit entry inside `tx` (the same unit as the act it records, so an act and
// its entry are written together or not at all). `detail` must not hold passwords.
core::Status WriteAudit(core::WriteTx& tx, const Actor& actor, std::string_view action,
                        std::string_view target, const nlohmann::json& detail, core::Time now);

}  // namespace consentd::app
