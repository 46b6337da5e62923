#include "app/audit.h"

namespace consentd::app {

core::Status WriteAudit(core::WriteTx& tx, const Actor& actor, std::string_view action,
                        std::string_view target, const nlohmann::json& detail, core::Time now) {
  core::AuditEntry entry;
  entry.tenant_id = actor.tenant;
  entry.user_id = actor.user;
  entry.at = now;
  entry.action = std::string(action);
  entry.target = std::string(target);
  entry.detail = detail.is_null() ? "{}" : detail.dump();
  entry.ip_prefix = actor.ip_prefix;
  entry.api_key_id = actor.api_key;
  return tx.InsertAudit(entry);
}

}  // namespace consentd::app
