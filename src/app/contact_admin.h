// The broker's acts on one contact in the admin UI: create, edit, record a consent or a
// withdrawal the person declared by phone or on paper, revoke the personal links.
//
// Each act is one unit of work: the change, its evidence activity (authored by the broker,
// never an edit of older evidence) and its audit entry are written together or not at all.
// All functions are thread-safe and borrow their ports for the duration of the call. An id
// of another tenant is kNotFound, exactly like an id that does not exist.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/audit.h"
#include "core/consent.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// Everything the contact detail page shows. Erased contacts are loaded too (their timeline
// stays evidence); `contact.erased` tells.
struct ContactDetail {
  core::Contact contact;
  core::ConsentPurpose purpose;
  std::optional<core::ConsentRecord> consent;
  std::optional<core::DeletionRequest> deletion_request;
  std::vector<core::SearchProfile> profiles;
  std::vector<core::LinkToken> links;      // newest first
  std::vector<core::Activity> activities;  // in chain order
  core::ConsentState state = core::ConsentState::kNone;
};
core::Result<ContactDetail> LoadContactDetail(core::Store& store, core::TenantId tenant,
                                              core::ContactId id);

// Errors at the fields, or the id of what was saved.
struct AdminFormOutcome {
  std::int64_t id = 0;
  core::FieldErrors errors;
  bool precondition_failed = false;  // the contact changed since the caller's ETag
  core::Contact created = {};        // CreateContactByBroker: the new contact as stored
  bool saved() const { return errors.empty() && !precondition_failed; }
};

// A strong HTTP entity tag of the contact's current version (quoted); changes with every
// write to the contact.
std::string ContactETag(const core::Crypto& crypto, const core::Contact& contact);

// Creates a contact from the form: every kContactFields name plus "legal_basis" (any key
// but "consent": consent is recorded as its own act, with source and evidence) and
// "external_id" (the CRM's id, free among the tenant's live contacts). Validated as on the
// consent page; an e-mail address is required and must be free in the tenant.
core::Result<AdminFormOutcome> CreateContactByBroker(core::Store& store, const core::Clock& clock,
                                                     const core::Crypto& crypto,
                                                     const core::PhoneNormalizer& phones,
                                                     const Actor& actor, const core::Form& form);

// Changes the fields present in `form` (as CreateContactByBroker). The broker may change
// the e-mail address directly (no double opt-in: they know the person); the change is
// recorded as a "Datenänderung" with before and after like every other field. With
// `if_match` (a ContactETag or "*"), nothing changes and precondition_failed is set unless
// the contact is still that version — checked in the same unit of work as the write.
core::Result<AdminFormOutcome> UpdateContactByBroker(core::Store& store, const core::Clock& clock,
                                                     const core::Crypto& crypto,
                                                     const core::PhoneNormalizer& phones,
                                                     const Actor& actor, core::ContactId id,
                                                     const core::Form& form,
                                                     std::string_view if_match = {});

// A consent or withdrawal the person declared to the broker. Form fields: "source"
// (core::kSourceTelefon | kSourceSchriftlich | kSourceKontaktformular: the CRM's own form),
// "note" (required: how, by whom), "date" (YYYY-MM-DD, not in the future; consent only),
// "evidence" (optional: a JSON object of what the CRM kept, stored in the activity).
core::Result<AdminFormOutcome> RecordConsentByBroker(core::Store& store, const core::Clock& clock,
                                                     const core::Crypto& crypto, const Actor& actor,
                                                     core::ContactId id, const core::Form& form);
core::Result<AdminFormOutcome> RecordWithdrawalByBroker(core::Store& store,
                                                        const core::Clock& clock,
                                                        const core::Crypto& crypto,
                                                        const Actor& actor, core::ContactId id,
                                                        const core::Form& form);

// Adds a search profile to the live contact (`id` nullopt) or replaces its profile `id`
// with the form (core::ParseSearchProfileForm: every field not in the form is cleared);
// kNotFound for a profile of another contact. The change is a "Suchprofil" activity with
// before and after, authored by the actor.
core::Result<AdminFormOutcome> SaveSearchProfileByBroker(
    core::Store& store, const core::Clock& clock, const core::Crypto& crypto, const Actor& actor,
    core::ContactId contact, std::optional<core::SearchProfileId> id, const core::Form& form);
// Removes the live contact's profile `id` (kNotFound for one of another contact), with its
// "Suchprofil" activity.
core::Status DeleteSearchProfileByBroker(core::Store& store, const core::Clock& clock,
                                         const core::Crypto& crypto, const Actor& actor,
                                         core::ContactId contact, core::SearchProfileId id);

// Revokes every personal link of the contact; returns how many were still active.
core::Result<std::int64_t> RevokeLinks(core::Store& store, const core::Clock& clock,
                                       const Actor& actor, core::ContactId id);

// "active" | "revoked" | "expired" for the links table.
std::string_view LinkStatusKey(const core::LinkToken& link, core::Time now);

}  // namespace consentd::app
