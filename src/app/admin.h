// Administration use cases: tenants, users, contacts by hand, personal links, demo data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// Validates the controller identity and slug; the messages name the field.
core::FieldErrors ValidateTenant(const core::Tenant& tenant);

// Creates a tenant with its system user ("portal"), the default purpose "Akquisition und
// Vermittlung von Immobilien" with its consent texts (de, en, version 1) and the mail
// template "Kontakt- und Gesuchsdaten".
core::Result<core::TenantId> CreateTenant(core::Store& store, const core::Crypto& crypto,
                                          const core::Tenant& tenant, core::Time now);

// Every tenant of the installation, for the housekeeping that goes through all of them.
core::Result<std::vector<core::Tenant>> AllTenants(core::Store& store);

// Creates a user who can log in. `password` is hashed with Argon2id; at least 12 characters.
core::Result<core::UserId> CreateUser(core::Store& store, const core::Crypto& crypto,
                                      core::TenantId tenant, const std::string& email,
                                      const std::string& name, core::Role role,
                                      const std::string& password);

// Creates a contact from form-like fields (validated as on the consent page).
struct ContactOutcome {
  core::ContactId id = 0;
  core::FieldErrors errors;
};
core::Result<ContactOutcome> CreateContact(core::Store& store, const core::Clock& clock,
                                           const core::PhoneNormalizer& phones,
                                           core::TenantId tenant, const core::Form& fields,
                                           core::LegalBasis basis);

// Issues a new personal link for a contact and returns the token text (shown once; only
// its hash is stored). Older links stay valid until they expire.
core::Result<std::string> IssueLink(core::Store& store, const core::Clock& clock,
                                    const core::Crypto& crypto, core::TenantId tenant,
                                    core::ContactId contact,
                                    std::optional<core::MailingId> mailing = std::nullopt);

// The demo: a tenant "demo" with an admin and a few contacts, created once; later calls
// find and return what exists. Fresh links are issued on every call.
struct DemoLink {
  core::ContactId contact = 0;
  std::string name;
  std::string token;
};
struct DemoResult {
  core::TenantId tenant = 0;
  std::string admin_email;
  std::string admin_password;  // empty when the admin existed already
  std::vector<DemoLink> links;
};
core::Result<DemoResult> CreateDemo(core::Store& store, const core::Clock& clock,
                                    const core::Crypto& crypto,
                                    const core::PhoneNormalizer& phones);

}  // namespace consentd::app
