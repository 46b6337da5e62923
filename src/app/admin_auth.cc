#include "app/admin_auth.h"

#include <algorithm>

#include "core/validation.h"

namespace consentd::app {

namespace {

std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

core::Result<bool> AdminAuth::Throttled(const std::string& account_key,
                                        const std::string& address_key, core::Time now) {
  const core::Time since = now - options_.throttle_window;
  bool throttled = false;
  CONSENTD_RETURN_IF_ERROR(store_.Read([&](core::ReadTx& tx) -> core::Status {
    auto account = tx.CountLoginFailures(account_key, since);
    if (!account) return account.error();
    auto address = tx.CountLoginFailures(address_key, since);
    if (!address) return address.error();
    throttled = *account >= options_.max_failures_per_account ||
                *address >= options_.max_failures_per_address;
    return {};
  }));
  return throttled;
}

core::Status AdminAuth::RecordFailure(const std::string& account_key,
                                      const std::string& address_key, const core::User* user,
                                      std::string_view ip_prefix, core::Time now) {
  return store_.Write([&](core::WriteTx& tx) -> core::Status {
    CONSENTD_RETURN_IF_ERROR(tx.RecordLoginFailure(account_key, now));
    CONSENTD_RETURN_IF_ERROR(tx.RecordLoginFailure(address_key, now));
    if (user == nullptr) return {};
    return WriteAudit(tx, {user->tenant_id, user->id, std::string(ip_prefix)}, "login.failed",
                      "user:" + std::to_string(user->id), nullptr, now);
  });
}

core::Result<LoginResult> AdminAuth::Login(std::string_view email, std::string_view password,
                                           std::string_view ip_prefix,
                                           std::string_view previous_token, LoginFailure* failure) {
  *failure = LoginFailure::kWrongCredentials;
  const core::Time now = clock_.Now();
  const std::string address = core::Trim(email);
  const std::string account_key = "account:" + crypto_.Sha256Hex(Lowercase(address));
  const std::string address_key = "address:" + std::string(ip_prefix);
  auto throttled = Throttled(account_key, address_key, now);
  if (!throttled) return throttled.error();
  if (*throttled) {
    *failure = LoginFailure::kThrottled;
    return core::Error{core::ErrorCode::kPermissionDenied, "too many failed logins"};
  }

  std::vector<core::User> candidates;
  if (core::IsValidEmail(address)) {
    CONSENTD_RETURN_IF_ERROR(store_.Read([&](core::ReadTx& tx) -> core::Status {
      auto users = tx.FindUsersByEmailAnyTenant(address);
      if (!users) return users.error();
      candidates = std::move(*users);
      return {};
    }));
  }
  const core::User* matched = nullptr;
  for (const auto& user : candidates) {
    if (core::CanLogIn(user) && crypto_.VerifyPassword(user.password_hash, password)) {
      matched = &user;
      break;
    }
  }
  if (matched == nullptr) {
    if (candidates.empty()) crypto_.VerifyPassword(dummy_hash_, password);
    const core::User* known = candidates.empty() ? nullptr : &candidates.front();
    CONSENTD_RETURN_IF_ERROR(RecordFailure(account_key, address_key, known, ip_prefix, now));
    return core::Error{core::ErrorCode::kPermissionDenied, "wrong credentials"};
  }

  LoginResult result;
  result.token = core::Base64UrlEncode(crypto_.RandomBytes(32));
  core::Session& session = result.principal.session;
  session.token_hash = TokenHash(result.token);
  session.tenant_id = matched->tenant_id;
  session.user_id = matched->id;
  session.created_at = now;
  session.last_seen_at = now;
  session.expires_at = now + options_.absolute_timeout;
  result.principal.user = *matched;
  CONSENTD_RETURN_IF_ERROR(store_.Write([&](core::WriteTx& tx) -> core::Status {
    auto tenant = tx.FindTenant(matched->tenant_id);
    if (!tenant) return tenant.error();
    result.principal.tenant = *tenant;
    if (!previous_token.empty()) {
      auto previous = tx.FindSession(TokenHash(previous_token));
      if (previous && previous->tenant_id == matched->tenant_id) {
        CONSENTD_RETURN_IF_ERROR(tx.RevokeSession(previous->tenant_id, previous->token_hash));
      }
    }
    CONSENTD_RETURN_IF_ERROR(tx.InsertSession(session));
    CONSENTD_RETURN_IF_ERROR(tx.ClearLoginFailures(account_key, now - options_.throttle_window));
    return WriteAudit(tx, {matched->tenant_id, matched->id, std::string(ip_prefix)}, "login",
                      "user:" + std::to_string(matched->id), nullptr, now);
  }));
  return result;
}

core::Result<Principal> AdminAuth::Resolve(std::string_view token) {
  if (token.empty()) return core::NotFound("no session");
  const core::Time now = clock_.Now();
  Principal p;
  CONSENTD_RETURN_IF_ERROR(store_.Read([&](core::ReadTx& tx) -> core::Status {
    auto session = tx.FindSession(TokenHash(token));
    if (!session) return session.error();
    if (session->revoked || now >= session->expires_at ||
        now >= session->last_seen_at + options_.idle_timeout) {
      return core::NotFound("session ended");
    }
    auto user = tx.FindUser(session->tenant_id, session->user_id);
    if (!user) return user.error();
    if (!core::CanLogIn(*user)) return core::NotFound("session ended");
    auto tenant = tx.FindTenant(session->tenant_id);
    if (!tenant) return tenant.error();
    p = {*session, *user, *tenant};
    return {};
  }));
  if (now - p.session.last_seen_at >= options_.touch_interval) {
    CONSENTD_RETURN_IF_ERROR(store_.Write([&](core::WriteTx& tx) {
      return tx.TouchSession(p.session.tenant_id, p.session.token_hash, now);
    }));
    p.session.last_seen_at = now;
  }
  return p;
}

core::Status AdminAuth::Logout(std::string_view token, std::string_view ip_prefix) {
  if (token.empty()) return {};
  const core::Time now = clock_.Now();
  return store_.Write([&](core::WriteTx& tx) -> core::Status {
    auto session = tx.FindSession(TokenHash(token));
    if (!session)
      return session.error().code == core::ErrorCode::kNotFound ? core::Status{}
                                                                : core::Status{session.error()};
    if (session->revoked) return {};
    CONSENTD_RETURN_IF_ERROR(tx.RevokeSession(session->tenant_id, session->token_hash));
    return WriteAudit(tx, {session->tenant_id, session->user_id, std::string(ip_prefix)}, "logout",
                      "user:" + std::to_string(session->user_id), nullptr, now);
  });
}

}  // namespace consentd::app
