// The recipient's acts on their personal consent page (DESIGN.md §1.3). Each act is one
// unit of work: the consent record, the contact and the evidence activity are written
// together or not at all, authored by the tenant's system user.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/search_profiles.h"
#include "core/consent.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

// What the request tells about how the act was made, kept as evidence.
struct RequestContext {
  std::string user_agent;
  std::string ip_prefix;  // already shortened (core::ShortenIp)
  std::string language;   // "de" | "en": the language the page was shown in
};

// Everything the consent page shows.
struct PortalView {
  core::Tenant tenant;
  core::Contact contact;
  core::ConsentPurpose purpose;
  core::ConsentText text;
  std::optional<core::ConsentRecord> consent;
  std::optional<core::DeletionRequest> deletion_request;
  std::vector<core::SearchProfile> profiles;
  core::ConsentState state = core::ConsentState::kNone;
};

// Outcome of an act that takes a form: saved, or the errors at the fields.
struct FormOutcome {
  core::FieldErrors errors;
  bool email_confirmation_sent = false;  // a new address waits for its confirmation
  bool saved() const { return errors.empty(); }
};

// What the confirmation page of a new e-mail address shows.
struct EmailChangeView {
  core::Tenant tenant;
  std::string name;
  std::string old_email;
  std::string new_email;
};

// Thread-safe; borrows its ports, which must outlive it. Every method returns kNotFound
// for a token that is unknown, expired or revoked, or whose contact was erased — the same
// error in every case.
class Portal {
 public:
  // `base_url` is where links in mails point to (e.g. https://einwilligung.example.de).
  Portal(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
         const core::PhoneNormalizer& phones, std::string base_url)
      : store_(store),
        clock_(clock),
        crypto_(crypto),
        phones_(phones),
        base_url_(std::move(base_url)) {}

  core::Result<PortalView> Open(std::string_view token, std::string_view language);

  // Fall 1. While a deletion request is open, consenting withdraws that request.
  core::Status GiveConsent(std::string_view token, const RequestContext& ctx);
  // Fall 2: corrects the contact data and then consents as Fall 1 — unless a deletion
  // request is open: then it only corrects. Only core::kSelfServiceFields are taken from
  // the form. A new e-mail address does not replace the old one yet: a confirmation link is
  // mailed to it (double opt-in) and the outcome says so.
  core::Result<FormOutcome> CorrectData(std::string_view token, const core::Form& form,
                                        const RequestContext& ctx);
  core::Result<FormOutcome> AddSearchProfile(std::string_view token, const core::Form& form,
                                             const RequestContext& ctx);
  // kNotFound also when `id` is not a profile of this token's contact.
  core::Result<FormOutcome> UpdateSearchProfile(std::string_view token, core::SearchProfileId id,
                                                const core::Form& form, const RequestContext& ctx);
  core::Status DeleteSearchProfile(std::string_view token, core::SearchProfileId id,
                                   const RequestContext& ctx);
  // Withdrawal without deletion.
  core::Status Withdraw(std::string_view token, std::string_view reason, const RequestContext& ctx);
  // Fall 3: sets the revocation date and opens a deletion request due in one month. A second
  // request while one is open changes nothing.
  core::Status RequestDeletion(std::string_view token, std::string_view note,
                               const RequestContext& ctx);
  // "Neuen Link anfordern": mails a fresh link to every contact (of any tenant) with this
  // address, at most one every 10 minutes per contact. Says nothing about whether the
  // address is known; kInvalidArgument only for a malformed address.
  core::Status RequestNewLink(std::string_view email);

  // The pending change behind a confirmation token; kNotFound when unknown, expired or used.
  core::Result<EmailChangeView> OpenEmailChange(std::string_view token);
  // Replaces the contact's address with the confirmed one and records it as evidence.
  // kConflict when another contact of the tenant has the address by now.
  core::Status ConfirmEmailChange(std::string_view token, const RequestContext& ctx);

  // Art. 15/20: the contact's data as a JSON document.
  core::Result<std::string> Export(std::string_view token);

  // The hash under which `token` is stored; also what CSRF tokens are bound to.
  std::string TokenHash(std::string_view token) const { return crypto_.Sha256Hex(token); }

 private:
  struct Scope;
  core::Result<Scope> Resolve(core::ReadTx& tx, std::string_view token) const;
  core::Status RecordConsent(core::WriteTx& tx, const Scope& scope, const RequestContext& ctx,
                             core::Time now);
  core::Status CheckOwnProfile(std::string_view token, core::SearchProfileId id);
  core::Status StartEmailChange(core::WriteTx& tx, const Scope& scope, const std::string& email,
                                core::Time now);
  core::Status MailNewLink(core::WriteTx& tx, const core::Contact& contact, core::Time now);
  core::Result<FormOutcome> SaveProfile(std::string_view token,
                                        std::optional<core::SearchProfileId> id,
                                        const core::Form& form, const RequestContext& ctx);
  ProfileChange ProfileChangeOf(const Scope& scope, const RequestContext& ctx) const;

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  const core::PhoneNormalizer& phones_;
  const std::string base_url_;
};

}  // namespace consentd::app
