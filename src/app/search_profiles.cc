#include "app/search_profiles.h"

#include <algorithm>
#include <string>

#include "app/evidence.h"
#include "app/json_views.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

Status AppendProfileActivity(core::WriteTx& tx, const core::Crypto& crypto,
                             const ProfileChange& change, const json& payload) {
  return AppendActivity(tx, crypto, change.tenant, change.contact, core::ActivityType::kSuchprofil,
                        change.author, change.now, payload);
}

}  // namespace

Result<core::SearchProfile> FindSearchProfile(core::ReadTx& tx, core::TenantId tenant,
                                              core::ContactId contact, core::SearchProfileId id) {
  auto profiles = tx.ListSearchProfiles(tenant, contact);
  if (!profiles) return profiles.error();
  auto it = std::find_if(profiles->begin(), profiles->end(),
                         [&](const core::SearchProfile& p) { return p.id == id; });
  if (it == profiles->end()) return core::NotFound("search profile");
  return *it;
}

Result<core::SearchProfileId> SaveSearchProfile(core::WriteTx& tx, const core::Crypto& crypto,
                                                const ProfileChange& change,
                                                std::optional<core::SearchProfileId> id,
                                                core::SearchProfile profile,
                                                std::string_view act_prefix) {
  profile.tenant_id = change.tenant;
  profile.contact_id = change.contact;
  profile.created_at = profile.updated_at = change.now;
  json payload = change.payload;
  if (id) {
    auto before = FindSearchProfile(tx, change.tenant, change.contact, *id);
    if (!before) return before.error();
    profile.id = *id;
    profile.created_at = before->created_at;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateSearchProfile(profile));
    payload["act"] = std::string(act_prefix) + "update_search_profile";
    payload["before"] = ProfileJson(*before);
  } else {
    auto new_id = tx.InsertSearchProfile(profile);
    if (!new_id) return new_id.error();
    profile.id = *new_id;
    payload["act"] = std::string(act_prefix) + "add_search_profile";
  }
  payload["after"] = ProfileJson(profile);
  CONSENTD_RETURN_IF_ERROR(AppendProfileActivity(tx, crypto, change, payload));
  return profile.id;
}

Status RemoveSearchProfile(core::WriteTx& tx, const core::Crypto& crypto,
                           const ProfileChange& change, core::SearchProfileId id,
                           std::string_view act_prefix) {
  auto before = FindSearchProfile(tx, change.tenant, change.contact, id);
  if (!before) return before.error();
  CONSENTD_RETURN_IF_ERROR(tx.DeleteSearchProfile(change.tenant, change.contact, id));
  json payload = change.payload;
  payload["act"] = std::string(act_prefix) + "delete_search_profile";
  payload["before"] = ProfileJson(*before);
  return AppendProfileActivity(tx, crypto, change, payload);
}

}  // namespace consentd::app
