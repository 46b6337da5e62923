// PgTx: API keys, contacts by their CRM id and the records of idempotent POSTs. None of them
// is evidence, so none locks the tenant's chain head.
#include "storage/api_rows.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<core::ApiKey> PgTx::FindApiKey(std::string_view key_hash) {
  return OneOrNotFound(
      db_.Query(Select(kApiKeyColumns, "FROM consentd_find_api_key($1)"), PgParams().Add(key_hash)),
      ReadApiKey<PgRow>, "API key");
}

Result<std::vector<core::ApiKey>> PgTx::ListApiKeys(core::TenantId tenant) {
  return AllRows(
      TenantQuery(tenant, Select(kApiKeyColumns, "FROM api_keys WHERE tenant_id = $1 ORDER BY id"),
                  PgParams().Add(tenant)),
      ReadApiKey<PgRow>);
}

Result<core::Contact> PgTx::FindContactByExternalId(core::TenantId tenant,
                                                    std::string_view external_id) {
  return OneOrNotFound(TenantQuery(tenant,
                                   Select(kContactColumns,
                                          "FROM contacts WHERE tenant_id = $1 "
                                          "AND external_id = $2 AND erased_at IS NULL"),
                                   PgParams().Add(tenant).Add(external_id)),
                       ReadContact<PgRow>, "contact");
}

Result<std::optional<core::IdempotencyRecord>> PgTx::FindIdempotency(core::TenantId tenant,
                                                                     std::int64_t api_key,
                                                                     std::string_view key) {
  return OneOrNone(TenantQuery(tenant,
                               Select(kIdempotencyColumns,
                                      "FROM idempotency_keys WHERE tenant_id = $1 "
                                      "AND api_key_id = $2 AND key = $3"),
                               PgParams().Add(tenant).Add(api_key).Add(key)),
                   ReadIdempotency<PgRow>);
}

Result<std::int64_t> PgTx::InsertApiKey(const core::ApiKey& k) {
  return ReturnedId(TenantQuery(k.tenant_id,
                                "INSERT INTO api_keys (tenant_id, name, scope, key_hash, prefix, "
                                "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                                "RETURNING id",
                                PgParams()
                                    .Add(k.tenant_id)
                                    .Add(k.name)
                                    .Add(core::ApiScopeKey(k.scope))
                                    .Add(k.key_hash)
                                    .Add(k.prefix)
                                    .Add(k.created_by)
                                    .Add(k.created_at)));
}

Status PgTx::RevokeApiKey(core::TenantId tenant, std::int64_t id, core::Time now) {
  return ChangedOrNotFound(TenantQuery(tenant,
                                       "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) "
                                       "WHERE tenant_id = $2 AND id = $3",
                                       PgParams().Add(now).Add(tenant).Add(id)),
                           "API key " + std::to_string(id));
}

Status PgTx::InsertIdempotency(const core::IdempotencyRecord& r) {
  return Ran(TenantQuery(r.tenant_id,
                         "INSERT INTO idempotency_keys (tenant_id, api_key_id, key, request_hash, "
                         "status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                         PgParams()
                             .Add(r.tenant_id)
                             .Add(r.api_key_id)
                             .Add(r.key)
                             .Add(r.request_hash)
                             .Add(std::int64_t{r.status})
                             .Add(r.response)
                             .Add(r.created_at)));
}

Status PgTx::CompleteIdempotency(const core::IdempotencyRecord& r) {
  return ChangedOrNotFound(TenantQuery(r.tenant_id,
                                       "UPDATE idempotency_keys SET status = $1, response = $2 "
                                       "WHERE tenant_id = $3 AND api_key_id = $4 AND key = $5 "
                                       "AND status = 0",
                                       PgParams()
                                           .Add(std::int64_t{r.status})
                                           .Add(r.response)
                                           .Add(r.tenant_id)
                                           .Add(r.api_key_id)
                                           .Add(r.key)),
                           "idempotency key");
}

Status PgTx::MarkIdempotencyApplied(core::TenantId tenant, std::int64_t api_key,
                                    std::string_view key) {
  return ChangedOrNotFound(TenantQuery(tenant,
                                       "UPDATE idempotency_keys SET applied = true "
                                       "WHERE tenant_id = $1 AND api_key_id = $2 AND key = $3 "
                                       "AND status = 0",
                                       PgParams().Add(tenant).Add(api_key).Add(key)),
                           "idempotency key");
}

Status PgTx::DeleteIdempotency(core::TenantId tenant, std::int64_t api_key, std::string_view key) {
  return Ran(TenantQuery(tenant,
                         "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND api_key_id = $2 "
                         "AND key = $3",
                         PgParams().Add(tenant).Add(api_key).Add(key)));
}

Status PgTx::PruneIdempotency(core::TenantId tenant, core::Time older_than) {
  return Ran(TenantQuery(tenant,
                         "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND created_at < $2",
                         PgParams().Add(tenant).Add(older_than)));
}

}  // namespace consentd::storage
