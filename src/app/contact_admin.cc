#include "app/contact_admin.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/evidence.h"
#include "app/json_views.h"
#include "app/search_profiles.h"
#include "core/link_token.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxNoteLength = 1000;

std::string Target(core::ContactId id) { return "contact:" + std::to_string(id); }

// The circumstances of a broker's act, as evidence (the counterpart of the consent page's
// link, user agent and address).
json BrokerContext(const Actor& actor, core::Time now) {
  json context = {{"time", core::FormatIso(now)},
                  {"channel", actor.api_key != 0 ? "api" : "admin"},
                  {"user_id", actor.user},
                  {"ip_prefix", actor.ip_prefix}};
  if (actor.api_key != 0) context["api_key_id"] = actor.api_key;
  return context;
}

// A contact that may still be changed: erased ones are not found.
Result<core::Contact> FindLiveContact(core::ReadTx& tx, core::TenantId tenant, core::ContactId id) {
  auto contact = tx.FindContact(tenant, id);
  if (!contact) return contact.error();
  if (contact->erased) return core::NotFound("contact " + std::to_string(id));
  return contact;
}

core::FieldError EmailTaken() {
  return {"email", "Diese E-Mail-Adresse gehört bereits zu einem anderen Kontakt.",
          "This e-mail address already belongs to another contact."};
}

// Only the contact fields of `form`; the rest (csrf, legal_basis, ...) is not contact data.
core::Form ContactFieldsOf(const core::Form& form) {
  core::Form fields;
  for (const auto& f : core::kContactFields) {
    auto it = form.find(f.name);
    if (it != form.end()) fields.emplace(it->first, it->second);
  }
  return fields;
}

// The legal basis chosen in the form; `current` when the form has none. "consent" is only
// kept, never chosen: consent needs its own act with source and evidence.
core::LegalBasis ReadBasis(const core::Form& form, core::LegalBasis current,
                           core::FieldErrors& errors) {
  auto it = form.find("legal_basis");
  if (it == form.end()) return current;
  auto basis = core::ParseLegalBasis(core::Trim(it->second));
  if (!basis) {
    errors.push_back({"legal_basis", "Bitte wählen Sie eine Rechtsgrundlage aus der Liste.",
                      "Please choose a legal basis from the list."});
    return current;
  }
  if (*basis == core::LegalBasis::kConsent && current != core::LegalBasis::kConsent) {
    errors.push_back({"legal_basis",
                      "Eine Einwilligung erfassen Sie mit „Einwilligung erfassen“ (Quelle, "
                      "Notiz, Datum).",
                      "Record a consent with “Record consent” (source, note, date)."});
    return current;
  }
  return *basis;
}

void RequireEmail(const core::ContactFormResult& applied, core::FieldErrors& errors) {
  bool failed = std::any_of(errors.begin(), errors.end(),
                            [](const core::FieldError& e) { return e.field == "email"; });
  if (applied.data.email.empty() && !failed) {
    errors.push_back(
        {"email", "Bitte geben Sie eine E-Mail-Adresse an.", "Please enter an e-mail address."});
  }
}

constexpr std::size_t kMaxExternalIdLength = 200;
constexpr std::size_t kMaxEvidenceBytes = 16 * 1024;

core::FieldError ExternalIdTaken() {
  return {"external_id", "Diese externe ID gehört bereits zu einem anderen Kontakt.",
          "This external id already belongs to another contact."};
}

// The CRM's id from the form ("external_id"), when present; `current` otherwise.
std::string ReadExternalId(const core::Form& form, const std::string& current,
                           core::FieldErrors& errors) {
  auto it = form.find("external_id");
  if (it == form.end()) return current;
  std::string id = core::Trim(it->second);
  core::CheckText("external_id", id, kMaxExternalIdLength, errors);
  return id;
}

// Whether `external_id` belongs to a live contact of the tenant other than `self`.
Result<bool> ExternalIdTakenByOther(core::ReadTx& tx, core::TenantId tenant,
                                    const std::string& external_id, core::ContactId self) {
  if (external_id.empty()) return false;
  auto other = tx.FindContactByExternalId(tenant, external_id);
  if (other) return other->id != self;
  if (other.error().code == core::ErrorCode::kNotFound) return false;
  return other.error();
}

// Whether `email` belongs to a contact of the tenant other than `self`.
Result<bool> EmailTakenByOther(core::ReadTx& tx, core::TenantId tenant, const std::string& email,
                               core::ContactId self) {
  auto other = tx.FindContactByEmail(tenant, email);
  if (other) return other->id != self;
  if (other.error().code == core::ErrorCode::kNotFound) return false;
  return other.error();
}

// Why a new contact with this address and external id was refused: the field errors of the
// values another live contact holds (the e-mail address when neither is found any more).
Result<AdminFormOutcome> TakenFields(core::Store& store, core::TenantId tenant,
                                     const std::string& email, const std::string& external_id) {
  AdminFormOutcome outcome;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto email_taken = EmailTakenByOther(tx, tenant, email, 0);
    if (!email_taken) return email_taken.error();
    if (*email_taken) outcome.errors.push_back(EmailTaken());
    auto external_taken = ExternalIdTakenByOther(tx, tenant, external_id, 0);
    if (!external_taken) return external_taken.error();
    if (*external_taken) outcome.errors.push_back(ExternalIdTaken());
    return {};
  });
  if (!status) return status.error();
  if (outcome.errors.empty()) outcome.errors.push_back(EmailTaken());
  return outcome;
}

}  // namespace

std::string ContactETag(const core::Crypto& crypto, const core::Contact& contact) {
  json version = ContactDataJson(contact.data);
  version["id"] = contact.id;
  version["legal_basis"] = core::LegalBasisKey(contact.legal_basis);
  version["external_id"] = contact.external_id;
  version["updated_at"] = core::FormatIso(contact.updated_at);
  version["erased"] = contact.erased;
  return "\"" + crypto.Sha256Hex(version.dump()).substr(0, 32) + "\"";
}

Result<ContactDetail> LoadContactDetail(core::Store& store, core::TenantId tenant,
                                        core::ContactId id) {
  ContactDetail d;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto contact = tx.FindContact(tenant, id);
    if (!contact) return contact.error();
    auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto consent = tx.FindConsent(tenant, id, purpose->id);
    auto deletion = tx.FindOpenDeletionRequest(tenant, id);
    auto profiles = tx.ListSearchProfiles(tenant, id);
    auto links = tx.ListLinkTokens(tenant, id);
    auto activities = tx.ListActivities(tenant, id);
    if (!consent) return consent.error();
    if (!deletion) return deletion.error();
    if (!profiles) return profiles.error();
    if (!links) return links.error();
    if (!activities) return activities.error();
    d = {*contact,  *purpose, *consent,    *deletion,
         *profiles, *links,   *activities, core::StateOf(*consent, deletion->has_value())};
    return {};
  });
  if (!status) return status.error();
  return d;
}

Result<AdminFormOutcome> CreateContactByBroker(core::Store& store, const core::Clock& clock,
                                               const core::Crypto& crypto,
                                               const core::PhoneNormalizer& phones,
                                               const Actor& actor, const core::Form& form) {
  core::Form fields = ContactFieldsOf(form);
  fields.emplace("nachname", "");  // required on creation even when the form left it out
  auto applied = core::ApplyContactForm(fields, core::ContactData{}, phones);
  RequireEmail(applied, applied.errors);
  core::LegalBasis basis = ReadBasis(form, core::LegalBasis::kNone, applied.errors);
  std::string external_id = ReadExternalId(form, "", applied.errors);
  if (!applied.errors.empty()) return AdminFormOutcome{0, std::move(applied.errors)};
  // The unique indexes on the e-mail address and the external id decide (no lookup first:
  // a create is the API's hot path); a refused insert is explained afterwards.
  AdminFormOutcome outcome;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    const core::Time now = clock.Now();
    core::Contact c{0, actor.tenant, applied.data, basis, now, now, false, external_id};
    auto id = tx.InsertContact(c);
    if (!id) return id.error();
    outcome.id = c.id = *id;
    outcome.created = c;
    json payload = BrokerContext(actor, now);
    payload["act"] = "create_contact";
    payload["contact"] = ContactDataJson(c.data);
    payload["legal_basis"] = core::LegalBasisKey(basis);
    if (!external_id.empty()) payload["external_id"] = external_id;
    CONSENTD_RETURN_IF_ERROR(AppendActivity(tx, crypto, actor.tenant, *id,
                                            core::ActivityType::kDatenaenderung, actor.user, now,
                                            payload));
    return WriteAudit(tx, actor, "contact.create", Target(*id),
                      {{"legal_basis", core::LegalBasisKey(basis)}}, now);
  });
  if (!status && status.error().code == core::ErrorCode::kConflict) {
    return TakenFields(store, actor.tenant, applied.data.email, external_id);
  }
  if (!status) return status.error();
  return outcome;
}

Result<AdminFormOutcome> UpdateContactByBroker(core::Store& store, const core::Clock& clock,
                                               const core::Crypto& crypto,
                                               const core::PhoneNormalizer& phones,
                                               const Actor& actor, core::ContactId id,
                                               const core::Form& form, std::string_view if_match) {
  AdminFormOutcome outcome;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    outcome = AdminFormOutcome{id, {}};  // a unit may run again
    auto contact = FindLiveContact(tx, actor.tenant, id);
    if (!contact) return contact.error();
    if (!if_match.empty() && if_match != "*" && if_match != ContactETag(crypto, *contact)) {
      outcome.precondition_failed = true;
      return {};
    }
    auto applied = core::ApplyContactForm(ContactFieldsOf(form), contact->data, phones);
    RequireEmail(applied, applied.errors);
    core::LegalBasis basis = ReadBasis(form, contact->legal_basis, applied.errors);
    std::string external_id = ReadExternalId(form, contact->external_id, applied.errors);
    if (external_id != contact->external_id) {
      auto taken = ExternalIdTakenByOther(tx, actor.tenant, external_id, id);
      if (!taken) return taken.error();
      if (*taken) applied.errors.push_back(ExternalIdTaken());
    }
    bool email_failed = std::any_of(applied.errors.begin(), applied.errors.end(),
                                    [](const core::FieldError& e) { return e.field == "email"; });
    if (!email_failed && applied.data.email != contact->data.email) {
      auto taken = EmailTakenByOther(tx, actor.tenant, applied.data.email, id);
      if (!taken) return taken.error();
      if (*taken) applied.errors.push_back(EmailTaken());
    }
    if (!applied.errors.empty()) {
      outcome.errors = std::move(applied.errors);
      return {};
    }
    auto changes = core::Diff(contact->data, applied.data);
    if (external_id != contact->external_id) {
      changes.push_back({"external_id", contact->external_id, external_id});
    }
    if (changes.empty() && basis == contact->legal_basis) return {};
    const core::Time now = clock.Now();
    core::Contact updated = *contact;
    updated.data = applied.data;
    updated.legal_basis = basis;
    updated.updated_at = now;
    updated.external_id = external_id;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(updated));
    json payload = BrokerContext(actor, now);
    payload["act"] = "broker_edit";
    payload["changes"] = ChangesJson(changes);
    if (basis != contact->legal_basis) {
      payload["legal_basis"] = {{"before", core::LegalBasisKey(contact->legal_basis)},
                                {"after", core::LegalBasisKey(basis)}};
    }
    CONSENTD_RETURN_IF_ERROR(AppendActivity(tx, crypto, actor.tenant, id,
                                            core::ActivityType::kDatenaenderung, actor.user, now,
                                            payload));
    json fields = json::array();
    for (const auto& c : changes) fields.push_back(c.field);
    if (basis != contact->legal_basis) fields.push_back("legal_basis");
    return WriteAudit(tx, actor, "contact.update", Target(id), {{"fields", fields}}, now);
  });
  if (!status && status.error().code == core::ErrorCode::kConflict) {
    return AdminFormOutcome{id, {EmailTaken()}};
  }
  if (!status) return status.error();
  return outcome;
}

namespace {

// What the person declared to the broker, read from the form.
struct Declaration {
  std::string source;
  std::string note;
  core::Time date{};
  json evidence;  // what the CRM kept of the declaration (null: nothing)
};

std::string FormText(const core::Form& form, std::string_view name) {
  auto it = form.find(name);
  return it == form.end() ? "" : core::Trim(it->second);
}

// The CRM (an API key) may also report consent given on its own contact form; a broker in
// the UI records what the person declared by phone or on paper.
Declaration ReadDeclaration(const core::Form& form, core::Time now, bool with_date,
                            const Actor& actor, core::FieldErrors& errors) {
  Declaration d{FormText(form, "source"), FormText(form, "note"), now, nullptr};
  const bool from_crm_form = actor.api_key != 0 && d.source == core::kSourceKontaktformular;
  if (d.source != core::kSourceTelefon && d.source != core::kSourceSchriftlich && !from_crm_form) {
    errors.push_back({"source", "Bitte wählen Sie, wie die Erklärung abgegeben wurde.",
                      "Please choose how the declaration was made."});
  }
  if (d.note.empty()) {
    errors.push_back({"note", "Bitte notieren Sie, wer wann was erklärt hat.",
                      "Please note who declared what and when."});
  } else {
    core::CheckText("note", d.note, kMaxNoteLength, errors);
  }
  if (auto it = form.find("evidence"); it != form.end()) {
    d.evidence = json::parse(it->second, nullptr, false);
    if (it->second.size() > kMaxEvidenceBytes || !d.evidence.is_object()) {
      d.evidence = nullptr;
      errors.push_back({"evidence", "Der Nachweis muss ein JSON-Objekt von höchstens 16 KB sein.",
                        "The evidence must be a JSON object of at most 16 KB."});
    }
  }
  if (!with_date) return d;
  auto date = core::ParseIso(FormText(form, "date") + "T00:00:00Z");
  if (!date || *date > now) {
    errors.push_back({"date", "Bitte geben Sie ein Datum an, das nicht in der Zukunft liegt.",
                      "Please enter a date that is not in the future."});
  } else {
    d.date = *date;
  }
  return d;
}

Result<core::ConsentText> TextFor(core::ReadTx& tx, core::TenantId tenant, core::PurposeId purpose,
                                  std::string_view language) {
  auto text = tx.CurrentText(tenant, purpose, language == "en" ? "en" : "de");
  if (text || language != "en") return text;
  return tx.CurrentText(tenant, purpose, "de");
}

// Errors that depend on the stored state: an open deletion request, a later withdrawal.
void CheckConsentAllowed(const std::optional<core::ConsentRecord>& current, bool deletion_open,
                         core::Time date, core::FieldErrors& errors) {
  if (deletion_open) {
    errors.push_back({"source",
                      "Es liegt ein offener Löschantrag vor. Bitte bearbeiten Sie zuerst den "
                      "Löschantrag.",
                      "A deletion request is open. Please handle the deletion request first."});
  } else if (current && current->revoked_at && *current->revoked_at > date) {
    errors.push_back({"date", "Das Datum liegt vor dem gespeicherten Widerruf.",
                      "The date is before the stored withdrawal."});
  }
}

// Writes what the broker was told (consent or withdrawal): the consent record, the contact's
// legal basis, the evidence activity with the declaration (`details` added to its payload)
// and the audit entry.
Status SaveDeclaration(core::WriteTx& tx, const core::Crypto& crypto, const Actor& actor,
                       core::Contact& contact, const core::ConsentRecord& record,
                       const Declaration& d, bool granted, const json& details, core::Time now) {
  CONSENTD_RETURN_IF_ERROR(tx.SaveConsent(actor.tenant, record));
  contact.legal_basis = granted ? core::LegalBasis::kConsent : core::LegalBasis::kNone;
  contact.updated_at = now;
  CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(contact));
  json payload = BrokerContext(actor, now);
  payload["act"] = granted ? "consent_declared_to_broker" : "withdrawal_declared_to_broker";
  payload["source"] = d.source;
  payload["note"] = d.note;
  if (!d.evidence.is_null()) payload["evidence"] = d.evidence;
  payload["consent"] = ConsentJson(record);
  payload.update(details);
  CONSENTD_RETURN_IF_ERROR(
      AppendActivity(tx, crypto, actor.tenant, contact.id,
                     granted ? core::ActivityType::kEinwilligung : core::ActivityType::kWiderruf,
                     actor.user, now, payload));
  return WriteAudit(tx, actor, granted ? "contact.consent" : "contact.withdraw", Target(contact.id),
                    {{"source", d.source}}, now);
}

}  // namespace

Result<AdminFormOutcome> RecordConsentByBroker(core::Store& store, const core::Clock& clock,
                                               const core::Crypto& crypto, const Actor& actor,
                                               core::ContactId id, const core::Form& form) {
  const core::Time now = clock.Now();
  std::vector<core::FieldError> form_errors;
  Declaration d = ReadDeclaration(form, now, true, actor, form_errors);
  AdminFormOutcome outcome;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    outcome = AdminFormOutcome{id, form_errors};  // a unit may run again
    auto contact = FindLiveContact(tx, actor.tenant, id);
    if (!contact) return contact.error();
    if (!outcome.errors.empty()) return {};
    auto purpose = tx.FindPurpose(actor.tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto current = tx.FindConsent(actor.tenant, id, purpose->id);
    auto open = tx.FindOpenDeletionRequest(actor.tenant, id);
    if (!current) return current.error();
    if (!open) return open.error();
    CheckConsentAllowed(*current, open->has_value(), d.date, outcome.errors);
    if (!outcome.errors.empty()) return {};
    auto text = TextFor(tx, actor.tenant, purpose->id, contact->data.sprache);
    if (!text) return text.error();
    auto record = core::GiveConsent(id, *purpose, *text, d.source, d.date);
    const json details = {{"declared_on", core::FormatIsoDate(d.date)},
                          {"consent_text",
                           {{"version", text->version},
                            {"language", text->language},
                            {"sha256", text->sha256},
                            {"body", text->body}}}};
    return SaveDeclaration(tx, crypto, actor, *contact, record, d, true, details, now);
  });
  if (!status) return status.error();
  return outcome;
}

Result<AdminFormOutcome> RecordWithdrawalByBroker(core::Store& store, const core::Clock& clock,
                                                  const core::Crypto& crypto, const Actor& actor,
                                                  core::ContactId id, const core::Form& form) {
  const core::Time now = clock.Now();
  AdminFormOutcome outcome{id, {}};
  Declaration d = ReadDeclaration(form, now, false, actor, outcome.errors);
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto contact = FindLiveContact(tx, actor.tenant, id);
    if (!contact) return contact.error();
    if (!outcome.errors.empty()) return {};
    auto purpose = tx.FindPurpose(actor.tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto current = tx.FindConsent(actor.tenant, id, purpose->id);
    if (!current) return current.error();
    std::string reason = "Widerruf gegenüber dem Makler (" + d.source + ")";
    auto record = core::Withdraw(*current, id, *purpose, reason, now);
    return SaveDeclaration(tx, crypto, actor, *contact, record, d, false, json::object(), now);
  });
  if (!status) return status.error();
  return outcome;
}

Result<AdminFormOutcome> SaveSearchProfileByBroker(core::Store& store, const core::Clock& clock,
                                                   const core::Crypto& crypto, const Actor& actor,
                                                   core::ContactId contact,
                                                   std::optional<core::SearchProfileId> id,
                                                   const core::Form& form) {
  auto parsed = core::ParseSearchProfileForm(form);
  AdminFormOutcome outcome{id.value_or(0), {}};
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    outcome = AdminFormOutcome{id.value_or(0), {}};  // a unit may run again
    CONSENTD_RETURN_IF_ERROR(FindLiveContact(tx, actor.tenant, contact));
    if (!parsed.errors.empty()) {
      // Errors are shown only at a profile of this contact; anything else is not found.
      if (id) CONSENTD_RETURN_IF_ERROR(FindSearchProfile(tx, actor.tenant, contact, *id));
      outcome.errors = parsed.errors;
      return {};
    }
    const core::Time now = clock.Now();
    auto saved = SaveSearchProfile(
        tx, crypto, {actor.tenant, contact, actor.user, now, BrokerContext(actor, now)}, id,
        parsed.profile, "broker_");
    if (!saved) return saved.error();
    outcome.id = *saved;
    return WriteAudit(tx, actor, id ? "search_profile.update" : "search_profile.add",
                      Target(contact), {{"search_profile", *saved}}, now);
  });
  if (!status) return status.error();
  return outcome;
}

Status DeleteSearchProfileByBroker(core::Store& store, const core::Clock& clock,
                                   const core::Crypto& crypto, const Actor& actor,
                                   core::ContactId contact, core::SearchProfileId id) {
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(FindLiveContact(tx, actor.tenant, contact));
    const core::Time now = clock.Now();
    CONSENTD_RETURN_IF_ERROR(RemoveSearchProfile(
        tx, crypto, {actor.tenant, contact, actor.user, now, BrokerContext(actor, now)}, id,
        "broker_"));
    return WriteAudit(tx, actor, "search_profile.delete", Target(contact), {{"search_profile", id}},
                      now);
  });
}

Result<std::int64_t> RevokeLinks(core::Store& store, const core::Clock& clock, const Actor& actor,
                                 core::ContactId id) {
  std::int64_t revoked = 0;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto contact = tx.FindContact(actor.tenant, id);
    if (!contact) return contact.error();
    const core::Time now = clock.Now();
    auto count = tx.RevokeLinkTokens(actor.tenant, id, now);
    if (!count) return count.error();
    revoked = *count;
    return WriteAudit(tx, actor, "contact.links_revoke", Target(id), {{"revoked", revoked}}, now);
  });
  if (!status) return status.error();
  return revoked;
}

std::string_view LinkStatusKey(const core::LinkToken& link, core::Time now) {
  switch (core::CheckToken(link, now)) {
    case core::TokenStatus::kValid:
      return "active";
    case core::TokenStatus::kExpired:
      return "expired";
    case core::TokenStatus::kRevoked:
      return "revoked";
  }
  return "revoked";
}

}  // namespace consentd::app
