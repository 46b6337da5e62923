// The audit log of the admin UI and API: who did what, when, to which object. It records
// administrative acts (a user added, a template saved, a mailing sent); the evidence of a
// person's own acts and of consent stays in the activity chain.
#pragma once

#include <optional>
#include <string>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

struct AuditEntry {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  UserId user_id = 0;  // who acted; 0 only for acts before login (failed logins)
  Time at{};
  std::string action;           // dotted key: "login", "contact.create", "template.save", ...
  std::string target;           // "contact:42", "user:7", "" when none
  std::string detail;           // JSON object with what changed; never a password
  std::string ip_prefix;        // shortened address (core::ShortenIp)
  std::int64_t api_key_id = 0;  // the API key that acted for user_id (the system user); 0: none
};

// A page of the audit log, newest first.
struct AuditQuery {
  std::optional<UserId> user;
  std::string action_prefix;   // "contact." matches every contact act; "" all
  std::optional<Time> from;    // inclusive
  std::optional<Time> to;      // exclusive
  std::int64_t before_id = 0;  // keyset: entries with id < before_id; 0 from the newest
  int limit = 50;
};

// A logged-in browser session. Only the SHA-256 of the cookie's token is stored.
struct Session {
  std::string token_hash;
  TenantId tenant_id = 0;
  UserId user_id = 0;
  Time created_at{};
  Time last_seen_at{};
  Time expires_at{};  // absolute expiry, whatever the activity
  bool revoked = false;
};

}  // namespace consentd::core
