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

ApiContact ContactView(const core::Crypto& crypto, const core::Contact& contact,
                       core::ConsentState state) {
  json j = {
      {"id", contact.id},
      {"external_id", contact.external_id.empty() ? json(nullptr) : json(contact.external_id)},
      {"legal_basis", core::LegalBasisKey(contact.legal_basis)},
      {"consent_state", core::ConsentStateKey(state)},
      {"created_at", core::FormatIso(contact.created_at)},
      {"updated_at", core::FormatIso(contact.updated_at)}};
  j.update(ContactDataJson(contact.data));
  return ApiContact{std::move(j), ContactETag(crypto, contact)};
}

Result<ApiContact> ContactView(core::ReadTx& tx, const core::Crypto& crypto,
                               const core::Contact& contact) {
  auto purpose = tx.FindPurpose(contact.tenant_id, core::kDefaultPurposeKey);
  if (!purpose) return purpose.error();
  auto state = StateOfContact(tx, contact.tenant_id, purpose->id, contact.id);
  if (!state) return state.error();
  return ContactView(crypto, contact, *state);
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

ApiContact NewApiContact(const core::Crypto& crypto, const core::Contact& contact) {
  return ContactView(crypto, contact, core::ConsentState::kNone);
}

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
  // In id order from the cursor on, through the address list's indexes and its state column.
  core::ContactListFilter filter = ToListFilter(query);
  filter.sort = "id";
  filter.descending = false;
  filter.after_id = after_id;
  return ReadInto<ApiContactPage>(store, [&](core::ReadTx& tx) -> Result<ApiContactPage> {
    auto rows = tx.ListContactRows(tenant, filter, 0, limit + 1);
    if (!rows) return rows.error();
    ApiContactPage page;
    const bool more = std::ssize(*rows) > limit;
    if (more) rows->resize(static_cast<std::size_t>(limit));
    for (const auto& row : *rows) {
      page.data.push_back(ContactView(crypto, row.contact, row.state).json);
    }
    if (more) page.next_after = rows->back().contact.id;
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

namespace {

json MailingJson(const app::MailingSummary& s) {
  json counts = json::object();
  for (auto state :
       {core::MessageState::kPending, core::MessageState::kQueued, core::MessageState::kSending,
        core::MessageState::kSent, core::MessageState::kDeferred, core::MessageState::kFailed,
        core::MessageState::kSkipped}) {
    counts[std::string(core::MessageStateKey(state))] = s.Count(state);
  }
  const auto& m = s.mailing;
  return {{"id", m.id},
          {"state", core::MailingStateKey(m.state)},
          {"template", m.template_key},
          {"language", m.language},
          {"subject", m.subject},
          {"created_at", core::FormatIso(m.created_at)},
          {"recipients", s.Total()},
          {"counts", counts},
          {"finished", m.state != core::MailingState::kPreparing && s.Finished()}};
}

}  // namespace

Result<json> LoadApiMailing(core::Store& store, core::TenantId tenant, core::MailingId id) {
  auto summary = SummarizeMailing(store, tenant, id);
  if (!summary) return summary.error();
  return MailingJson(*summary);
}

Result<json> LoadApiMailings(core::Store& store, core::TenantId tenant, core::MailingId before_id,
                             int limit) {
  auto summaries = ListMailingSummaries(store, tenant, before_id, limit);
  if (!summaries) return summaries.error();
  json out = json::array();
  for (const auto& s : *summaries) out.push_back(MailingJson(s));
  return out;
}

Result<ApiRecipientPage> LoadApiRecipients(core::Store& store, core::TenantId tenant,
                                           core::MailingId mailing, std::int64_t after_id,
                                           int limit) {
  return ReadInto<ApiRecipientPage>(store, [&](core::ReadTx& tx) -> Result<ApiRecipientPage> {
    CONSENTD_RETURN_IF_ERROR(tx.FindMailing(tenant, mailing));
    auto messages = tx.ListMessages(tenant, mailing, std::nullopt, after_id, limit + 1);
    if (!messages) return messages.error();
    ApiRecipientPage page;
    const bool more = std::ssize(*messages) > limit;
    if (more) messages->resize(static_cast<std::size_t>(limit));
    for (const auto& m : *messages) {
      page.data.push_back(
          {{"contact_id", m.contact_id},
           {"state", core::MessageStateKey(m.state)},
           {"skip_reason", m.skip_reason.empty() ? json(nullptr) : json(m.skip_reason)},
           {"attempts", m.attempts},
           {"reply", m.smtp_reply.empty() ? json(nullptr) : json(m.smtp_reply)},
           {"sent_at", m.sent_at ? json(core::FormatIso(*m.sent_at)) : json(nullptr)}});
    }
    if (more) page.next_after = messages->back().id;
    return page;
  });
}

json DeletionRequestJson(const core::DeletionCase& c, bool overdue, bool hold_ended) {
  auto optional_time = [](const std::optional<core::Time>& t) {
    return t ? json(core::FormatIso(*t)) : json(nullptr);
  };
  return {{"id", c.request.id},
          {"contact_id", c.request.contact_id},
          {"status", c.request.status},
          {"received_at", core::FormatIso(c.request.received_at)},
          {"due_at", core::FormatIso(c.request.due_at)},
          {"overdue", overdue},
          {"hold_ended", hold_ended},
          {"decided_at", optional_time(c.decided_at)},
          {"retain_until", optional_time(c.retain_until)},
          {"extended_months", c.extended_months},
          {"contact_erased", c.contact_erased}};
}

json TemplateJson(const core::MailTemplate& t) {
  return {{"key", t.key},
          {"language", t.language},
          {"name", t.name},
          {"subject", t.subject},
          {"body_text", t.body_text},
          {"body_html", t.body_html},
          {"updated_at", core::FormatIso(t.updated_at)}};
}

}  // namespace consentd::app
