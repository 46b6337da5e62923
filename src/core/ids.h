// Row ids. Every id is unique within the installation, and every lookup also filters by
// the tenant, so an id of another tenant behaves exactly like an id that does not exist.
#pragma once

#include <cstdint>

namespace consentd::core {

using TenantId = std::int64_t;
using UserId = std::int64_t;
using ContactId = std::int64_t;
using PurposeId = std::int64_t;
using SearchProfileId = std::int64_t;
using ActivityId = std::int64_t;
using LinkTokenId = std::int64_t;
using MailingId = std::int64_t;

}  // namespace consentd::core
