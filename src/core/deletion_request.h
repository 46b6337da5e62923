// A person's request to erase their data (Art. 17), with its legal deadline.
#pragma once

#include <string>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

struct DeletionRequest {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  ContactId contact_id = 0;
  Time received_at{};
  Time due_at{};                // one calendar month after receipt, Art. 12(3)
  std::string status = "open";  // open | erased | retained | rejected | withdrawn
  std::string note;             // what the person wrote, if anything
};

inline DeletionRequest NewDeletionRequest(TenantId tenant, ContactId contact, Time now,
                                          std::string note) {
  return {0, tenant, contact, now, AddMonths(now, 1), "open", std::move(note)};
}

}  // namespace consentd::core
