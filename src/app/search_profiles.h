// Saving and removing a contact's search profiles (Suchprofile) inside a unit of work, with
// the "Suchprofil" evidence activity that records before and after. The consent page (the
// person) and the broker (admin UI, API) differ only in who acts and in the circumstances
// the payload carries.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/ports.h"
#include "core/search_profile.h"
#include "core/store.h"

namespace consentd::app {

// Who changes a profile, when, and the circumstances (`payload`, completed with "act",
// "before" and "after").
struct ProfileChange {
  core::TenantId tenant = 0;
  core::ContactId contact = 0;
  core::UserId author = 0;
  core::Time now{};
  nlohmann::json payload;
};

// The contact's profile `id`, or kNotFound (also for a profile of another contact).
core::Result<core::SearchProfile> FindSearchProfile(core::ReadTx& tx, core::TenantId tenant,
                                                    core::ContactId contact,
                                                    core::SearchProfileId id);

// Stores `profile` as a new profile of the contact (`id` nullopt) or over its profile `id`
// (kNotFound when the contact has none with that id), and appends the activity. Returns the
// profile's id. `act_prefix` prefixes the act's name ("" for the person, "broker_").
core::Result<core::SearchProfileId> SaveSearchProfile(core::WriteTx& tx, const core::Crypto& crypto,
                                                      const ProfileChange& change,
                                                      std::optional<core::SearchProfileId> id,
                                                      core::SearchProfile profile,
                                                      std::string_view act_prefix = "");

// Removes the contact's profile `id` (kNotFound when it has none) and appends the activity.
core::Status RemoveSearchProfile(core::WriteTx& tx, const core::Crypto& crypto,
                                 const ProfileChange& change, core::SearchProfileId id,
                                 std::string_view act_prefix = "");

}  // namespace consentd::app
