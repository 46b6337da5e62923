#include "app/settings_admin.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/admin.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

std::string Get(const core::Form& form, std::string_view key) {
  auto it = form.find(key);
  return it == form.end() ? "" : core::Trim(it->second);
}

// The signature keeps its line breaks (LF only).
std::string Multiline(const core::Form& form, std::string_view key) {
  auto it = form.find(key);
  if (it == form.end()) return "";
  std::string s = it->second;
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}

bool IsSmtpUrl(const std::string& s) {
  return s.rfind("smtp://", 0) == 0 || s.rfind("smtps://", 0) == 0;
}

// Checks beyond ValidateTenant: SMTP account and signature.
void CheckMailSettings(const core::Tenant& t, core::FieldErrors& errors) {
  if (!t.smtp.url.empty() && !IsSmtpUrl(t.smtp.url)) {
    errors.push_back({"smtp_url",
                      "Bitte eine Adresse wie smtp://host:587 oder smtps://host:465 angeben.",
                      "Please give an address like smtp://host:587 or smtps://host:465."});
  }
  core::CheckText("smtp_url", t.smtp.url, 300, errors);
  core::CheckText("smtp_username", t.smtp.username, 200, errors);
  core::CheckText("smtp_password", t.smtp.password, 200, errors);
  core::CheckText("phone", t.controller.phone, 50, errors);
  std::string one_line = t.signature;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  core::CheckText("signature", one_line, 1000, errors);
}

// What changed, for the audit log; the password only as "changed".
json Changes(const core::Tenant& before, const core::Tenant& after) {
  json changed = json::array();
  auto note = [&](const char* name, const std::string& a, const std::string& b) {
    if (a != b) changed.push_back(name);
  };
  const auto &x = before.controller, &y = after.controller;
  note("company", x.company, y.company);
  note("street", x.street, y.street);
  note("postal_code", x.postal_code, y.postal_code);
  note("city", x.city, y.city);
  note("country", x.country, y.country);
  note("email", x.email, y.email);
  note("phone", x.phone, y.phone);
  note("privacy_url", x.privacy_url, y.privacy_url);
  note("imprint_url", x.imprint_url, y.imprint_url);
  note("sender_email", before.sender_email, after.sender_email);
  note("sender_name", before.sender_name, after.sender_name);
  note("signature", before.signature, after.signature);
  note("smtp_url", before.smtp.url, after.smtp.url);
  note("smtp_username", before.smtp.username, after.smtp.username);
  note("smtp_password", before.smtp.password, after.smtp.password);
  return {{"changed", changed}};
}

core::Error NoSuchUser(core::UserId id) { return core::NotFound("user " + std::to_string(id)); }

}  // namespace

core::Tenant SettingsFromForm(const core::Tenant& current, const core::Form& form) {
  core::Tenant t = current;
  auto& c = t.controller;
  c.company = Get(form, "company");
  c.street = Get(form, "street");
  c.postal_code = Get(form, "postal_code");
  c.city = Get(form, "city");
  c.country = Get(form, "country").empty() ? "DE" : Get(form, "country");
  c.email = Get(form, "email");
  c.phone = Get(form, "phone");
  c.privacy_url = Get(form, "privacy_url");
  c.imprint_url = Get(form, "imprint_url");
  t.sender_email = Get(form, "sender_email");
  t.sender_name = Get(form, "sender_name");
  t.signature = Multiline(form, "signature");
  t.smtp.url = Get(form, "smtp_url");
  t.smtp.username = Get(form, "smtp_username");
  const std::string password = Get(form, "smtp_password");
  if (!password.empty()) t.smtp.password = password;
  return t;
}

Result<core::FieldErrors> SaveSettings(core::Store& store, const core::Clock& clock,
                                       const Actor& actor, const core::Form& form) {
  core::FieldErrors errors;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto current = tx.FindTenant(actor.tenant);
    if (!current) return current.error();
    core::Tenant next = SettingsFromForm(*current, form);
    errors = ValidateTenant(next);
    CheckMailSettings(next, errors);
    if (!errors.empty()) return {};
    CONSENTD_RETURN_IF_ERROR(tx.UpdateTenantSettings(next));
    return WriteAudit(tx, actor, "settings.save", "tenant:" + std::to_string(actor.tenant),
                      Changes(*current, next), clock.Now());
  });
  if (!status) return status.error();
  return errors;
}

Result<core::FieldErrors> AddRetentionRule(core::Store& store, const core::Clock& clock,
                                           const Actor& actor, const core::Form& form) {
  core::RetentionRule rule{0, actor.tenant, Get(form, "rule_name"), Get(form, "rule_reference"), 0};
  const std::string months = Get(form, "rule_months");
  core::FieldErrors errors;
  if (rule.name.empty()) {
    errors.push_back({"rule_name", "Bitte einen Namen angeben.", "Please give a name."});
  }
  core::CheckText("rule_name", rule.name, 200, errors);
  core::CheckText("rule_reference", rule.legal_reference, 200, errors);
  const bool digits =
      !months.empty() && months.size() <= 3 &&
      std::all_of(months.begin(), months.end(), [](char c) { return c >= '0' && c <= '9'; });
  rule.months = digits ? std::stoi(months) : 0;
  if (rule.months < 1 || rule.months > 360) {
    errors.push_back({"rule_months", "Bitte eine Zahl von Monaten zwischen 1 und 360 angeben.",
                      "Please give a number of months between 1 and 360."});
  }
  if (!errors.empty()) return errors;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto id = tx.InsertRetentionRule(rule);
    if (!id) return id.error();
    return WriteAudit(
        tx, actor, "settings.retention_rule.add", "retention_rule:" + std::to_string(*id),
        {{"months", rule.months}},  // the free-text name and reference stay in the rule
        clock.Now());
  });
  if (!status) return status.error();
  return errors;
}

Status RemoveRetentionRule(core::Store& store, const core::Clock& clock, const Actor& actor,
                           std::int64_t rule_id) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(tx.DeleteRetentionRule(actor.tenant, rule_id));
    return WriteAudit(tx, actor, "settings.retention_rule.remove",
                      "retention_rule:" + std::to_string(rule_id), json::object(), clock.Now());
  });
}

std::string GeneratePassword(const core::Crypto& crypto) {
  return core::Base64UrlEncode(crypto.RandomBytes(12));  // 16 characters, 96 bits
}

Result<UserOutcome> AddUser(core::Store& store, const core::Clock& clock,
                            const core::Crypto& crypto, const Actor& actor,
                            const core::Form& form) {
  UserOutcome out;
  core::User user{0,  actor.tenant, Get(form, "email"), Get(form, "name"), core::Role::kBroker,
                  "", true};
  auto role = core::ParseRole(Get(form, "role"));
  if (!role || *role == core::Role::kSystem) {
    out.errors.push_back({"role", "Bitte eine Rolle wählen.", "Please choose a role."});
  } else {
    user.role = *role;
  }
  if (user.name.empty()) {
    out.errors.push_back({"name", "Bitte einen Namen angeben.", "Please give a name."});
  } else if (core::CheckText("name", user.name, 200, out.errors)) {
    core::CheckHeaderText("name", user.name, out.errors);
  }
  if (!core::IsValidEmail(user.email)) {
    out.errors.push_back({"email", "Bitte eine gültige E-Mail-Adresse angeben.",
                          "Please give a valid e-mail address."});
  }
  std::string password = Get(form, "password");
  if (!password.empty() && core::CodePointCount(password) < 12) {
    out.errors.push_back({"password", "Das Passwort braucht mindestens 12 Zeichen.",
                          "The password needs at least 12 characters."});
  }
  if (!out.errors.empty()) return out;
  if (password.empty()) password = out.generated_password = GeneratePassword(crypto);
  user.password_hash = crypto.HashPassword(password);
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    out.errors.clear();  // empty before the unit; it may run again
    out.id = 0;
    if (tx.FindUserByEmail(actor.tenant, user.email)) {
      out.errors.push_back({"email", "Es gibt bereits einen Benutzer mit dieser E-Mail-Adresse.",
                            "There is a user with this e-mail address already."});
      return {};
    }
    auto id = tx.InsertUser(user);
    if (!id) return id.error();
    out.id = *id;
    return WriteAudit(tx, actor, "user.add", "user:" + std::to_string(*id),
                      {{"role", core::RoleName(user.role)}}, clock.Now());
  });
  if (!status) return status.error();
  if (!out.errors.empty()) out.generated_password.clear();
  return out;
}

Result<std::string> ResetPassword(core::Store& store, const core::Clock& clock,
                                  const core::Crypto& crypto, const Actor& actor,
                                  core::UserId user_id) {
  const std::string password = GeneratePassword(crypto);
  const std::string hash = crypto.HashPassword(password);
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto user = tx.FindUser(actor.tenant, user_id);
    if (!user) return user.error();
    if (user->role == core::Role::kSystem) return NoSuchUser(user_id);
    user->password_hash = hash;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateUser(*user));
    CONSENTD_RETURN_IF_ERROR(tx.RevokeUserSessions(actor.tenant, user_id));
    return WriteAudit(tx, actor, "user.password_reset", "user:" + std::to_string(user_id),
                      json::object(), clock.Now());
  });
  if (!status) return status.error();
  return password;
}

Status SetUserActive(core::Store& store, const core::Clock& clock, const Actor& actor,
                     core::UserId user_id, bool active) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    auto user = tx.FindUser(actor.tenant, user_id);
    if (!user) return user.error();
    if (user->role == core::Role::kSystem) return NoSuchUser(user_id);
    if (!active && user_id == actor.user) {
      return core::InvalidArgument("an admin cannot deactivate themself");
    }
    if (!active && user->role == core::Role::kAdmin) {
      auto users = tx.ListUsers(actor.tenant);
      if (!users) return users.error();
      auto admins = std::count_if(users->begin(), users->end(), [](const core::User& u) {
        return u.active && u.role == core::Role::kAdmin;
      });
      if (admins <= 1) return core::InvalidArgument("the last admin cannot be deactivated");
    }
    user->active = active;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateUser(*user));
    if (!active) CONSENTD_RETURN_IF_ERROR(tx.RevokeUserSessions(actor.tenant, user_id));
    return WriteAudit(tx, actor, active ? "user.reactivate" : "user.deactivate",
                      "user:" + std::to_string(user_id), json::object(), clock.Now());
  });
}

}  // namespace consentd::app
