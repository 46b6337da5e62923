// PgTx: templates, mailings, the outbox and suppressions.
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<core::MailTemplate> PgTx::FindTemplate(core::TenantId tenant, std::string_view key,
                                              std::string_view language) {
  return OneOrNotFound(TenantQuery(tenant,
                                   Select(kTemplateColumns,
                                          "FROM templates WHERE tenant_id = $1 AND key = $2 "
                                          "AND language = $3"),
                                   PgParams().Add(tenant).Add(key).Add(language)),
                       ReadTemplate<PgRow>, "template " + std::string(key));
}

Result<std::vector<core::MailTemplate>> PgTx::ListTemplates(core::TenantId tenant) {
  return AllRows(TenantQuery(tenant,
                             Select(kTemplateColumns,
                                    "FROM templates WHERE tenant_id = $1 ORDER BY key, language"),
                             PgParams().Add(tenant)),
                 ReadTemplate<PgRow>);
}

Result<core::Mailing> PgTx::FindMailing(core::TenantId tenant, core::MailingId id) {
  return OneOrNotFound(
      TenantQuery(tenant, Select(kMailingColumns, "FROM mailings WHERE tenant_id = $1 AND id = $2"),
                  PgParams().Add(tenant).Add(id)),
      ReadMailing<PgRow>, "mailing " + std::to_string(id));
}

Result<std::vector<core::Mailing>> PgTx::ListPreparingMailings() {
  return AllRows(db_.Query(Select(kMailingColumns, "FROM consentd_preparing_mailings()")),
                 ReadMailing<PgRow>);
}

Result<std::vector<std::pair<core::MessageState, std::int64_t>>> PgTx::CountMessages(
    core::TenantId tenant, core::MailingId mailing) {
  auto r = TenantQuery(tenant,
                       "SELECT state, COUNT(*) FROM messages WHERE tenant_id = $1 "
                       "AND mailing_id = $2 GROUP BY state",
                       PgParams().Add(tenant).Add(mailing));
  if (!r) return r.error();
  std::vector<std::pair<core::MessageState, std::int64_t>> counts;
  for (int i = 0; i < r->rows(); ++i) {
    auto state = core::ParseMessageState(r->row(i).ColumnText(0));
    if (state) counts.emplace_back(*state, r->row(i).ColumnInt(1));
  }
  return counts;
}

Result<std::vector<core::Message>> PgTx::ListMessages(core::TenantId tenant,
                                                      core::MailingId mailing,
                                                      std::optional<core::MessageState> state,
                                                      std::int64_t after_id, int limit) {
  PgParams params;
  params.Add(tenant).Add(mailing).Add(after_id).Add(std::int64_t{limit});
  std::string where = "FROM messages WHERE tenant_id = $1 AND mailing_id = $2 AND id > $3 ";
  if (state) {
    params.Add(core::MessageStateKey(*state));
    where += "AND state = $5 ";
  }
  return AllRows(
      TenantQuery(tenant, Select(kMessageColumns, where + "ORDER BY id LIMIT $4"), params),
      ReadMessage<PgRow>);
}

Result<std::vector<core::ContactId>> PgTx::SelectContacts(core::TenantId tenant,
                                                          core::PurposeId purpose,
                                                          std::string_view filter) {
  std::string condition = ConsentStateCondition(filter);
  if (condition.empty()) {
    return core::InvalidArgument("unknown filter '" + std::string(filter) + "'");
  }
  auto r = TenantQuery(tenant,
                       "SELECT c.id FROM contacts c "
                       "LEFT JOIN consents k ON k.tenant_id = c.tenant_id "
                       "AND k.contact_id = c.id AND k.purpose_id = $1 "
                       "LEFT JOIN deletion_requests d ON d.tenant_id = c.tenant_id "
                       "AND d.contact_id = c.id AND d.status = 'open' "
                       "WHERE c.tenant_id = $2 AND c.erased_at IS NULL AND (" +
                           condition + ") ORDER BY c.id",
                       PgParams().Add(purpose).Add(tenant));
  if (!r) return r.error();
  std::vector<core::ContactId> ids;
  ids.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) ids.push_back(r->row(i).ColumnInt(0));
  return ids;
}

Result<bool> PgTx::IsSuppressed(core::TenantId tenant, std::string_view email_sha256) {
  auto r =
      TenantQuery(tenant, "SELECT 1 FROM suppressions WHERE tenant_id = $1 AND email_sha256 = $2",
                  PgParams().Add(tenant).Add(email_sha256));
  if (!r) return r.error();
  return r->rows() > 0;
}

Result<std::optional<core::Time>> PgTx::LastMessageTime(core::TenantId tenant,
                                                        core::ContactId contact,
                                                        core::MessageKind kind) {
  auto r = TenantQuery(tenant,
                       "SELECT MAX(created_at) FROM messages WHERE tenant_id = $1 "
                       "AND contact_id = $2 AND kind = $3",
                       PgParams().Add(tenant).Add(contact).Add(core::MessageKindKey(kind)));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::Time>();
  return OptionalTimeOf(r->row(0).ColumnOptionalText(0));
}

Result<std::vector<core::Contact>> PgTx::FindContactsByEmailAnyTenant(std::string_view email) {
  return AllRows(db_.Query(Select(kContactColumns, "FROM consentd_contacts_by_email($1)"),
                           PgParams().Add(email)),
                 ReadContact<PgRow>);
}

Result<bool> PgTx::HasOpenMessages(core::TenantId tenant, core::MailingId mailing) {
  auto r = TenantQuery(tenant,
                       "SELECT 1 FROM messages WHERE tenant_id = $1 AND mailing_id = $2 AND state "
                       "IN ('pending', 'queued', 'sending', 'deferred') LIMIT 1",
                       PgParams().Add(tenant).Add(mailing));
  if (!r) return r.error();
  return r->rows() > 0;
}

Result<core::EmailChange> PgTx::FindEmailChange(std::string_view token_hash) {
  return OneOrNotFound(db_.Query(Select(kEmailChangeColumns, "FROM consentd_find_email_change($1)"),
                                 PgParams().Add(token_hash)),
                       ReadEmailChange<PgRow>, "e-mail change");
}

// ---------------------------------------------------------------- writes

Status PgTx::SaveTemplate(const core::MailTemplate& t) {
  return Ran(
      TenantQuery(t.tenant_id,
                  "INSERT INTO templates (tenant_id, key, language, name, subject, "
                  "body_text, body_html, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT (tenant_id, key, language) DO UPDATE SET "
                  "name = excluded.name, subject = excluded.subject, "
                  "body_text = excluded.body_text, body_html = excluded.body_html, "
                  "updated_at = excluded.updated_at",
                  PgParams()
                      .Add(t.tenant_id)
                      .Add(t.key)
                      .Add(t.language)
                      .Add(t.name)
                      .Add(t.subject)
                      .Add(t.body_text)
                      .Add(t.body_html)
                      .Add(t.updated_at)));
}

Result<core::MailingId> PgTx::InsertMailing(const core::Mailing& m) {
  return ReturnedId(TenantQuery(m.tenant_id,
                                "INSERT INTO mailings (tenant_id, template_key, language, subject, "
                                "body_text, body_html, state, created_by, created_at, selection, "
                                "lawful_confirmation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                                "$10, $11) RETURNING id",
                                PgParams()
                                    .Add(m.tenant_id)
                                    .Add(m.template_key)
                                    .Add(m.language)
                                    .Add(m.subject)
                                    .Add(m.body_text)
                                    .Add(m.body_html)
                                    .Add(core::MailingStateKey(m.state))
                                    .Add(m.created_by)
                                    .Add(m.created_at)
                                    .Add(m.selection)
                                    .Add(m.lawful_confirmation)));
}

Status PgTx::SetMailingState(core::TenantId tenant, core::MailingId id, core::MailingState state) {
  return ChangedOrNotFound(
      TenantQuery(tenant, "UPDATE mailings SET state = $1 WHERE tenant_id = $2 AND id = $3",
                  PgParams().Add(core::MailingStateKey(state)).Add(tenant).Add(id)),
      "mailing " + std::to_string(id));
}

Status PgTx::InsertPendingMessages(core::TenantId tenant, core::MailingId mailing,
                                   const std::vector<core::ContactId>& contacts, core::Time now) {
  // One statement for the whole list: the ids travel as one array literal.
  std::string ids = "{";
  for (core::ContactId contact : contacts) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(contact);
  }
  ids += '}';
  return Ran(TenantQuery(tenant,
                         "INSERT INTO messages (tenant_id, mailing_id, kind, contact_id, state, "
                         "created_at) SELECT $1, $2, 'mailing', c, 'pending', $3 "
                         "FROM unnest($4::bigint[]) WITH ORDINALITY AS u(c, n) ORDER BY n",
                         PgParams().Add(tenant).Add(mailing).Add(now).Add(ids)));
}

namespace {

constexpr std::string_view kUpdateMessage =
    "UPDATE messages SET link_token_id = $1, state = $2, skip_reason = $3, to_address = $4, "
    "to_name = $5, subject = $6, body_text = $7, body_html = $8, unsubscribe_url = $9, "
    "attempts = $10, next_attempt_at = $11, lease_until = $12, message_id = $13, "
    "smtp_reply = $14, sent_at = $15 WHERE tenant_id = $16 AND id = $17";

// Every field of kUpdateMessage ($1..$17).
PgParams MessageParams(const core::Message& m) {
  PgParams p;
  p.Add(m.link_token_id).Add(core::MessageStateKey(m.state)).Add(m.skip_reason);
  p.Add(m.to_address).Add(m.to_name).Add(m.subject).Add(m.body_text).Add(m.body_html);
  p.Add(m.unsubscribe_url).Add(std::int64_t{m.attempts}).Add(m.next_attempt_at);
  p.Add(m.lease_until).Add(m.message_id).Add(m.smtp_reply).Add(m.sent_at);
  p.Add(m.tenant_id).Add(m.id);
  return p;
}

}  // namespace

Result<std::int64_t> PgTx::InsertMessage(const core::Message& m) {
  auto id = ReturnedId(TenantQuery(m.tenant_id,
                                   "INSERT INTO messages (tenant_id, mailing_id, kind, contact_id, "
                                   "state, created_at) VALUES ($1, $2, $3, $4, 'pending', $5) "
                                   "RETURNING id",
                                   PgParams()
                                       .Add(m.tenant_id)
                                       .Add(m.mailing_id)
                                       .Add(core::MessageKindKey(m.kind))
                                       .Add(m.contact_id)
                                       .Add(m.created_at)));
  if (!id) return id.error();
  core::Message stored = m;
  stored.id = *id;
  CONSENTD_RETURN_IF_ERROR(UpdateMessage(stored));
  return stored.id;
}

Status PgTx::UpdateMessage(const core::Message& m) {
  return ChangedOrNotFound(TenantQuery(m.tenant_id, std::string(kUpdateMessage), MessageParams(m)),
                           "message " + std::to_string(m.id));
}

Result<bool> PgTx::UpdateLeasedMessage(const core::Message& m, core::Time lease_until) {
  PgParams params = MessageParams(m);
  params.Add(lease_until);
  auto r = TenantQuery(m.tenant_id,
                       std::string(kUpdateMessage) + " AND state = 'sending' AND lease_until = $18",
                       params);
  if (!r) return r.error();
  return r->affected() > 0;
}

Result<std::vector<core::Message>> PgTx::ClaimDueMessages(core::Time now, core::Time lease_until,
                                                          int per_tenant, int limit) {
  return AllRows(
      db_.Query(Select(kMessageColumns, "FROM consentd_claim_due_messages($1, $2, $3, $4)"),
                PgParams()
                    .Add(now)
                    .Add(lease_until)
                    .Add(std::int64_t{per_tenant})
                    .Add(std::int64_t{limit})),
      ReadMessage<PgRow>);
}

Status PgTx::InsertSuppression(core::TenantId tenant, std::string_view email_sha256,
                               std::string_view reason, core::Time now) {
  return Ran(TenantQuery(tenant,
                         "INSERT INTO suppressions (tenant_id, email_sha256, reason, created_at) "
                         "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                         PgParams().Add(tenant).Add(email_sha256).Add(reason).Add(now)));
}

Result<std::int64_t> PgTx::InsertEmailChange(const core::EmailChange& c) {
  return ReturnedId(TenantQuery(c.tenant_id,
                                "INSERT INTO email_changes (tenant_id, contact_id, new_email, "
                                "token_hash, created_at, expires_at) "
                                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                PgParams()
                                    .Add(c.tenant_id)
                                    .Add(c.contact_id)
                                    .Add(c.new_email)
                                    .Add(c.token_hash)
                                    .Add(c.created_at)
                                    .Add(c.expires_at)));
}

Status PgTx::MarkEmailChangeConfirmed(core::TenantId tenant, std::int64_t id, core::Time now) {
  return ChangedOrNotFound(
      TenantQuery(tenant,
                  "UPDATE email_changes SET confirmed_at = $1 WHERE tenant_id = $2 AND id = $3 "
                  "AND confirmed_at IS NULL",
                  PgParams().Add(now).Add(tenant).Add(id)),
      "e-mail change " + std::to_string(id));
}

}  // namespace consentd::storage
