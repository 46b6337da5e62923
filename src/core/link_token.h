// Personal links: 256 random bits, base64url in the URL, only a SHA-256 of it stored.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

inline constexpr std::size_t kTokenBytes = 32;
inline constexpr auto kDefaultTokenLifetime = std::chrono::days{365};

struct LinkToken {
  LinkTokenId id = 0;
  TenantId tenant_id = 0;
  ContactId contact_id = 0;
  std::string token_hash;  // hex SHA-256 of the token string
  std::optional<MailingId> mailing_id;
  Time created_at{};
  Time expires_at{};
  std::optional<Time> revoked_at;
};

enum class TokenStatus { kValid, kExpired, kRevoked };

TokenStatus CheckToken(const LinkToken& token, Time now);

// RFC 4648 §5 base64url without padding.
std::string Base64UrlEncode(std::string_view bytes);
// True when `s` could be a token we issued (43 base64url characters). Cheap pre-check
// that keeps junk away from the database.
bool LooksLikeToken(std::string_view s);

}  // namespace consentd::core
