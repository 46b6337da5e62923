// A changed e-mail address waiting for confirmation from the new address (double opt-in).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

inline constexpr auto kEmailChangeLifetime = std::chrono::hours(48);

struct EmailChange {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  ContactId contact_id = 0;
  std::string new_email;
  std::string token_hash;  // hex SHA-256 of the confirmation token
  Time created_at{};
  Time expires_at{};
  std::optional<Time> confirmed_at;
};

inline bool IsPending(const EmailChange& c, Time now) {
  return !c.confirmed_at && now < c.expires_at;
}

}  // namespace consentd::core
