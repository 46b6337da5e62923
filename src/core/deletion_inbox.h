// The deletion-request inbox: decisions on Art. 17 requests and the tenant's retention
// periods (Löschfristen). Plain values; the rules live in app/deletion_inbox.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/deletion_request.h"
#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

// Art. 12(3): the deadline may be extended by two further months at most.
inline constexpr int kMaxExtensionMonths = 2;

// A named retention period a hold can be based on, e.g. "GwG § 8: 5 Jahre".
struct RetentionRule {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  std::string name;             // "Geldwäschegesetz (KYC-Unterlagen)"
  std::string legal_reference;  // "§ 8 Abs. 4 GwG"
  int months = 0;               // 1..360
};

// A request with what was decided on it. The decision fields are empty while it is open.
struct DeletionCase {
  DeletionRequest request;
  std::optional<Time> decided_at;
  UserId decided_by = 0;
  std::string decision_reason;       // rejection or hold reason
  std::string retention_rule;        // "name (reference)" of the hold's rule
  std::optional<Time> retain_until;  // end of a retention hold
  int extended_months = 0;           // 0..kMaxExtensionMonths
  std::string extension_reason;
  std::optional<Time> reminder_sent_at;  // "nearly due" mail to the brokers, once
  std::string contact_name;              // DisplayName of the contact ("" once erased)
  bool contact_erased = false;
};

// Which requests the inbox lists.
enum class DeletionFilter {
  kOpen,     // open requests, plus holds whose end date has passed (due for erasure)
  kDecided,  // erased, retained, rejected or withdrawn
  kAll,
};

struct DeletionQuery {
  DeletionFilter filter = DeletionFilter::kOpen;
  std::string status;  // with kDecided: only this status ("" every decided one)
  Time now{};          // for "hold ended"
  int limit = 200;
};

}  // namespace consentd::core
