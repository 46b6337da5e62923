#include "app/portal.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/deletion_inbox.h"  // --- deletions ---
#include "app/evidence.h"
#include "app/json_views.h"
#include "app/page_mail.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

struct Portal::Scope {
  core::LinkToken token;
  core::Contact contact;
  core::UserId system_user = 0;
  core::TenantId tenant() const { return token.tenant_id; }
};

namespace {

const core::Error kLinkNotFound = core::NotFound("link not found");
constexpr auto kLinkRequestInterval = std::chrono::minutes(10);

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string TextLanguage(std::string_view language) { return language == "en" ? "en" : "de"; }

Result<core::ConsentText> TextFor(core::ReadTx& tx, core::TenantId tenant, core::PurposeId purpose,
                                  std::string_view language) {
  auto text = tx.CurrentText(tenant, purpose, TextLanguage(language));
  if (text || language == "de") return text;
  return tx.CurrentText(tenant, purpose, "de");
}

}  // namespace

Result<Portal::Scope> Portal::Resolve(core::ReadTx& tx, std::string_view token) const {
  if (!core::LooksLikeToken(token)) return kLinkNotFound;
  auto link = tx.FindLinkToken(TokenHash(token));
  if (!link) return link.error().code == core::ErrorCode::kNotFound ? kLinkNotFound : link.error();
  if (core::CheckToken(*link, clock_.Now()) != core::TokenStatus::kValid) return kLinkNotFound;
  auto contact = tx.FindContact(link->tenant_id, link->contact_id);
  if (!contact) return contact.error();
  if (contact->erased) return kLinkNotFound;
  auto system_user = tx.FindSystemUser(link->tenant_id);
  if (!system_user) return system_user.error();
  return Scope{*link, *contact, system_user->id};
}

namespace {

// The circumstances of an act, as evidence (DESIGN.md §1.4).
json ContextJson(const core::LinkToken& token, const RequestContext& ctx, core::Time now) {
  json j = {{"time", core::FormatIso(now)}, {"channel", "consent_page"},
            {"link_token_id", token.id},    {"user_agent", ctx.user_agent},
            {"ip_prefix", ctx.ip_prefix},   {"language", ctx.language}};
  j["mailing_id"] = token.mailing_id ? json(*token.mailing_id) : json(nullptr);
  return j;
}

}  // namespace

Result<PortalView> Portal::Open(std::string_view token, std::string_view language) {
  PortalView view;
  auto status = store_.Read([&](core::ReadTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    const core::TenantId tenant = scope->tenant();
    auto t = tx.FindTenant(tenant);
    auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (!t) return t.error();
    if (!purpose) return purpose.error();
    auto text = TextFor(tx, tenant, purpose->id, language);
    auto consent = tx.FindConsent(tenant, scope->contact.id, purpose->id);
    auto deletion = tx.FindOpenDeletionRequest(tenant, scope->contact.id);
    auto profiles = tx.ListSearchProfiles(tenant, scope->contact.id);
    if (!text) return text.error();
    if (!consent) return consent.error();
    if (!deletion) return deletion.error();
    if (!profiles) return profiles.error();
    view = {*t,       scope->contact, *purpose,  *text,
            *consent, *deletion,      *profiles, core::StateOf(*consent, deletion->has_value())};
    return {};
  });
  if (!status) return status.error();
  return view;
}

Status Portal::RecordConsent(core::WriteTx& tx, const Scope& scope, const RequestContext& ctx,
                             core::Time now) {
  const core::TenantId tenant = scope.tenant();
  auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
  if (!purpose) return purpose.error();
  auto text = TextFor(tx, tenant, purpose->id, ctx.language);
  if (!text) return text.error();
  core::ConsentRecord record =
      core::GiveConsent(scope.contact.id, *purpose, *text, core::kSourceKontaktformular, now);
  CONSENTD_RETURN_IF_ERROR(tx.SaveConsent(tenant, record));
  auto contact = tx.FindContact(tenant, scope.contact.id);
  if (!contact) return contact.error();
  contact->legal_basis = core::LegalBasis::kConsent;
  contact->updated_at = now;
  CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(*contact));
  json payload = ContextJson(scope.token, ctx, now);
  auto open_request = tx.FindOpenDeletionRequest(tenant, scope.contact.id);
  if (!open_request) return open_request.error();
  if (*open_request) {
    // Consenting again means the person no longer wants to be erased.
    CONSENTD_RETURN_IF_ERROR(tx.SetDeletionRequestStatus(tenant, (*open_request)->id, "withdrawn"));
    payload["deletion_request_withdrawn"] = (*open_request)->id;
  }
  payload["act"] = "consent";
  payload["consent"] = ConsentJson(record);
  payload["consent_text"] = {{"version", text->version},
                             {"language", text->language},
                             {"sha256", text->sha256},
                             {"body", text->body}};
  return AppendActivity(tx, crypto_, tenant, scope.contact.id, core::ActivityType::kEinwilligung,
                        scope.system_user, now, payload);
}

Status Portal::GiveConsent(std::string_view token, const RequestContext& ctx) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    return RecordConsent(tx, *scope, ctx, clock_.Now());
  });
}

Result<FormOutcome> Portal::CorrectData(std::string_view token, const core::Form& form,
                                        const RequestContext& ctx) {
  std::string new_email;
  if (auto it = form.find("email"); it != form.end()) new_email = core::Trim(it->second);
  core::Form editable;
  for (std::string_view field : core::kSelfServiceFields) {
    auto it = form.find(field);
    if (it != form.end()) editable.emplace(it->first, it->second);
  }
  FormOutcome outcome;
  auto status = store_.Write([&](core::WriteTx& tx) -> Status {
    outcome = {};  // a unit may run again
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    auto applied = core::ApplyContactForm(editable, scope->contact.data, phones_);
    bool email_changed =
        !new_email.empty() && !EqualsIgnoringCase(new_email, scope->contact.data.email);
    if (email_changed && (!core::IsValidEmail(new_email) || !core::IsValidUtf8(new_email))) {
      applied.errors.push_back(
          {"email", "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.",
           "Please enter a valid e-mail address, e.g. name@example.com."});
    }
    if (!applied.errors.empty()) {
      outcome.errors = std::move(applied.errors);
      return {};
    }
    const core::Time now = clock_.Now();
    if (email_changed) {
      CONSENTD_RETURN_IF_ERROR(StartEmailChange(tx, *scope, new_email, now));
      outcome.email_confirmation_sent = true;
    }
    auto changes = core::Diff(scope->contact.data, applied.data);
    if (!changes.empty()) {
      core::Contact updated = scope->contact;
      updated.data = applied.data;
      updated.updated_at = now;
      CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(updated));
      json payload = ContextJson(scope->token, ctx, now);
      payload["act"] = "correct_data";
      payload["changes"] = ChangesJson(changes);
      CONSENTD_RETURN_IF_ERROR(AppendActivity(tx, crypto_, scope->tenant(), scope->contact.id,
                                              core::ActivityType::kDatenaenderung,
                                              scope->system_user, now, payload));
    }
    // While erasure is pending, a correction (Art. 16) is only a correction.
    auto open_request = tx.FindOpenDeletionRequest(scope->tenant(), scope->contact.id);
    if (!open_request) return open_request.error();
    if (*open_request) return {};
    return RecordConsent(tx, *scope, ctx, now);
  });
  if (!status) return status.error();
  return outcome;
}

ProfileChange Portal::ProfileChangeOf(const Scope& scope, const RequestContext& ctx) const {
  const core::Time now = clock_.Now();
  return {scope.tenant(), scope.contact.id, scope.system_user, now,
          ContextJson(scope.token, ctx, now)};
}

Result<FormOutcome> Portal::SaveProfile(std::string_view token,
                                        std::optional<core::SearchProfileId> id,
                                        const core::Form& form, const RequestContext& ctx) {
  auto parsed = core::ParseSearchProfileForm(form);
  if (!parsed.errors.empty()) {
    // Errors are shown only at a profile of this contact; anything else is not found.
    if (id) CONSENTD_RETURN_IF_ERROR(CheckOwnProfile(token, *id));
    return FormOutcome{std::move(parsed.errors)};
  }
  auto status = store_.Write([&](core::WriteTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    auto saved = SaveSearchProfile(tx, crypto_, ProfileChangeOf(*scope, ctx), id, parsed.profile);
    return saved ? Status() : Status(saved.error());
  });
  if (!status) return status.error();
  return FormOutcome{};
}

Status Portal::CheckOwnProfile(std::string_view token, core::SearchProfileId id) {
  return store_.Read([&](core::ReadTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    auto profile = FindSearchProfile(tx, scope->tenant(), scope->contact.id, id);
    return profile ? Status() : Status(profile.error());
  });
}

Result<FormOutcome> Portal::AddSearchProfile(std::string_view token, const core::Form& form,
                                             const RequestContext& ctx) {
  return SaveProfile(token, std::nullopt, form, ctx);
}

Result<FormOutcome> Portal::UpdateSearchProfile(std::string_view token, core::SearchProfileId id,
                                                const core::Form& form, const RequestContext& ctx) {
  return SaveProfile(token, id, form, ctx);
}

Status Portal::DeleteSearchProfile(std::string_view token, core::SearchProfileId id,
                                   const RequestContext& ctx) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    return RemoveSearchProfile(tx, crypto_, ProfileChangeOf(*scope, ctx), id);
  });
}

Status Portal::Withdraw(std::string_view token, std::string_view reason,
                        const RequestContext& ctx) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    const core::TenantId tenant = scope->tenant();
    auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto current = tx.FindConsent(tenant, scope->contact.id, purpose->id);
    if (!current) return current.error();
    const core::Time now = clock_.Now();
    std::string why = reason.empty() ? std::string(core::kReasonWithdrawal) : std::string(reason);
    auto record = core::Withdraw(*current, scope->contact.id, *purpose, why, now);
    CONSENTD_RETURN_IF_ERROR(tx.SaveConsent(tenant, record));
    core::Contact contact = scope->contact;
    contact.legal_basis = core::LegalBasis::kNone;
    contact.updated_at = now;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(contact));
    json payload = ContextJson(scope->token, ctx, now);
    payload["act"] = "withdraw";
    payload["consent"] = ConsentJson(record);
    return AppendActivity(tx, crypto_, tenant, scope->contact.id, core::ActivityType::kWiderruf,
                          scope->system_user, now, payload);
  });
}

Status Portal::RequestDeletion(std::string_view token, std::string_view note,
                               const RequestContext& ctx) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    const core::TenantId tenant = scope->tenant();
    auto open = tx.FindOpenDeletionRequest(tenant, scope->contact.id);
    if (!open) return open.error();
    if (open->has_value()) return {};
    auto purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto current = tx.FindConsent(tenant, scope->contact.id, purpose->id);
    if (!current) return current.error();
    const core::Time now = clock_.Now();
    auto record =
        core::Withdraw(*current, scope->contact.id, *purpose, core::kReasonDeletionRequest, now);
    CONSENTD_RETURN_IF_ERROR(tx.SaveConsent(tenant, record));
    auto request = core::NewDeletionRequest(tenant, scope->contact.id, now, std::string(note));
    auto id = tx.InsertDeletionRequest(request);
    if (!id) return id.error();
    // --- deletions ---
    CONSENTD_RETURN_IF_ERROR(NotifyBrokersOfRequest(tx, crypto_, tenant, *id, request.due_at, now));
    json payload = ContextJson(scope->token, ctx, now);
    payload["act"] = "deletion_request";
    payload["consent"] = ConsentJson(record);
    payload["deletion_request"] = {{"id", *id},
                                   {"received_at", core::FormatIso(request.received_at)},
                                   {"due_at", core::FormatIso(request.due_at)},
                                   {"note", request.note}};
    payload["message_to_broker"] = "Die Person hat die Löschung ihrer Daten beantragt. Bitte bis " +
                                   core::FormatGermanDate(request.due_at) +
                                   " bearbeiten (Art. 12 Abs. 3 DSGVO).";
    return AppendActivity(tx, crypto_, tenant, scope->contact.id, core::ActivityType::kLoeschantrag,
                          scope->system_user, now, payload);
  });
}

Status Portal::StartEmailChange(core::WriteTx& tx, const Scope& scope, const std::string& email,
                                core::Time now) {
  auto tenant = tx.FindTenant(scope.tenant());
  if (!tenant) return tenant.error();
  std::string token = core::Base64UrlEncode(crypto_.RandomBytes(core::kTokenBytes));
  core::EmailChange change{0,
                           scope.tenant(),
                           scope.contact.id,
                           email,
                           crypto_.Sha256Hex(token),
                           now,
                           now + core::kEmailChangeLifetime,
                           std::nullopt};
  auto id = tx.InsertEmailChange(change);
  if (!id) return id.error();
  PageMail mail;
  mail.kind = core::MessageKind::kEmailConfirmation;
  mail.template_key = std::string(core::kEmailConfirmationTemplateKey);
  mail.to_address = email;
  mail.values = {{"bestaetigungs_url", base_url_ + "/e/" + token}, {"neue_email", email}};
  return QueuePageMail(tx, crypto_, *tenant, scope.contact, mail, now);
}

Status Portal::MailNewLink(core::WriteTx& tx, const core::Contact& contact, core::Time now) {
  auto last = tx.LastMessageTime(contact.tenant_id, contact.id, core::MessageKind::kLinkRequest);
  if (!last) return last.error();
  if (*last && now - **last < kLinkRequestInterval) return {};  // quietly: no mail bombing
  auto tenant = tx.FindTenant(contact.tenant_id);
  if (!tenant) return tenant.error();
  std::string token = core::Base64UrlEncode(crypto_.RandomBytes(core::kTokenBytes));
  core::LinkToken link{0,
                       contact.tenant_id,
                       contact.id,
                       crypto_.Sha256Hex(token),
                       std::nullopt,
                       now,
                       now + core::kDefaultTokenLifetime,
                       std::nullopt};
  auto link_id = tx.InsertLinkToken(link);
  if (!link_id) return link_id.error();
  PageMail mail;
  mail.kind = core::MessageKind::kLinkRequest;
  mail.template_key = std::string(core::kNewLinkTemplateKey);
  mail.to_address = contact.data.email;
  mail.link_token_id = *link_id;
  mail.unsubscribe_url = base_url_ + "/u/" + token;
  mail.values = {{"consent_url", base_url_ + "/c/" + token},
                 {"unsubscribe_url", mail.unsubscribe_url},
                 {"link_gueltig_bis", core::FormatGermanDate(link.expires_at)}};
  return QueuePageMail(tx, crypto_, *tenant, contact, mail, now);
}

Status Portal::RequestNewLink(std::string_view email) {
  std::string address = core::Trim(email);
  if (!core::IsValidUtf8(address) || !core::IsValidEmail(address)) {
    return core::InvalidArgument("email");
  }
  std::vector<core::Contact> contacts;
  CONSENTD_RETURN_IF_ERROR(store_.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.FindContactsByEmailAnyTenant(address);
    if (!found) return found.error();
    contacts = std::move(*found);
    return {};
  }));
  for (const auto& contact : contacts) {
    CONSENTD_RETURN_IF_ERROR(store_.Write(
        [&](core::WriteTx& tx) -> Status { return MailNewLink(tx, contact, clock_.Now()); }));
  }
  return {};
}

Result<EmailChangeView> Portal::OpenEmailChange(std::string_view token) {
  EmailChangeView view;
  auto status = store_.Read([&](core::ReadTx& tx) -> Status {
    if (!core::LooksLikeToken(token)) return kLinkNotFound;
    auto change = tx.FindEmailChange(TokenHash(token));
    if (!change || !core::IsPending(*change, clock_.Now())) return kLinkNotFound;
    auto contact = tx.FindContact(change->tenant_id, change->contact_id);
    auto tenant = tx.FindTenant(change->tenant_id);
    if (!contact || contact->erased || !tenant) return kLinkNotFound;
    view = {*tenant, core::DisplayName(contact->data), contact->data.email, change->new_email};
    return {};
  });
  if (!status) return status.error();
  return view;
}

Status Portal::ConfirmEmailChange(std::string_view token, const RequestContext& ctx) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    if (!core::LooksLikeToken(token)) return kLinkNotFound;
    auto change = tx.FindEmailChange(TokenHash(token));
    const core::Time now = clock_.Now();
    if (!change || !core::IsPending(*change, now)) return kLinkNotFound;
    auto contact = tx.FindContact(change->tenant_id, change->contact_id);
    if (!contact || contact->erased) return kLinkNotFound;
    auto taken = tx.FindContactByEmail(change->tenant_id, change->new_email);
    if (taken && taken->id != contact->id)
      return core::Conflict("address belongs to another contact");
    core::Contact updated = *contact;
    updated.data.email = change->new_email;
    updated.updated_at = now;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(updated));
    CONSENTD_RETURN_IF_ERROR(tx.MarkEmailChangeConfirmed(change->tenant_id, change->id, now));
    auto system = tx.FindSystemUser(change->tenant_id);
    if (!system) return system.error();
    json payload = {{"act", "confirm_email"},
                    {"time", core::FormatIso(now)},
                    {"channel", "email_confirmation"},
                    {"email_change_id", change->id},
                    {"requested_at", core::FormatIso(change->created_at)},
                    {"user_agent", ctx.user_agent},
                    {"ip_prefix", ctx.ip_prefix},
                    {"changes", ChangesJson(core::Diff(contact->data, updated.data))}};
    return AppendActivity(tx, crypto_, change->tenant_id, contact->id,
                          core::ActivityType::kDatenaenderung, system->id, now, payload);
  });
}

Result<std::string> Portal::Export(std::string_view token) {
  json doc;
  auto status = store_.Read([&](core::ReadTx& tx) -> Status {
    auto scope = Resolve(tx, token);
    if (!scope) return scope.error();
    auto export_doc = ExportContactJson(tx, scope->tenant(), scope->contact, clock_.Now());
    if (!export_doc) return export_doc.error();
    doc = std::move(*export_doc);
    return {};
  });
  if (!status) return status.error();
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace consentd::app
