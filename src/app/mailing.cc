#include "app/mailing.h"

#include <algorithm>
#include <unordered_set>

#include "app/mail_templates.h"
#include "core/validation.h"

namespace consentd::app {

using core::Result;
using core::Status;

namespace {

constexpr int kChunk = 500;

Result<core::MailingId> CreateMailingAudited(core::Store& store, const core::Clock& clock,
                                             const MailingRequest& request, const Actor* actor);

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Status CheckRequest(const MailingRequest& r) {
  core::FieldErrors errors = CheckMailingFields(r);
  if (!errors.empty()) {
    return core::InvalidArgument(errors.front().field + ": " + errors.front().message_de);
  }
  if (r.contacts.empty() == r.filter.empty()) {
    return core::InvalidArgument("choose recipients either by contact ids or by a filter");
  }
  if (r.language != "de" && r.language != "en")
    return core::InvalidArgument("language must be de or en");
  if (core::RequiredLinkOf(r.template_key) != "consent_url" ||
      r.template_key == core::kNewLinkTemplateKey) {
    return core::InvalidArgument("template '" + r.template_key + "' cannot be used for a mailing");
  }
  return {};
}

core::MailTemplate MailingCopy(const core::MailTemplate& t, const MailingRequest& r) {
  core::MailTemplate copy = t;
  copy.subject = core::Trim(r.subject);
  if (r.body_text) copy.body_text = *r.body_text;
  if (r.body_html) copy.body_html = *r.body_html;
  return copy;
}

Result<std::vector<core::ContactId>> Recipients(core::WriteTx& tx, const MailingRequest& r,
                                                core::PurposeId purpose) {
  if (!r.filter.empty()) return tx.SelectContacts(r.tenant, purpose, r.filter);
  std::vector<core::ContactId> ids = r.contacts;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (core::ContactId id : ids) {
    auto c = tx.FindContact(r.tenant, id);
    if (!c || c->erased) return core::NotFound("contact " + std::to_string(id));
  }
  return ids;
}

std::string SelectionText(const MailingRequest& r) {
  if (!r.filter.empty()) return "filter:" + r.filter;
  std::string s = "contacts:";
  for (std::size_t i = 0; i < r.contacts.size(); ++i) {
    s += (i ? "," : "") + std::to_string(r.contacts[i]);
  }
  return s;
}

// Everything one chunk needs besides the transaction.
struct ChunkContext {
  const core::Tenant& tenant;
  const core::Mailing& mailing;
  const CompiledTemplate& compiled;
  const core::Crypto& crypto;
  const LinkSettings& links;
  core::PurposeId purpose;
  core::Time now;
};

// Renders the message with a fresh link, or marks it skipped.
Status PrepareMessage(core::WriteTx& tx, const ChunkContext& ctx, core::Message& m) {
  auto contact = tx.FindContact(ctx.tenant.id, m.contact_id);
  if (!contact) return contact.error();
  auto skip = SkipReasonOf(tx, ctx.crypto, ctx.tenant.id, ctx.purpose, *contact,
                           !ctx.mailing.lawful_confirmation.empty());
  if (!skip) return skip.error();
  if (*skip != core::SkipReason::kNone) {
    m.state = core::MessageState::kSkipped;
    m.skip_reason = std::string(core::SkipReasonKey(*skip));
    return tx.UpdateMessage(m);
  }
  std::string token = core::Base64UrlEncode(ctx.crypto.RandomBytes(core::kTokenBytes));
  core::LinkToken link{0,
                       ctx.tenant.id,
                       contact->id,
                       ctx.crypto.Sha256Hex(token),
                       ctx.mailing.id,
                       ctx.now,
                       ctx.now + core::kDefaultTokenLifetime,
                       std::nullopt};
  auto link_id = tx.InsertLinkToken(link);
  if (!link_id) return link_id.error();
  TemplateValues values = TenantValues(ctx.tenant);
  AddContactValues(contact->data, values);
  const std::string consent_url = ctx.links.base_url + "/c/" + token;
  values["consent_url"] = consent_url;
  values["unsubscribe_url"] = ctx.links.base_url + "/u/" + token;
  values["link_gueltig_bis"] = core::FormatGermanDate(link.expires_at);
  RenderedMail mail = ctx.compiled.Render(values);
  bool carries_link = mail.text.find(consent_url) != std::string::npos &&
                      (mail.html.empty() || mail.html.find(consent_url) != std::string::npos);
  if (!carries_link) {
    m.state = core::MessageState::kSkipped;
    m.skip_reason = std::string(core::SkipReasonKey(core::SkipReason::kLinkMissing));
    return tx.UpdateMessage(m);
  }
  m.link_token_id = *link_id;
  m.to_address = contact->data.email;
  m.to_name = core::DisplayName(contact->data);
  m.subject = mail.subject;
  m.body_text = mail.text;
  m.body_html = mail.html;
  m.unsubscribe_url = values["unsubscribe_url"];
  m.message_id = NewMessageId(ctx.crypto, ctx.tenant, m.id);
  m.state = core::MessageState::kQueued;
  m.next_attempt_at = ctx.now;
  return tx.UpdateMessage(m);
}

}  // namespace

std::int64_t MailingSummary::Count(core::MessageState s) const {
  for (const auto& [state, n] : counts) {
    if (state == s) return n;
  }
  return 0;
}

std::int64_t MailingSummary::Total() const {
  std::int64_t total = 0;
  for (const auto& entry : counts) total += entry.second;
  return total;
}

bool MailingSummary::Finished() const {
  using S = core::MessageState;
  return mailing.state != core::MailingState::kPreparing && Count(S::kPending) == 0 &&
         Count(S::kQueued) == 0 && Count(S::kSending) == 0 && Count(S::kDeferred) == 0;
}

Result<core::MailingId> CreateMailing(core::Store& store, const core::Clock& clock,
                                      const MailingRequest& request) {
  return CreateMailingAudited(store, clock, request, nullptr);
}

Result<core::MailingId> CreateMailing(core::Store& store, const core::Clock& clock,
                                      const MailingRequest& request, const Actor& actor) {
  return CreateMailingAudited(store, clock, request, &actor);
}

namespace {

Result<core::MailingId> CreateMailingAudited(core::Store& store, const core::Clock& clock,
                                             const MailingRequest& request, const Actor* actor) {
  CONSENTD_RETURN_IF_ERROR(CheckRequest(request));
  core::MailingId id = 0;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto tmpl = tx.FindTemplate(request.tenant, request.template_key, request.language);
    if (!tmpl)
      return core::NotFound("template '" + request.template_key + "' (" + request.language + ")");
    core::MailTemplate copy = MailingCopy(*tmpl, request);
    auto compiled = CompiledTemplate::Compile(copy);
    if (!compiled) return compiled.error();
    auto purpose = tx.FindPurpose(request.tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    auto recipients = Recipients(tx, request, purpose->id);
    if (!recipients) return recipients.error();
    core::UserId author = request.created_by;
    if (author == 0) {
      auto system = tx.FindSystemUser(request.tenant);
      if (!system) return system.error();
      author = system->id;
    }
    const core::Time now = clock.Now();
    core::Mailing m{0,
                    request.tenant,
                    copy.key,
                    copy.language,
                    copy.subject,
                    copy.body_text,
                    copy.body_html,
                    core::MailingState::kPreparing,
                    author,
                    now,
                    SelectionText(request),
                    request.lawful_confirmation};
    auto inserted = tx.InsertMailing(m);
    if (!inserted) return inserted.error();
    id = *inserted;
    CONSENTD_RETURN_IF_ERROR(tx.InsertPendingMessages(request.tenant, id, *recipients, now));
    if (actor == nullptr) return {};
    // No subject: a single e-mail's subject may name the person (the mailing row keeps it).
    nlohmann::json detail = {{"template", copy.key + "/" + copy.language},
                             {"recipients", recipients->size()},
                             {"lawful_confirmation", !request.lawful_confirmation.empty()}};
    return WriteAudit(tx, *actor, "mailing.create", "mailing:" + std::to_string(id), detail, now);
  });
  if (!status) return status.error();
  return id;
}

}  // namespace

Status PrepareMailing(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                      const LinkSettings& links, core::TenantId tenant, core::MailingId mailing_id,
                      const std::function<void(const MailingProgress&)>& progress) {
  core::Tenant t;
  core::Mailing mailing;
  core::PurposeId purpose = 0;
  MailingProgress done;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto found_tenant = tx.FindTenant(tenant);
    auto found_mailing = tx.FindMailing(tenant, mailing_id);
    auto found_purpose = tx.FindPurpose(tenant, core::kDefaultPurposeKey);
    if (!found_tenant) return found_tenant.error();
    if (!found_mailing) return found_mailing.error();
    if (!found_purpose) return found_purpose.error();
    t = *found_tenant;
    mailing = *found_mailing;
    purpose = found_purpose->id;
    auto counts = tx.CountMessages(tenant, mailing_id);
    if (!counts) return counts.error();
    for (const auto& [state, n] : *counts) {
      done.selected += n;
      if (state != core::MessageState::kPending) done.prepared += n;
    }
    return {};
  }));
  if (mailing.state != core::MailingState::kPreparing) return {};
  core::MailTemplate copy{0,
                          tenant,
                          mailing.template_key,
                          mailing.language,
                          "",
                          mailing.subject,
                          mailing.body_text,
                          mailing.body_html,
                          mailing.created_at};
  auto compiled = CompiledTemplate::Compile(copy);
  if (!compiled) return compiled.error();
  for (;;) {
    int handled = 0;
    CONSENTD_RETURN_IF_ERROR(store.Write([&](core::WriteTx& tx) -> Status {
      auto pending = tx.ListMessages(tenant, mailing_id, core::MessageState::kPending, 0, kChunk);
      if (!pending) return pending.error();
      ChunkContext ctx{t, mailing, **compiled, crypto, links, purpose, clock.Now()};
      for (auto& m : *pending) CONSENTD_RETURN_IF_ERROR(PrepareMessage(tx, ctx, m));
      handled = static_cast<int>(pending->size());
      if (handled < kChunk)
        return tx.SetMailingState(tenant, mailing_id, core::MailingState::kQueued);
      return {};
    }));
    done.prepared += handled;
    if (progress && handled > 0) progress(done);
    if (handled < kChunk) return {};
  }
}

Status ResumePreparingMailings(core::Store& store, const core::Clock& clock,
                               const core::Crypto& crypto, const LinkSettings& links) {
  std::vector<core::Mailing> preparing;
  CONSENTD_RETURN_IF_ERROR(store.Read([&](core::ReadTx& tx) -> Status {
    auto list = tx.ListPreparingMailings();
    if (!list) return list.error();
    preparing = std::move(*list);
    return {};
  }));
  for (const auto& m : preparing) {
    CONSENTD_RETURN_IF_ERROR(PrepareMailing(store, clock, crypto, links, m.tenant_id, m.id));
  }
  return {};
}

Result<MailingSummary> SummarizeMailing(core::ReadTx& tx, core::TenantId tenant,
                                        core::MailingId mailing) {
  auto m = tx.FindMailing(tenant, mailing);
  if (!m) return m.error();
  auto counts = tx.CountMessages(tenant, mailing);
  if (!counts) return counts.error();
  return MailingSummary{*m, *counts};
}

Result<MailingSummary> SummarizeMailing(core::Store& store, core::TenantId tenant,
                                        core::MailingId mailing) {
  MailingSummary summary;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto s = SummarizeMailing(tx, tenant, mailing);
    if (!s) return s.error();
    summary = std::move(*s);
    return {};
  });
  if (!status) return status.error();
  return summary;
}

namespace {

// Contact ids without repeats, in the order given.
std::vector<core::ContactId> UniqueInOrder(const std::vector<core::ContactId>& ids) {
  std::vector<core::ContactId> out;
  std::unordered_set<core::ContactId> seen;
  seen.reserve(ids.size());
  for (core::ContactId id : ids) {
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

Result<RecipientCheck> CheckRecipient(core::ReadTx& tx, const core::Crypto& crypto,
                                      core::PurposeId purpose, const core::Contact& contact,
                                      bool lawful_confirmed) {
  RecipientCheck check{contact, core::SkipReason::kNone, false};
  auto reason = SkipReasonOf(tx, crypto, contact.tenant_id, purpose, contact, false);
  if (!reason) return reason.error();
  check.reason = *reason;
  check.needs_lawful_confirmation = *reason == core::SkipReason::kNoLegalBasis;
  if (check.needs_lawful_confirmation && lawful_confirmed) {
    reason = SkipReasonOf(tx, crypto, contact.tenant_id, purpose, contact, true);
    if (!reason) return reason.error();
    check.reason = *reason;
  }
  return check;
}

// The recipients of `ids` that exist in the tenant, at most `limit`, into `preview`.
Status CheckRecipients(core::ReadTx& tx, const core::Crypto& crypto, const MailingRequest& r,
                       core::PurposeId purpose, const std::vector<core::ContactId>& ids,
                       std::size_t limit, MailingPreview& preview) {
  std::vector<RecipientCheck>& out = preview.recipients;
  for (core::ContactId id : ids) {
    if (out.size() >= limit) break;
    auto contact = tx.FindContact(r.tenant, id);
    if (!contact && contact.error().code == core::ErrorCode::kNotFound) {
      preview.dropped.push_back(id);
      continue;
    }
    if (!contact) return contact.error();
    auto check = CheckRecipient(tx, crypto, purpose, *contact, !r.lawful_confirmation.empty());
    if (!check) return check.error();
    out.push_back(std::move(*check));
  }
  return {};
}

const RecipientCheck* PreviewedRecipient(const std::vector<RecipientCheck>& recipients,
                                         core::ContactId wanted) {
  for (const auto& r : recipients) {
    if (r.contact.id == wanted) return &r;
  }
  return recipients.empty() ? nullptr : &recipients.front();
}

// The mail `copy` would give `tenant`'s contact, with a sample link in place of a real one.
RenderedMail RenderSample(const CompiledTemplate& compiled, const core::Tenant& tenant,
                          const core::Contact& contact, const LinkSettings& links, core::Time now) {
  TemplateValues values = TenantValues(tenant);
  AddContactValues(contact.data, values);
  AddSampleLinkValues(links.base_url, now, values);
  return compiled.Render(values);
}

}  // namespace

core::FieldErrors CheckMailingFields(const MailingRequest& r) {
  core::FieldErrors errors;
  if (core::Trim(r.subject).empty()) {
    errors.push_back({"subject", "Bitte geben Sie einen Betreff ein.", "Please enter a subject."});
  } else if (core::CheckText("subject", r.subject, 200, errors)) {
    core::CheckHeaderText("subject", r.subject, errors);
  }
  if (r.body_text) CheckMultilineText("body_text", *r.body_text, 20000, errors);
  core::CheckText("lawful_confirmation", r.lawful_confirmation, 500, errors);
  return errors;
}

Result<core::SkipReason> SkipReasonOf(core::ReadTx& tx, const core::Crypto& crypto,
                                      core::TenantId tenant, core::PurposeId purpose,
                                      const core::Contact& contact, bool lawful_confirmed) {
  // An erased contact keeps only a tombstone and its hashed address on the suppression list.
  if (contact.erased) return core::SkipReason::kSuppressed;
  auto consent = tx.FindConsent(tenant, contact.id, purpose);
  auto deletion = tx.FindOpenDeletionRequest(tenant, contact.id);
  auto suppressed = tx.IsSuppressed(tenant, crypto.Sha256Hex(Lower(contact.data.email)));
  auto hold = tx.HasRetentionHold(tenant, contact.id);
  if (!consent) return consent.error();
  if (!deletion) return deletion.error();
  if (!suppressed) return suppressed.error();
  if (!hold) return hold.error();
  core::RecipientFacts facts;
  facts.contact = &contact;
  facts.consent = *consent;
  facts.deletion_requested = deletion->has_value();
  facts.retention_hold = *hold;
  facts.suppressed = *suppressed;
  return core::EligibilityOf(facts, lawful_confirmed);
}

Result<MailingPreview> PreviewMailing(core::Store& store, const core::Clock& clock,
                                      const core::Crypto& crypto, const LinkSettings& links,
                                      const MailingRequest& request,
                                      core::ContactId preview_contact, std::size_t check_limit) {
  MailingPreview out;
  const std::vector<core::ContactId> ids = UniqueInOrder(request.contacts);
  out.selected = ids.size();
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto tenant = tx.FindTenant(request.tenant);
    if (!tenant) return tenant.error();
    auto tmpl = tx.FindTemplate(request.tenant, request.template_key, request.language);
    if (!tmpl) return tmpl.error();
    auto purpose = tx.FindPurpose(request.tenant, core::kDefaultPurposeKey);
    if (!purpose) return purpose.error();
    CONSENTD_RETURN_IF_ERROR(
        CheckRecipients(tx, crypto, request, purpose->id, ids, check_limit, out));
    core::MailTemplate copy = MailingCopy(*tmpl, request);
    out.problems = core::CheckTemplate(copy, core::RequiredLinkOf(copy.key));
    const RecipientCheck* shown = PreviewedRecipient(out.recipients, preview_contact);
    if (!out.problems.empty() || shown == nullptr) return {};
    auto compiled = CompiledTemplate::Compile(copy);
    if (!compiled) {
      out.problems.push_back({"body_text", 1, compiled.error().message, compiled.error().message});
      return {};
    }
    out.previewed = shown->contact.id;
    out.mail = RenderSample(**compiled, *tenant, shown->contact, links, clock.Now());
    return {};
  });
  if (!status) return status.error();
  return out;
}

Result<std::vector<MailingSummary>> ListMailingSummaries(core::Store& store, core::TenantId tenant,
                                                         core::MailingId before_id, int limit) {
  std::vector<MailingSummary> out;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto mailings = tx.ListMailings(tenant, before_id, limit);
    if (!mailings) return mailings.error();
    for (auto& m : *mailings) {
      auto counts = tx.CountMessages(tenant, m.id);
      if (!counts) return counts.error();
      out.push_back({std::move(m), std::move(*counts)});
    }
    return {};
  });
  if (!status) return status.error();
  return out;
}

}  // namespace consentd::app
