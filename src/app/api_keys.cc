#include "app/api_keys.h"

#include "app/admin.h"
#include "core/link_token.h"
#include "core/validation.h"

namespace consentd::app {

using core::Result;
using core::Status;

namespace {

constexpr std::size_t kMaxNameLength = 80;
constexpr std::size_t kSecretLength = 4 + 43;   // prefix + 256 bits in base64url
constexpr std::size_t kShownPrefixLength = 12;  // "cdk_" + 8 characters

std::string Target(std::int64_t id) { return "api_key:" + std::to_string(id); }

}  // namespace

Result<CreatedApiKey> CreateApiKey(core::Store& store, const core::Clock& clock,
                                   const core::Crypto& crypto, const Actor& actor,
                                   std::string_view name, core::ApiScope scope) {
  const std::string trimmed = core::Trim(name);
  core::FieldErrors errors;
  if (trimmed.empty()) {
    errors.push_back(
        {"name", "Bitte geben Sie dem Schlüssel einen Namen.", "Please give the key a name."});
  }
  core::CheckText("name", trimmed, kMaxNameLength, errors);
  if (!errors.empty()) return core::InvalidArgument(errors.front().message_en);

  CreatedApiKey created;
  created.secret = std::string(kApiKeyPrefix) + core::Base64UrlEncode(crypto.RandomBytes(32));
  core::ApiKey& key = created.key;
  key.tenant_id = actor.tenant;
  key.name = trimmed;
  key.scope = scope;
  key.key_hash = crypto.Sha256Hex(created.secret);
  key.prefix = created.secret.substr(0, kShownPrefixLength);
  key.created_by = actor.user;
  key.created_at = clock.Now();
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto id = tx.InsertApiKey(key);
    if (!id) return id.error();
    key.id = *id;
    return WriteAudit(tx, actor, "api_key.create", Target(*id),
                      {{"scope", core::ApiScopeKey(scope)}}, key.created_at);
  });
  if (!status) return status.error();
  return created;
}

Status RevokeApiKey(core::Store& store, const core::Clock& clock, const Actor& actor,
                    std::int64_t id) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    const core::Time now = clock.Now();
    CONSENTD_RETURN_IF_ERROR(tx.RevokeApiKey(actor.tenant, id, now));
    return WriteAudit(tx, actor, "api_key.revoke", Target(id), nullptr, now);
  });
}

Result<std::vector<core::ApiKey>> ListApiKeys(core::Store& store, core::TenantId tenant) {
  std::vector<core::ApiKey> keys;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.ListApiKeys(tenant);
    if (!found) return found.error();
    keys = std::move(*found);
    return {};
  });
  if (!status) return status.error();
  return keys;
}

Result<ApiPrincipal> ApiKeyChecker::Authenticate(std::string_view secret) const {
  const auto denied = core::Error{core::ErrorCode::kPermissionDenied, "no valid API key"};
  if (secret.size() != kSecretLength || !secret.starts_with(kApiKeyPrefix)) return denied;
  ApiPrincipal principal;
  auto status = store_.Read([&](core::ReadTx& tx) -> Status {
    auto key = tx.FindApiKey(crypto_.Sha256Hex(secret));
    if (!key) return key.error();
    principal.key = std::move(*key);
    if (auto known = RememberedSystemUser(principal.key.tenant_id)) {
      principal.system_user = *known;
      return {};
    }
    auto system = tx.FindSystemUser(principal.key.tenant_id);
    if (!system) return system.error();
    principal.system_user = system->id;
    return {};
  });
  if (!status && status.error().code == core::ErrorCode::kNotFound) return denied;
  if (!status) return status.error();
  if (principal.key.revoked_at) return denied;
  std::lock_guard lock(mutex_);
  system_users_.emplace(principal.key.tenant_id, principal.system_user);
  return principal;
}

std::optional<core::UserId> ApiKeyChecker::RememberedSystemUser(core::TenantId tenant) const {
  std::lock_guard lock(mutex_);
  auto found = system_users_.find(tenant);
  if (found == system_users_.end()) return std::nullopt;
  return found->second;
}

core::Status PruneIdempotencyRecords(core::Store& store, const core::Clock& clock) {
  auto tenants = AllTenants(store);
  if (!tenants) return tenants.error();
  const core::Time older_than = clock.Now() - kIdempotencyRetention;
  for (const auto& t : *tenants) {
    CONSENTD_RETURN_IF_ERROR(
        store.Write([&](core::WriteTx& tx) { return tx.PruneIdempotency(t.id, older_than); }));
  }
  return {};
}

}  // namespace consentd::app
