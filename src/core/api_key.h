// API keys of a tenant's CRM integration (/api/v1) and the record that makes a POST with an
// Idempotency-Key answer every retry like the first request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

// What a key may do: read everything of its tenant, or also write.
enum class ApiScope { kRead, kWrite };
inline std::string_view ApiScopeKey(ApiScope scope) {
  return scope == ApiScope::kWrite ? "write" : "read";
}
inline std::optional<ApiScope> ParseApiScope(std::string_view key) {
  if (key == "read") return ApiScope::kRead;
  if (key == "write") return ApiScope::kWrite;
  return std::nullopt;
}

// Only the SHA-256 of the key is stored; the key itself is shown once, when created.
struct ApiKey {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::string name;  // what the admin calls it, e.g. "FLOWFACT-Sync"
  ApiScope scope = ApiScope::kRead;
  std::string key_hash;
  std::string prefix;  // the key's first characters, to tell keys apart
  UserId created_by = 0;
  Time created_at{};
  std::optional<Time> revoked_at;
};

// The first answer to a POST with an Idempotency-Key. `status` 0: still being answered.
struct IdempotencyRecord {
  TenantId tenant_id = 0;
  std::int64_t api_key_id = 0;
  std::string key;
  std::string request_hash;  // method, path and body of the first request
  int status = 0;
  std::string response;  // JSON: {"headers": [[name, value], ...], "body": "..."}
  Time created_at{};
  // The request's act took effect: set in the act's own unit of work, so that a retry after
  // a crash between the act and storing its answer does not carry the act out again.
  bool applied = false;
};

}  // namespace consentd::core
