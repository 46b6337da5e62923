// Column lists and row readers of the API tables (API keys, idempotency records), shared by
// both stores like storage/row_readers.h. Internal to storage.
#pragma once

#include <string_view>

#include "core/api_key.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

inline constexpr std::string_view kApiKeyColumns =
    "id, tenant_id, name, scope, key_hash, prefix, created_by, created_at, revoked_at";

template <typename Row>
core::ApiKey ReadApiKey(const Row& s) {
  core::ApiKey k;
  k.id = s.ColumnInt(0);
  k.tenant_id = s.ColumnInt(1);
  k.name = s.ColumnText(2);
  k.scope = core::ParseApiScope(s.ColumnText(3)).value_or(core::ApiScope::kRead);
  k.key_hash = s.ColumnText(4);
  k.prefix = s.ColumnText(5);
  k.created_by = s.ColumnInt(6);
  k.created_at = TimeOf(s.ColumnText(7));
  k.revoked_at = OptionalTimeOf(s.ColumnOptionalText(8));
  return k;
}

inline constexpr std::string_view kIdempotencyColumns =
    "tenant_id, api_key_id, key, request_hash, status, response, created_at, applied";

template <typename Row>
core::IdempotencyRecord ReadIdempotency(const Row& s) {
  core::IdempotencyRecord r;
  r.tenant_id = s.ColumnInt(0);
  r.api_key_id = s.ColumnInt(1);
  r.key = s.ColumnText(2);
  r.request_hash = s.ColumnText(3);
  r.status = static_cast<int>(s.ColumnInt(4));
  r.response = s.ColumnText(5);
  r.created_at = TimeOf(s.ColumnText(6));
  r.applied = s.ColumnInt(7) != 0;
  return r;
}

}  // namespace consentd::storage::rows
