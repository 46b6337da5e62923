// Logging in to the admin UI: Argon2id passwords, server-side sessions kept in the store
// (so any node answers any request), idle and absolute expiry, and a login throttle per
// account and per client address.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "app/audit.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

struct AdminAuthOptions {
  std::chrono::seconds idle_timeout{std::chrono::minutes(30)};
  std::chrono::seconds absolute_timeout{std::chrono::hours(12)};
  // Failed logins allowed within `throttle_window` before further attempts are refused
  // without checking the password.
  std::chrono::seconds throttle_window{std::chrono::minutes(15)};
  int max_failures_per_account = 5;
  int max_failures_per_address = 20;
  // last_seen_at is written at most this often per session (a write per click is waste).
  std::chrono::seconds touch_interval{std::chrono::seconds(60)};
};

// A valid session with its user and tenant.
struct Principal {
  core::Session session;
  core::User user;
  core::Tenant tenant;
};

struct LoginResult {
  std::string token;  // the cookie's value; only its hash is stored
  Principal principal;
};

// Why a login failed. The page shows one generic message for kWrongCredentials, whatever
// was wrong (unknown address, wrong password, deactivated user, the system user).
enum class LoginFailure { kWrongCredentials, kThrottled };

class AdminAuth {
 public:
  AdminAuth(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
            AdminAuthOptions options = {})
      : store_(store),
        clock_(clock),
        crypto_(crypto),
        options_(options),
        dummy_hash_(crypto.HashPassword("consentd: no such user")) {}

  // Checks the credentials and opens a new session (a new token on every login, so a
  // session id planted before login is worthless; `previous_token`'s session is revoked).
  // Errors other than the two failures are store errors.
  core::Result<LoginResult> Login(std::string_view email, std::string_view password,
                                  std::string_view ip_prefix, std::string_view previous_token,
                                  LoginFailure* failure);

  // The session of `token` if it is valid: known, not revoked, neither idle nor past its
  // absolute expiry, and its user still active. kNotFound otherwise.
  core::Result<Principal> Resolve(std::string_view token);

  // Revokes the session of `token` (logout). Unknown tokens are no error.
  core::Status Logout(std::string_view token, std::string_view ip_prefix);

  std::string TokenHash(std::string_view token) const { return crypto_.Sha256Hex(token); }
  const AdminAuthOptions& options() const { return options_; }

 private:
  core::Result<bool> Throttled(const std::string& account_key, const std::string& address_key,
                               core::Time now);
  core::Status RecordFailure(const std::string& account_key, const std::string& address_key,
                             const core::User* user, std::string_view ip_prefix, core::Time now);

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  const AdminAuthOptions options_;
  // Checked against when no user has the address, so that an unknown address takes as long
  // as a wrong password and the login form does not tell which addresses exist.
  const std::string dummy_hash_;
};

}  // namespace consentd::app
