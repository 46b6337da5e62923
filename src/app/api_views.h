// What the JSON API (/api/v1) reads: contacts with their consent state, their consents,
// evidence activities and search profiles, as JSON. Read-only units of work; thread-safe.
// An id of another tenant is kNotFound, exactly like an id that does not exist.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/contact_list.h"
#include "app/mailing.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

// A contact as the API shows it (with its ETag, for the header).
struct ApiContact {
  nlohmann::json json;
  std::string etag;
};

// A contact just created (as CreateContactByBroker stored it): no consent, no deletion
// request yet, so its view needs no read.
ApiContact NewApiContact(const core::Crypto& crypto, const core::Contact& contact);

// The contact `id` (erased ones are kNotFound: the API shows only live contacts).
core::Result<ApiContact> LoadApiContact(core::Store& store, const core::Crypto& crypto,
                                        core::TenantId tenant, core::ContactId id);
// The live contact with the CRM id `external_id`.
core::Result<ApiContact> LoadApiContactByExternalId(core::Store& store, const core::Crypto& crypto,
                                                    core::TenantId tenant,
                                                    std::string_view external_id);

// A page of contacts matching `query` (its text and filters; sort and page are ignored) in
// id order, after `after_id`, at most `limit`; `next_after` is the last id when more follow.
struct ApiContactPage {
  nlohmann::json data = nlohmann::json::array();
  std::optional<core::ContactId> next_after;
};
core::Result<ApiContactPage> LoadApiContactPage(core::Store& store, const core::Crypto& crypto,
                                                core::TenantId tenant, const ContactQuery& query,
                                                core::ContactId after_id, int limit);

// Read-only lists of a live contact: its consent records, its evidence activities in chain
// order (payloads as JSON, null once erased) and its search profiles.
core::Result<nlohmann::json> LoadApiConsents(core::Store& store, core::TenantId tenant,
                                             core::ContactId id);
core::Result<nlohmann::json> LoadApiActivities(core::Store& store, core::TenantId tenant,
                                               core::ContactId id);
core::Result<nlohmann::json> LoadApiSearchProfiles(core::Store& store, core::TenantId tenant,
                                                   core::ContactId id);

// A mailing with its counts per message state ("finished" once nothing is open).
core::Result<nlohmann::json> LoadApiMailing(core::Store& store, core::TenantId tenant,
                                            core::MailingId id);
// The tenant's mailings, newest first, ids below `before_id` (0: from the newest).
core::Result<nlohmann::json> LoadApiMailings(core::Store& store, core::TenantId tenant,
                                             core::MailingId before_id, int limit);
// A page of a mailing's recipients in message order after `after_id`: contact, state,
// attempts, skip reason and the mail server's last reply.
struct ApiRecipientPage {
  nlohmann::json data = nlohmann::json::array();
  std::optional<std::int64_t> next_after;
};
core::Result<ApiRecipientPage> LoadApiRecipients(core::Store& store, core::TenantId tenant,
                                                 core::MailingId mailing, std::int64_t after_id,
                                                 int limit);

// A deletion request as the API shows it.
nlohmann::json DeletionRequestJson(const core::DeletionCase& c, bool overdue, bool hold_ended);
// A template as the API shows it.
nlohmann::json TemplateJson(const core::MailTemplate& t);

}  // namespace consentd::app
