// Erasure of a contact (Art. 17 GDPR): the person is gone, the evidence chain stays.
#pragma once

#include <optional>
#include <string_view>

#include "app/audit.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

// Erases the contact in one unit of work: every personal field blanked and the contact
// marked erased (the row stays as a tombstone), search profiles, e-mail changes and activity
// payloads deleted (the chain covers only their digests, so it still verifies), links
// revoked, open messages cancelled, the hashed address put on the suppression list, open
// deletion requests closed as "erased", an activity "Löschung" with `reason` and the actor,
// and an audit entry. kNotFound for a contact that is missing, of another tenant or erased.
core::Status EraseContact(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                          const Actor& actor, core::ContactId contact, std::string_view reason);

// What EraseInTx needs besides the contact.
struct ErasureOptions {
  std::string_view reason;
  std::int64_t keep_message = 0;           // an outcome mail queued before, kept
  std::optional<std::int64_t> request_id;  // the request this erasure decides
};

// The same inside the caller's unit of work (the inbox queues the outcome mail first).
core::Status EraseInTx(core::WriteTx& tx, const core::Crypto& crypto, const Actor& actor,
                       core::ContactId contact, const ErasureOptions& options, core::Time now);

// The SHA-256 (hex) of the lower-cased address, as the suppression list keeps it.
std::string SuppressionHash(const core::Crypto& crypto, std::string_view email);

}  // namespace consentd::app
