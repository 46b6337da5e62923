#include "app/api_views.h"

#include <algorithm>

#include "app/contact_admin.h"
#include "app/json_views.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

Result<core::Contact> LiveContact(core::ReadTx& tx, core::TenantId tenant, core::ContactId id) {
  auto contact = tx.FindContact(tenant, id);
  if (!contact) return contact.error();
  if (contact->erased) return core::NotFound("contact " + std::to_string(id));
  return contact;
}

Result<core::ConsentState> StateOfContact(core::ReadTx& tx, core::TenantId tenant,
                                          core::PurposeId purpose, core::ContactId id) {
  auto consent = tx.FindConsent(tenant, id, purpose);
  if (!consent) return consent.error();
  auto open = tx.FindOpenDeletionRequest(tenant, id);
  if (!open) return open.error();
  return core::StateOf(*consent, open->has_value());
}

Result<ApiContact> ContactView(core::ReadTx& tx, const core::Crypto& crypto,
                               const core::Contact& contact) {
  auto purpose = tx.FindPurpose(contact.tenant_id, core::kDefaultPurposeKey);
  if (!purpose) return purpose.error();
  auto state = StateOfContact(tx, contact.tenant_id, purpose->id, contact.id);
  if (!state) return state.error();
  json j = {
      {"id", contact.id},
      {"external_id", contact.external_id.empty() ? json(nullptr) : json(contact.external_id)},
      {"legal_basis", core::LegalBasisKey(contact.legal_basis)},
      {"consent_state", core::ConsentStateKey(*state)},
      {"created_at", core::FormatIso(contact.created_at)},
      {"updated_at", core::FormatIso(contact.updated_at)}};
  j.update(ContactDataJson(contact.data));
  return ApiContact{std::move(j), ContactETag(crypto, contact)};
}

// Runs `load` in a read snapshot and returns what it produced.
template <typename T, typename Fn>
Result<T> ReadInto(core::Store& store, Fn load) {
  T out{};
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto r = load(tx);
    if (!r) return r.error();
    out = std::move(*r);
    return {};
  });
  if (!status) return status.error();
  return out;
}

}  // namespace

Result<ApiContact> LoadApiContact(core::Store& store, const core::Crypto& crypto,
                                  core::TenantId tenant, core::ContactId id) {
  return ReadInto<ApiContact>(store, [&](core::ReadTx& tx) -> Result<ApiContact> {
    auto contact = LiveContact(tx, tenant, id);
    if (!contact) return contact.error();
    return ContactView(tx, crypto, *contact);
  });
}

Result<ApiContact> LoadApiContactByExternalId(core::Store& store, const core::Crypto& crypto,
                                              core::TenantId tenant, std::string_view external_id) {
  return ReadInto<ApiContact>(store, [&](core::ReadTx& tx) -> Result<ApiContact> {
    auto contact = tx.FindContactByExternalId(tenant, external_id);
    if (!contact) return contact.error();
    return ContactView(tx, crypto, *contact);
  });
}

Result<ApiContactPage> LoadApiContactPage(core::Store& store, const core::Crypto& crypto,
                                          core::TenantId tenant, const ContactQuery& query,
                                          core::ContactId after_id, int limit) {
  const bool filtered = !query.text.empty() || !query.state.empty() || !query.basis.empty() ||
                        !query.kontaktart.empty();
  // Without a filter the store pages by id itself; with one, the matching ids (in id order,
  // through the list's indexes) are cut here.
  std::vector<core::ContactId> matching;
  if (filtered) {
    auto ids = MatchingContactIds(store, tenant, query);
    if (!ids) return ids.error();
    matching = std::move(*ids);
  }
  return ReadInto<ApiContactPage>(store, [&](core::ReadTx& tx) -> Result<ApiContactPage> {
    std::vector<core::Contact> contacts;
    if (filtered) {
      auto from = std::upper_bound(matching.begin(), matching.end(), after_id);
      for (auto it = from; it != matching.end() && std::ssize(contacts) <= limit; ++it) {
        auto c = tx.FindContact(tenant, *it);
        if (!c) return c.error();
        contacts.push_back(std::move(*c));
      }
    } else {
      auto page = tx.ListContacts(tenant, after_id, limit + 1);
      if (!page) return page.error();
      contacts = std::move(*page);
    }
    ApiContactPage page;
    const bool more = std::ssize(contacts) > limit;
    if (more) contacts.resize(static_cast<std::size_t>(limit));
    for (const auto& c : contacts) {
      auto view = ContactView(tx, crypto, c);
      if (!view) return view.error();
      page.data.push_back(std::move(view->json));
    }
    if (more) page.next_after = contacts.back().id;
    return page;
  });
}

Result<json> LoadApiConsents(core::Store& store, core::TenantId tenant, core::ContactId id) {
  return ReadInto<json>(store, [&](core::ReadTx& tx) -> Result<json> {
    CONSENTD_RETURN_IF_ERROR(LiveContact(tx, tenant, id));
    auto consents = tx.ListConsents(tenant, id);
    if (!consents) return consents.error();
    json out = json::array();
    for (const auto& c : *consents) out.push_back(ConsentJson(c));
    return out;
  });
}

Result<json> LoadApiActivities(core::Store& store, core::TenantId tenant, core::ContactId id) {
  return ReadInto<json>(store, [&](core::ReadTx& tx) -> Result<json> {
    CONSENTD_RETURN_IF_ERROR(LiveContact(tx, tenant, id));
    auto activities = tx.ListActivities(tenant, id);
    if (!activities) return activities.error();
    json out = json::array();
    for (const auto& a : *activities) {
      out.push_back(
          {{"id", a.id},
           {"seq", a.seq},
           {"type", core::ActivityTypeName(a.type)},
           {"created_at", core::FormatIso(a.created_at)},
           {"payload", a.payload.empty() ? json(nullptr) : json::parse(a.payload, nullptr, false)},
           {"payload_sha256", a.payload_sha256},
           {"prev_hash", a.prev_hash},
           {"hash", a.hash}});
    }
    return out;
  });
}

Result<json> LoadApiSearchProfiles(core::Store& store, core::TenantId tenant, core::ContactId id) {
  return ReadInto<json>(store, [&](core::ReadTx& tx) -> Result<json> {
    CONSENTD_RETURN_IF_ERROR(LiveContact(tx, tenant, id));
    auto profiles = tx.ListSearchProfiles(tenant, id);
    if (!profiles) return profiles.error();
    json out = json::array();
    for (const auto& p : *profiles) out.push_back(ProfileJson(p));
    return out;
  });
}

}  // namespace consentd::app
