// JSON views of domain objects, shared by evidence payloads and the Art. 15/20 export.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/consent.h"
#include "core/contact.h"
#include "core/search_profile.h"
#include "core/store.h"

namespace consentd::app {

nlohmann::json ContactDataJson(const core::ContactData& data);
nlohmann::json ConsentJson(const core::ConsentRecord& record);
nlohmann::json ProfileJson(const core::SearchProfile& profile);
nlohmann::json ChangesJson(const std::vector<core::FieldChange>& changes);
nlohmann::json ControllerJson(const core::Tenant& tenant);

// Everything stored about `contact`: data, consents, search profiles, deletion request and
// the evidence activities, as handed to the person (Art. 15/20).
core::Result<nlohmann::json> ExportContactJson(core::ReadTx& tx, core::TenantId tenant,
                                               const core::Contact& contact, core::Time now);

}  // namespace consentd::app
