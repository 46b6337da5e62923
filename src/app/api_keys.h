// API keys of a tenant (/api/v1): created and revoked by an admin (CLI or admin UI), shown
// once, stored as a SHA-256 only, scoped to read or write. Every call made with a key acts
// as the tenant's technical system user, and its audit entries name the key.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/audit.h"
#include "core/api_key.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

// Keys look like "cdk_" + 43 base64url characters (256 random bits).
inline constexpr std::string_view kApiKeyPrefix = "cdk_";

struct CreatedApiKey {
  core::ApiKey key;
  std::string secret;  // the key itself: shown once, never stored
};

// Validates the name (1–80 characters) and writes the key with its audit entry.
core::Result<CreatedApiKey> CreateApiKey(core::Store& store, const core::Clock& clock,
                                         const core::Crypto& crypto, const Actor& actor,
                                         std::string_view name, core::ApiScope scope);

// Revokes the key at once (calls with it fail from now on); kNotFound for a key of another
// tenant or none. Revoking twice keeps the first time.
core::Status RevokeApiKey(core::Store& store, const core::Clock& clock, const Actor& actor,
                          std::int64_t id);

core::Result<std::vector<core::ApiKey>> ListApiKeys(core::Store& store, core::TenantId tenant);

// Whom a request's key speaks for.
struct ApiPrincipal {
  core::ApiKey key;
  core::UserId system_user = 0;
  // The actor of the request's acts and audit entries.
  Actor ActorFrom(std::string ip_prefix) const {
    return {key.tenant_id, system_user, std::move(ip_prefix), key.id};
  }
};

// Checks the keys of API requests. Thread-safe; borrows its store and crypto. A tenant's
// system user never changes, so it is read with the tenant's first request and remembered:
// every later request needs only the key's own lookup.
class ApiKeyChecker {
 public:
  ApiKeyChecker(core::Store& store, const core::Crypto& crypto) : store_(store), crypto_(crypto) {}

  // The live key `secret` is; kPermissionDenied for anything else (unknown, revoked,
  // malformed).
  core::Result<ApiPrincipal> Authenticate(std::string_view secret) const;

 private:
  std::optional<core::UserId> RememberedSystemUser(core::TenantId tenant) const;

  core::Store& store_;
  const core::Crypto& crypto_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<core::TenantId, core::UserId> system_users_;
};

// An Idempotency-Key is honoured for this long after its first request.
inline constexpr std::chrono::hours kIdempotencyRetention{24};

// Forgets every tenant's idempotency records older than kIdempotencyRetention.
core::Status PruneIdempotencyRecords(core::Store& store, const core::Clock& clock);

}  // namespace consentd::app
