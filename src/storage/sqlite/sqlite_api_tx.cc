// SqliteTx: API keys, contacts by their CRM id and the records of idempotent POSTs.
#include "storage/api_rows.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<core::ApiKey> SqliteTx::FindApiKey(std::string_view key_hash) {
  Statement s(db_, Select(kApiKeyColumns, "FROM api_keys WHERE key_hash = ?"));
  s.Bind(1, key_hash);
  return OneOrNotFound(s, ReadApiKey<Statement>, "API key");
}

Result<std::vector<core::ApiKey>> SqliteTx::ListApiKeys(core::TenantId tenant) {
  Statement s(db_, Select(kApiKeyColumns, "FROM api_keys WHERE tenant_id = ? ORDER BY id"));
  s.Bind(1, tenant);
  return AllRows(s, ReadApiKey<Statement>);
}

Result<core::Contact> SqliteTx::FindContactByExternalId(core::TenantId tenant,
                                                        std::string_view external_id) {
  Statement s(db_, Select(kContactColumns,
                          "FROM contacts WHERE tenant_id = ? AND external_id = ? "
                          "AND erased_at IS NULL"));
  s.Bind(1, tenant).Bind(2, external_id);
  return OneOrNotFound(s, ReadContact<Statement>, "contact");
}

Result<std::optional<core::IdempotencyRecord>> SqliteTx::FindIdempotency(core::TenantId tenant,
                                                                         std::int64_t api_key,
                                                                         std::string_view key) {
  Statement s(db_, Select(kIdempotencyColumns,
                          "FROM idempotency_keys WHERE tenant_id = ? AND api_key_id = ? "
                          "AND key = ?"));
  s.Bind(1, tenant).Bind(2, api_key).Bind(3, key);
  auto found = OneOrNotFound(s, ReadIdempotency<Statement>, "idempotency key");
  if (!found && found.error().code == core::ErrorCode::kNotFound) {
    return std::optional<core::IdempotencyRecord>();
  }
  if (!found) return found.error();
  return std::optional<core::IdempotencyRecord>(std::move(*found));
}

Result<std::int64_t> SqliteTx::InsertApiKey(const core::ApiKey& k) {
  Statement s(db_,
              "INSERT INTO api_keys (tenant_id, name, scope, key_hash, prefix, created_by, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, k.tenant_id).Bind(2, k.name).Bind(3, core::ApiScopeKey(k.scope)).Bind(4, k.key_hash);
  s.Bind(5, k.prefix).Bind(6, k.created_by).Bind(7, core::FormatIso(k.created_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::RevokeApiKey(core::TenantId tenant, std::int64_t id, core::Time now) {
  Statement s(db_,
              "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) "
              "WHERE tenant_id = ? AND id = ?");
  s.Bind(1, core::FormatIso(now)).Bind(2, tenant).Bind(3, id);
  return s.RunChanging("API key " + std::to_string(id));
}

Status SqliteTx::InsertIdempotency(const core::IdempotencyRecord& r) {
  Statement s(db_,
              "INSERT INTO idempotency_keys (tenant_id, api_key_id, key, request_hash, status, "
              "response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, r.tenant_id).Bind(2, r.api_key_id).Bind(3, r.key).Bind(4, r.request_hash);
  s.Bind(5, std::int64_t{r.status}).Bind(6, r.response).Bind(7, core::FormatIso(r.created_at));
  return s.Run();
}

Status SqliteTx::CompleteIdempotency(const core::IdempotencyRecord& r) {
  Statement s(db_,
              "UPDATE idempotency_keys SET status = ?, response = ? "
              "WHERE tenant_id = ? AND api_key_id = ? AND key = ? AND status = 0");
  s.Bind(1, std::int64_t{r.status}).Bind(2, r.response).Bind(3, r.tenant_id);
  s.Bind(4, r.api_key_id).Bind(5, r.key);
  return s.RunChanging("idempotency key");
}

Status SqliteTx::MarkIdempotencyApplied(core::TenantId tenant, std::int64_t api_key,
                                        std::string_view key) {
  Statement s(db_,
              "UPDATE idempotency_keys SET applied = 1 "
              "WHERE tenant_id = ? AND api_key_id = ? AND key = ? AND status = 0");
  s.Bind(1, tenant).Bind(2, api_key).Bind(3, key);
  return s.RunChanging("idempotency key");
}

Status SqliteTx::DeleteIdempotency(core::TenantId tenant, std::int64_t api_key,
                                   std::string_view key) {
  Statement s(db_,
              "DELETE FROM idempotency_keys WHERE tenant_id = ? AND api_key_id = ? AND key = ?");
  s.Bind(1, tenant).Bind(2, api_key).Bind(3, key);
  return s.Run();
}

Status SqliteTx::PruneIdempotency(core::TenantId tenant, core::Time older_than) {
  Statement s(db_, "DELETE FROM idempotency_keys WHERE tenant_id = ? AND created_at < ?");
  s.Bind(1, tenant).Bind(2, core::FormatIso(older_than));
  return s.Run();
}

}  // namespace consentd::storage
