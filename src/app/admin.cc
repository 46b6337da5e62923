#include "app/admin.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/deletion_inbox.h"  // --- deletions ---
#include "app/evidence.h"
#include "app/mail_templates.h"

namespace consentd::app {

using core::Result;
using core::Status;

namespace {

std::string ConsentTextDe(const core::Tenant& t) {
  return "Ich willige ein, dass " + t.controller.company +
         " mich zum Zweck der Akquisition und Vermittlung von Immobilien per E-Mail, Telefon "
         "und Post kontaktiert und die dafür angegebenen Daten (Kontaktdaten und Suchprofile) "
         "verarbeitet. Die Einwilligung ist freiwillig. Ich kann sie jederzeit ohne Angabe von "
         "Gründen mit Wirkung für die Zukunft widerrufen – auf dieser Seite, über den Link in "
         "jeder E-Mail oder formlos an die oben genannten Kontaktdaten. Die Rechtmäßigkeit der "
         "bis zum Widerruf erfolgten Verarbeitung bleibt unberührt.";
}

std::string ConsentTextEn(const core::Tenant& t) {
  return "I agree that " + t.controller.company +
         " may contact me by e-mail, telephone and post for the purpose of acquiring and "
         "brokering real estate, and may process the data I provide for this (contact data and "
         "search profiles). This consent is voluntary. I can withdraw it at any time, without "
         "giving reasons, with effect for the future – on this page, through the link in every "
         "e-mail, or informally via the contact details above. Processing carried out before "
         "the withdrawal remains lawful.";
}

bool IsSlug(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsHttpUrl(const std::string& s) {
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
}

Status SeedPurpose(core::WriteTx& tx, const core::Crypto& crypto, const core::Tenant& tenant) {
  auto purpose_id = tx.InsertPurpose({0, tenant.id, std::string(core::kDefaultPurposeKey),
                                      std::string(core::kDefaultPurposeName)});
  if (!purpose_id) return purpose_id.error();
  for (auto [lang, body] :
       {std::pair{"de", ConsentTextDe(tenant)}, std::pair{"en", ConsentTextEn(tenant)}}) {
    core::ConsentText text{*purpose_id, 1, lang, body, crypto.Sha256Hex(body)};
    CONSENTD_RETURN_IF_ERROR(tx.InsertConsentText(tenant.id, text));
  }
  return {};
}

}  // namespace

core::FieldErrors ValidateTenant(const core::Tenant& t) {
  core::FieldErrors errors;
  const auto& c = t.controller;
  if (!IsSlug(t.slug)) {
    errors.push_back({"slug", "Kurzname: 1–40 Kleinbuchstaben, Ziffern oder Bindestriche.",
                      "Slug: 1–40 lower-case letters, digits or hyphens."});
  }
  if (core::Trim(c.company).empty()) {
    errors.push_back(
        {"company", "Bitte den Firmennamen angeben.", "Please give the company name."});
  }
  if (core::CheckText("company", c.company, 200, errors))
    core::CheckHeaderText("company", c.company, errors);
  if (core::CheckText("sender_name", t.sender_name, 200, errors)) {
    core::CheckHeaderText("sender_name", t.sender_name, errors);
  }
  core::CheckText("street", c.street, 150, errors);
  core::CheckText("city", c.city, 100, errors);
  if (!t.sender_email.empty() && !core::IsValidEmail(t.sender_email)) {
    errors.push_back({"sender_email", "Bitte eine gültige Absenderadresse angeben.",
                      "Please give a valid sender address."});
  }
  if (!c.email.empty() && !core::IsValidEmail(c.email)) {
    errors.push_back({"email", "Bitte eine gültige E-Mail-Adresse angeben.",
                      "Please give a valid e-mail address."});
  }
  if (!c.postal_code.empty() && !core::IsValidPostalCode(c.postal_code, c.country)) {
    errors.push_back({"postal_code", "Bitte eine gültige Postleitzahl angeben.",
                      "Please give a valid postal code."});
  }
  for (auto [field, url] :
       {std::pair{"privacy_url", &c.privacy_url}, std::pair{"imprint_url", &c.imprint_url}}) {
    if (!url->empty() && !IsHttpUrl(*url)) {
      errors.push_back({field, "Bitte eine Adresse mit https:// angeben.",
                        "Please give an address starting with https://."});
    }
  }
  return errors;
}

Result<core::TenantId> CreateTenant(core::Store& store, const core::Crypto& crypto,
                                    const core::Tenant& tenant, core::Time now) {
  auto errors = ValidateTenant(tenant);
  if (!errors.empty())
    return core::InvalidArgument(errors.front().field + ": " + errors.front().message_en);
  core::TenantId id = 0;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto existing = tx.FindTenantBySlug(tenant.slug);
    if (existing) return core::Conflict("tenant '" + tenant.slug + "' exists already");
    auto inserted = tx.InsertTenant(tenant);
    if (!inserted) return inserted.error();
    id = *inserted;
    core::Tenant stored = tenant;
    stored.id = id;
    core::User system{
        0,  id,  "portal@system.invalid", std::string(core::kSystemUserName), core::Role::kSystem,
        "", true};
    auto user = tx.InsertUser(system);
    if (!user) return user.error();
    for (const auto& tmpl : DefaultTemplates(id, now))
      CONSENTD_RETURN_IF_ERROR(tx.SaveTemplate(tmpl));
    CONSENTD_RETURN_IF_ERROR(EnsureDeletionTemplates(tx, id, now));  // --- deletions ---
    return SeedPurpose(tx, crypto, stored);
  });
  if (!status) return status.error();
  return id;
}

Result<core::UserId> CreateUser(core::Store& store, const core::Crypto& crypto,
                                core::TenantId tenant, const std::string& email,
                                const std::string& name, core::Role role,
                                const std::string& password) {
  if (!core::IsValidEmail(email)) return core::InvalidArgument("the e-mail address is not valid");
  if (role == core::Role::kSystem)
    return core::InvalidArgument("system users are created with their tenant");
  if (core::CodePointCount(password) < 12)
    return core::InvalidArgument("the password needs at least 12 characters");
  std::string hash = crypto.HashPassword(password);
  core::UserId id = 0;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto t = tx.FindTenant(tenant);
    if (!t) return t.error();
    auto inserted = tx.InsertUser({0, tenant, email, name, role, hash, true});
    if (!inserted) return inserted.error();
    id = *inserted;
    return {};
  });
  if (!status) return status.error();
  return id;
}

Result<ContactOutcome> CreateContact(core::Store& store, const core::Clock& clock,
                                     const core::PhoneNormalizer& phones, core::TenantId tenant,
                                     const core::Form& fields, core::LegalBasis basis) {
  auto applied = core::ApplyContactForm(fields, core::ContactData{}, phones);
  if (applied.data.email.empty() && applied.errors.empty()) {
    applied.errors.push_back(
        {"email", "Bitte eine E-Mail-Adresse angeben.", "Please give an e-mail address."});
  }
  if (!applied.errors.empty()) return ContactOutcome{0, std::move(applied.errors)};
  ContactOutcome outcome;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    core::Contact c;
    c.tenant_id = tenant;
    c.data = applied.data;
    c.legal_basis = basis;
    c.created_at = c.updated_at = clock.Now();
    auto id = tx.InsertContact(c);
    if (!id) return id.error();
    outcome.id = *id;
    return {};
  });
  if (!status) return status.error();
  return outcome;
}

Result<std::string> IssueLink(core::Store& store, const core::Clock& clock,
                              const core::Crypto& crypto, core::TenantId tenant,
                              core::ContactId contact, std::optional<core::MailingId> mailing) {
  std::string token = core::Base64UrlEncode(crypto.RandomBytes(core::kTokenBytes));
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto c = tx.FindContact(tenant, contact);
    if (!c) return c.error();
    if (c->erased) return core::NotFound("contact " + std::to_string(contact));
    const core::Time now = clock.Now();
    core::LinkToken link{0,
                         tenant,
                         contact,
                         crypto.Sha256Hex(token),
                         mailing,
                         now,
                         now + core::kDefaultTokenLifetime,
                         std::nullopt};
    auto id = tx.InsertLinkToken(link);
    if (!id) return id.error();
    return {};
  });
  if (!status) return status.error();
  return token;
}

namespace {

struct DemoContact {
  core::Form fields;
  core::LegalBasis basis;
};

std::vector<DemoContact> DemoContacts() {
  return {
      {{{"anrede", "Frau"},
        {"vorname", "Erika"},
        {"nachname", "Mustermann"},
        {"email", "erika.mustermann@example.com"},
        {"telefon", "030 1234567"},
        {"strasse", "Heidestraße"},
        {"hausnummer", "17"},
        {"plz", "10557"},
        {"ort", "Berlin"},
        {"kontaktart", "interessent"}},
       core::LegalBasis::kOwnEnquiry},
      {{{"anrede", "Herr"},
        {"titel", "Dr."},
        {"vorname", "Jürgen"},
        {"nachname", "Müller"},
        {"email", "juergen.mueller@example.com"},
        {"mobil", "0171 2345678"},
        {"plz", "80331"},
        {"ort", "München"},
        {"kontaktart", "eigentuemer"}},
       core::LegalBasis::kExistingCustomer},
      {{{"anrede", "Frau"},
        {"vorname", "Ayşe"},
        {"nachname", "Özdemir"},
        {"email", "ayse.oezdemir@example.com"},
        {"plz", "50667"},
        {"ort", "Köln"},
        {"kontaktart", "interessent"}},
       core::LegalBasis::kConsent},
      {{{"vorname", "Alex"},
        {"nachname", "Weber"},
        {"email", "alex.weber@example.com"},
        {"kontaktart", "interessent"}},
       core::LegalBasis::kOwnEnquiry},
  };
}

core::Tenant DemoTenant() {
  core::Tenant t;
  t.slug = "demo";
  t.controller = {"Musterimmobilien GmbH & Co. KG",
                  "Friedrichstraße 100",
                  "10117",
                  "Berlin",
                  "DE",
                  "datenschutz@musterimmobilien.example",
                  "+49 30 9876543",
                  "https://musterimmobilien.example/datenschutz",
                  "https://musterimmobilien.example/impressum"};
  t.sender_email = "info@musterimmobilien.example";
  t.signature = "Ihr Team der Musterimmobilien GmbH & Co. KG";
  return t;
}

Result<core::TenantId> FindOrCreateDemoTenant(core::Store& store, const core::Crypto& crypto,
                                              core::Time now) {
  core::TenantId id = 0;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto t = tx.FindTenantBySlug("demo");
    if (t) id = t->id;
    return {};
  });
  if (!status) return status.error();
  if (id != 0) return id;
  return CreateTenant(store, crypto, DemoTenant(), now);
}

Result<core::ContactId> FindOrCreateContact(core::Store& store, const core::Clock& clock,
                                            const core::PhoneNormalizer& phones,
                                            core::TenantId tenant, const DemoContact& demo) {
  core::ContactId id = 0;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto c = tx.FindContactByEmail(tenant, demo.fields.at("email"));
    if (c) id = c->id;
    return {};
  });
  if (!status) return status.error();
  if (id != 0) return id;
  auto created = CreateContact(store, clock, phones, tenant, demo.fields, demo.basis);
  if (!created) return created.error();
  if (!created->errors.empty())
    return core::Internal("demo contact invalid: " + created->errors.front().field);
  return created->id;
}

}  // namespace

Result<DemoResult> CreateDemo(core::Store& store, const core::Clock& clock,
                              const core::Crypto& crypto, const core::PhoneNormalizer& phones) {
  auto tenant = FindOrCreateDemoTenant(store, crypto, clock.Now());
  if (!tenant) return tenant.error();
  DemoResult result;
  result.tenant = *tenant;
  result.admin_email = "admin@musterimmobilien.example";
  bool admin_exists = false;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    admin_exists = tx.FindUserByEmail(*tenant, result.admin_email).has_value();
    return {};
  });
  if (!status) return status.error();
  if (!admin_exists) {
    result.admin_password = core::Base64UrlEncode(crypto.RandomBytes(12));
    auto user = CreateUser(store, crypto, *tenant, result.admin_email, "Demo-Administrator",
                           core::Role::kAdmin, result.admin_password);
    if (!user) return user.error();
  }
  for (const auto& demo : DemoContacts()) {
    auto contact = FindOrCreateContact(store, clock, phones, *tenant, demo);
    if (!contact) return contact.error();
    auto token = IssueLink(store, clock, crypto, *tenant, *contact);
    if (!token) return token.error();
    core::ContactData data;
    for (const auto& f : core::kContactFields) {
      auto it = demo.fields.find(f.name);
      if (it != demo.fields.end()) data.*f.member = it->second;
    }
    result.links.push_back({*contact, core::DisplayName(data), *token});
  }
  return result;
}

core::Result<std::vector<core::Tenant>> AllTenants(core::Store& store) {
  std::vector<core::Tenant> tenants;
  auto status = store.Read([&](core::ReadTx& tx) -> core::Status {
    auto all = tx.ListTenants();
    if (!all) return all.error();
    tenants = std::move(*all);
    return {};
  });
  if (!status) return status.error();
  return tenants;
}

}  // namespace consentd::app
