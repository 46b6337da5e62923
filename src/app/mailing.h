// Serial e-mail (Serien-E-Mail) and single e-mail: choosing recipients, rendering one
// message with a fresh personal link for each, and queueing them in the outbox.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/audit.h"
#include "app/mail_templates.h"
#include "core/mailing.h"
#include "core/ports.h"
#include "core/store.h"
#include "core/validation.h"

namespace consentd::app {

struct MailingRequest {
  core::TenantId tenant = 0;
  core::UserId created_by = 0;  // 0: the tenant's system user (command line)
  std::string template_key = std::string(core::kConsentTemplateKey);
  std::string language = "de";
  std::string subject;  // required: there is no default subject
  // This mailing's own text; empty: the template's.
  std::optional<std::string> body_text;
  std::optional<std::string> body_html;
  // Exactly one of: explicit contacts, or a filter ("all", "none", "granted", ...).
  std::vector<core::ContactId> contacts;
  std::string filter;
  // The broker's confirmation that mailing contacts without any legal basis is lawful;
  // empty: such contacts are skipped.
  std::string lawful_confirmation;
};

// Where personal links point to.
struct LinkSettings {
  std::string base_url;  // e.g. https://einwilligung.example.de
};

struct MailingProgress {
  std::int64_t selected = 0;
  std::int64_t prepared = 0;  // rendered and queued, or skipped
};

struct MailingSummary {
  core::Mailing mailing;
  std::vector<std::pair<core::MessageState, std::int64_t>> counts;
  std::int64_t Count(core::MessageState s) const;
  std::int64_t Total() const;
  bool Finished() const;  // nothing pending, queued, sending or deferred
};

// Validates the request, copies the template into a new mailing and records one pending
// message per selected contact — all in one unit of work. Returns the mailing id.
core::Result<core::MailingId> CreateMailing(core::Store& store, const core::Clock& clock,
                                            const MailingRequest& request);
// As above, and records the audit entry "mailing.create" of `actor` in the same unit.
core::Result<core::MailingId> CreateMailing(core::Store& store, const core::Clock& clock,
                                            const MailingRequest& request, const Actor& actor);

// The fields a person types for a mailing (subject, own text, lawful confirmation), checked
// with messages in German and English; empty when they are fine.
core::FieldErrors CheckMailingFields(const MailingRequest& request);

// Why `contact` would get no mail from a mailing, kNone when it would get one: the one rule
// that both the mailing itself and its preview apply. An erased contact counts as suppressed.
core::Result<core::SkipReason> SkipReasonOf(core::ReadTx& tx, const core::Crypto& crypto,
                                            core::TenantId tenant, core::PurposeId purpose,
                                            const core::Contact& contact, bool lawful_confirmed);

// One selected contact as the preview sees it.
struct RecipientCheck {
  core::Contact contact;
  core::SkipReason reason = core::SkipReason::kNone;
  bool needs_lawful_confirmation = false;  // no legal basis: mailed only with confirmation
};

// What a mailing would do, before it is created.
struct MailingPreview {
  // The first `check_limit` contacts of the selection that exist in the tenant, in the
  // order given; ids of other tenants and unknown ids are left out.
  std::vector<RecipientCheck> recipients;
  std::size_t selected = 0;  // size of the whole selection (unique ids)
  // Ids among those checked that are not contacts of the tenant.
  std::vector<core::ContactId> dropped;
  // Problems of the mailing's text (the template with the own text applied), with lines.
  std::vector<core::TemplateProblem> problems;
  // The mail for the previewed recipient (with a sample link), unless there are problems or
  // no recipient.
  std::optional<RenderedMail> mail;
  core::ContactId previewed = 0;
};

// Checks the recipients of `request.contacts` (at most `check_limit` of them) and renders
// the mail for `preview_contact` (0: the first recipient). Writes nothing.
core::Result<MailingPreview> PreviewMailing(core::Store& store, const core::Clock& clock,
                                            const core::Crypto& crypto, const LinkSettings& links,
                                            const MailingRequest& request,
                                            core::ContactId preview_contact,
                                            std::size_t check_limit);

// Mailings of the tenant, newest first, with their counts; `before_id` 0 from the newest.
core::Result<std::vector<MailingSummary>> ListMailingSummaries(core::Store& store,
                                                               core::TenantId tenant,
                                                               core::MailingId before_id,
                                                               int limit);

// Renders and queues the pending messages of a mailing in chunks (each chunk one unit of
// work, so consent writes go on meanwhile), then marks it queued. Safe to call again after
// a crash: it continues with what is still pending. `progress` is called after each chunk.
core::Status PrepareMailing(core::Store& store, const core::Clock& clock,
                            const core::Crypto& crypto, const LinkSettings& links,
                            core::TenantId tenant, core::MailingId mailing,
                            const std::function<void(const MailingProgress&)>& progress = {});

// Prepares every mailing left in state "preparing" (after a restart).
core::Status ResumePreparingMailings(core::Store& store, const core::Clock& clock,
                                     const core::Crypto& crypto, const LinkSettings& links);

core::Result<MailingSummary> SummarizeMailing(core::Store& store, core::TenantId tenant,
                                              core::MailingId mailing);
// The same inside a read the caller holds (e.g. to read recipients in the same snapshot).
core::Result<MailingSummary> SummarizeMailing(core::ReadTx& tx, core::TenantId tenant,
                                              core::MailingId mailing);

}  // namespace consentd::app
