// Column lists and row readers of the admin tables (sessions, audit log), shared by both
// stores like storage/row_readers.h. Internal to storage.
#pragma once

#include <string_view>

#include "core/audit.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

inline constexpr std::string_view kSessionColumns =
    "token_hash, tenant_id, user_id, created_at, last_seen_at, expires_at, revoked";

template <typename Row>
core::Session ReadSession(const Row& s) {
  core::Session session;
  session.token_hash = s.ColumnText(0);
  session.tenant_id = s.ColumnInt(1);
  session.user_id = s.ColumnInt(2);
  session.created_at = TimeOf(s.ColumnText(3));
  session.last_seen_at = TimeOf(s.ColumnText(4));
  session.expires_at = TimeOf(s.ColumnText(5));
  session.revoked = s.ColumnInt(6) != 0;
  return session;
}

inline constexpr std::string_view kAuditColumns =
    "id, tenant_id, user_id, at, action, target, detail, ip_prefix, api_key_id";

template <typename Row>
core::AuditEntry ReadAuditEntry(const Row& s) {
  core::AuditEntry e;
  e.id = s.ColumnInt(0);
  e.tenant_id = s.ColumnInt(1);
  e.user_id = s.ColumnInt(2);
  e.at = TimeOf(s.ColumnText(3));
  e.action = s.ColumnText(4);
  e.target = s.ColumnText(5);
  e.detail = s.ColumnText(6);
  e.ip_prefix = s.ColumnText(7);
  e.api_key_id = s.ColumnInt(8);
  return e;
}

}  // namespace consentd::storage::rows
