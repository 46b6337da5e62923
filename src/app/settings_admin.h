// Administration of a tenant by its admins: settings (controller identity, sender, SMTP
// account, Löschfristen) and users. Every write is one unit of work with its audit entry.
#pragma once

#include <optional>
#include <string>

#include "app/audit.h"
#include "core/deletion_inbox.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// The settings form's fields: company, street, postal_code, city, country, email, phone,
// privacy_url, imprint_url, sender_email, sender_name, signature, smtp_url, smtp_username,
// smtp_password (empty keeps the stored password).
core::Tenant SettingsFromForm(const core::Tenant& current, const core::Form& form);

// Validates and saves the settings; errors at fields, nothing written when there are any.
core::Result<core::FieldErrors> SaveSettings(core::Store& store, const core::Clock& clock,
                                             const Actor& actor, const core::Form& form);

// Adds a Löschfrist from the fields rule_name, rule_reference, rule_months (1..360).
core::Result<core::FieldErrors> AddRetentionRule(core::Store& store, const core::Clock& clock,
                                                 const Actor& actor, const core::Form& form);
// kNotFound for a rule that is missing or of another tenant.
core::Status RemoveRetentionRule(core::Store& store, const core::Clock& clock, const Actor& actor,
                                 std::int64_t rule_id);

// A password made for a user and shown once.
std::string GeneratePassword(const core::Crypto& crypto);

struct UserOutcome {
  core::FieldErrors errors;
  core::UserId id = 0;
  std::string generated_password;  // when the form left the password empty
};

// Adds a broker or admin from the fields name, email, role, password (empty: generated;
// else at least 12 characters).
core::Result<UserOutcome> AddUser(core::Store& store, const core::Clock& clock,
                                  const core::Crypto& crypto, const Actor& actor,
                                  const core::Form& form);

// Sets a new generated password, revokes the user's sessions; returns the password.
// kNotFound for the system user and users of other tenants.
core::Result<std::string> ResetPassword(core::Store& store, const core::Clock& clock,
                                        const core::Crypto& crypto, const Actor& actor,
                                        core::UserId user);

// Deactivates (revoking every session) or reactivates a user. kNotFound for the system
// user and users of other tenants; kInvalidArgument when an admin would deactivate
// themself or the last active admin.
core::Status SetUserActive(core::Store& store, const core::Clock& clock, const Actor& actor,
                           core::UserId user, bool active);

}  // namespace consentd::app
