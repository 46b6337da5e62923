#include "app/json_views.h"

namespace consentd::app {

using nlohmann::json;

namespace {

json OptionalTime(const std::optional<core::Time>& t) {
  return t ? json(core::FormatIso(*t)) : json(nullptr);
}

json OptionalNumber(const std::optional<core::Centi>& v) {
  return v ? json(static_cast<double>(*v) / 100.0) : json(nullptr);
}

}  // namespace

json ContactDataJson(const core::ContactData& data) {
  json j = json::object();
  for (const auto& f : core::kContactFields) j[std::string(f.name)] = data.*f.member;
  return j;
}

json ConsentJson(const core::ConsentRecord& r) {
  return {{"quelle", r.source},
          {"zweck", r.purpose_name},
          {"datum", OptionalTime(r.granted_at)},
          {"widerrufsdatum", OptionalTime(r.revoked_at)},
          {"widerrufsgrund", r.revocation_reason},
          {"text_version", r.text_version},
          {"text_sha256", r.text_sha256},
          {"language", r.language}};
}

json ProfileJson(const core::SearchProfile& p) {
  return {{"id", p.id},
          {"vermarktungsart", p.vermarktungsart},
          {"nutzungsart", p.nutzungsart},
          {"objektart", p.objektart},
          {"objekttyp", p.objekttyp},
          {"land", p.land},
          {"plz", p.plz},
          {"ort", p.ort},
          {"radius_km", p.radius_km ? json(*p.radius_km) : json(nullptr)},
          {"preis_von", OptionalNumber(p.preis_von)},
          {"preis_bis", OptionalNumber(p.preis_bis)},
          {"wohnflaeche_von", OptionalNumber(p.wohnflaeche_von)},
          {"wohnflaeche_bis", OptionalNumber(p.wohnflaeche_bis)},
          {"grundstuecksflaeche_von", OptionalNumber(p.grundstuecksflaeche_von)},
          {"grundstuecksflaeche_bis", OptionalNumber(p.grundstuecksflaeche_bis)},
          {"zimmer_von", OptionalNumber(p.zimmer_von)},
          {"zimmer_bis", OptionalNumber(p.zimmer_bis)},
          {"bemerkung", p.bemerkung}};
}

json ChangesJson(const std::vector<core::FieldChange>& changes) {
  json j = json::array();
  for (const auto& c : changes) {
    j.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
  }
  return j;
}

json ControllerJson(const core::Tenant& t) {
  const auto& c = t.controller;
  return {{"company", c.company}, {"street", c.street},           {"postal_code", c.postal_code},
          {"city", c.city},       {"country", c.country},         {"email", c.email},
          {"phone", c.phone},     {"privacy_url", c.privacy_url}, {"imprint_url", c.imprint_url}};
}

core::Result<json> ExportContactJson(core::ReadTx& tx, core::TenantId tenant,
                                     const core::Contact& contact, core::Time now) {
  auto t = tx.FindTenant(tenant);
  auto consents = tx.ListConsents(tenant, contact.id);
  auto profiles = tx.ListSearchProfiles(tenant, contact.id);
  auto activities = tx.ListActivities(tenant, contact.id);
  auto deletion = tx.FindOpenDeletionRequest(tenant, contact.id);
  if (!t) return t.error();
  if (!consents) return consents.error();
  if (!profiles) return profiles.error();
  if (!activities) return activities.error();
  if (!deletion) return deletion.error();
  json doc = {{"format", "consentd-export-v1"},
              {"generated_at", core::FormatIso(now)},
              {"controller", ControllerJson(*t)},
              {"contact", ContactDataJson(contact.data)},
              {"legal_basis", core::LegalBasisKey(contact.legal_basis)},
              {"consents", json::array()},
              {"search_profiles", json::array()},
              {"activities", json::array()}};
  for (const auto& c : *consents) doc["consents"].push_back(ConsentJson(c));
  for (const auto& p : *profiles) doc["search_profiles"].push_back(ProfileJson(p));
  for (const auto& a : *activities) {
    json entry = {{"type", core::ActivityTypeName(a.type)},
                  {"time", core::FormatIso(a.created_at)},
                  {"hash", a.hash}};
    entry["payload"] = a.payload.empty() ? json(nullptr) : json::parse(a.payload, nullptr, false);
    doc["activities"].push_back(entry);
  }
  if (*deletion) {
    doc["deletion_request"] = {{"received_at", core::FormatIso((*deletion)->received_at)},
                               {"due_at", core::FormatIso((*deletion)->due_at)},
                               {"status", (*deletion)->status}};
  }
  return doc;
}

}  // namespace consentd::app
