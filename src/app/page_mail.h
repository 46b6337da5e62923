// Single mails that the consent page triggers: a new personal link, and the confirmation
// of a new e-mail address. They go through the same outbox as serial mails.
#pragma once

#include <string>

#include "app/mail_templates.h"
#include "core/mailing.h"
#include "core/store.h"

namespace consentd::app {

struct PageMail {
  core::MessageKind kind = core::MessageKind::kLinkRequest;
  std::string template_key;
  std::string to_address;
  std::optional<core::LinkTokenId> link_token_id;
  std::string unsubscribe_url;
  TemplateValues values;  // the contact's and tenant's values are added here
};

// Renders the tenant's template for `mail` in the contact's language and queues it, inside
// the caller's unit of work.
core::Status QueuePageMail(core::WriteTx& tx, const core::Crypto& crypto,
                           const core::Tenant& tenant, const core::Contact& contact, PageMail mail,
                           core::Time now);

}  // namespace consentd::app
