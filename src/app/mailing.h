// Serial e-mail (Serien-E-Mail) and single e-mail: choosing recipients, rendering one
// message with a fresh personal link for each, and queueing them in the outbox.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/mailing.h"
#include "core/ports.h"
#include "core/store.h"

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

}  // namespace consentd::app
