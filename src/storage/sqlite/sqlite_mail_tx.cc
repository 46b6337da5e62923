// SqliteTx: templates, mailings, the outbox and suppressions.
#include <algorithm>

#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

Result<core::MailTemplate> SqliteTx::FindTemplate(core::TenantId tenant, std::string_view key,
                                                  std::string_view language) {
  Statement s(db_, Select(kTemplateColumns,
                          "FROM templates WHERE tenant_id = ? AND key = ? "
                          "AND language = ?"));
  s.Bind(1, tenant).Bind(2, key).Bind(3, language);
  if (s.Step()) return ReadTemplate(s);
  if (!s.status()) return s.status().error();
  return core::NotFound("template " + std::string(key));
}

Result<std::vector<core::MailTemplate>> SqliteTx::ListTemplates(core::TenantId tenant) {
  Statement s(db_, Select(kTemplateColumns,
                          "FROM templates WHERE tenant_id = ? "
                          "ORDER BY key, language"));
  s.Bind(1, tenant);
  return AllRows(s, ReadTemplate<Statement>);
}

Result<core::Mailing> SqliteTx::FindMailing(core::TenantId tenant, core::MailingId id) {
  Statement s(db_, Select(kMailingColumns, "FROM mailings WHERE tenant_id = ? AND id = ?"));
  s.Bind(1, tenant).Bind(2, id);
  if (s.Step()) return ReadMailing(s);
  if (!s.status()) return s.status().error();
  return core::NotFound("mailing " + std::to_string(id));
}

Result<std::vector<core::Mailing>> SqliteTx::ListPreparingMailings() {
  Statement s(db_, Select(kMailingColumns, "FROM mailings WHERE state = 'preparing' ORDER BY id"));
  return AllRows(s, ReadMailing<Statement>);
}

Result<std::vector<std::pair<core::MessageState, std::int64_t>>> SqliteTx::CountMessages(
    core::TenantId tenant, core::MailingId mailing) {
  Statement s(db_,
              "SELECT state, COUNT(*) FROM messages WHERE tenant_id = ? AND mailing_id = ? "
              "GROUP BY state");
  s.Bind(1, tenant).Bind(2, mailing);
  std::vector<std::pair<core::MessageState, std::int64_t>> counts;
  while (s.Step()) {
    auto state = core::ParseMessageState(s.ColumnText(0));
    if (state) counts.emplace_back(*state, s.ColumnInt(1));
  }
  if (!s.status()) return s.status().error();
  return counts;
}

Result<std::vector<core::Message>> SqliteTx::ListMessages(core::TenantId tenant,
                                                          core::MailingId mailing,
                                                          std::optional<core::MessageState> state,
                                                          std::int64_t after_id, int limit) {
  // Two statements rather than "(? = '' OR state = ?)", which would keep SQLite from using
  // the (tenant_id, mailing_id, state) index.
  const std::string base =
      Select(kMessageColumns, "FROM messages WHERE tenant_id = ? AND mailing_id = ? AND id > ? ");
  Statement s(db_, base + (state ? "AND state = ? ORDER BY id LIMIT ?" : "ORDER BY id LIMIT ?"));
  s.Bind(1, tenant).Bind(2, mailing).Bind(3, after_id);
  if (state) {
    s.Bind(4, core::MessageStateKey(*state)).Bind(5, std::int64_t{limit});
  } else {
    s.Bind(4, std::int64_t{limit});
  }
  return AllRows(s, ReadMessage<Statement>);
}

Result<std::vector<core::ContactId>> SqliteTx::SelectContacts(core::TenantId tenant,
                                                              core::PurposeId purpose,
                                                              std::string_view filter) {
  std::string condition = ConsentStateCondition(filter);
  if (condition.empty())
    return core::InvalidArgument("unknown filter '" + std::string(filter) + "'");
  Statement s(db_,
              "SELECT c.id FROM contacts c "
              "LEFT JOIN consents k ON k.tenant_id = c.tenant_id AND k.contact_id = c.id "
              "AND k.purpose_id = ? "
              "LEFT JOIN deletion_requests d ON d.tenant_id = c.tenant_id "
              "AND d.contact_id = c.id AND d.status = 'open' "
              "WHERE c.tenant_id = ? AND c.erased_at IS NULL AND (" +
                  condition + ") ORDER BY c.id");
  s.Bind(1, purpose).Bind(2, tenant);
  std::vector<core::ContactId> ids;
  while (s.Step()) ids.push_back(s.ColumnInt(0));
  if (!s.status()) return s.status().error();
  return ids;
}

Result<bool> SqliteTx::IsSuppressed(core::TenantId tenant, std::string_view email_sha256) {
  Statement s(db_, "SELECT 1 FROM suppressions WHERE tenant_id = ? AND email_sha256 = ?");
  s.Bind(1, tenant).Bind(2, email_sha256);
  bool found = s.Step();
  if (!s.status()) return s.status().error();
  return found;
}

Result<std::optional<core::Time>> SqliteTx::LastMessageTime(core::TenantId tenant,
                                                            core::ContactId contact,
                                                            core::MessageKind kind) {
  Statement s(db_,
              "SELECT MAX(created_at) FROM messages WHERE tenant_id = ? AND contact_id = ? "
              "AND kind = ?");
  s.Bind(1, tenant).Bind(2, contact).Bind(3, core::MessageKindKey(kind));
  std::optional<core::Time> last;
  if (s.Step() && !s.ColumnIsNull(0)) last = core::ParseIso(s.ColumnText(0));
  if (!s.status()) return s.status().error();
  return last;
}

Result<std::vector<core::Contact>> SqliteTx::FindContactsByEmailAnyTenant(std::string_view email) {
  std::vector<core::Contact> out;
  auto tenants = ListTenants();
  if (!tenants) return tenants.error();
  for (const auto& t : *tenants) {
    auto c = FindContactByEmail(t.id, email);
    if (c) out.push_back(*c);
  }
  return out;
}

Status SqliteTx::SaveTemplate(const core::MailTemplate& t) {
  Statement s(db_,
              "INSERT INTO templates (tenant_id, key, language, name, subject, body_text, "
              "body_html, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (tenant_id, key, language) DO UPDATE SET name = excluded.name, "
              "subject = excluded.subject, body_text = excluded.body_text, "
              "body_html = excluded.body_html, updated_at = excluded.updated_at");
  s.Bind(1, t.tenant_id).Bind(2, t.key).Bind(3, t.language).Bind(4, t.name).Bind(5, t.subject);
  s.Bind(6, t.body_text).Bind(7, t.body_html).Bind(8, core::FormatIso(t.updated_at));
  return s.Run();
}

Result<core::MailingId> SqliteTx::InsertMailing(const core::Mailing& m) {
  Statement s(db_,
              "INSERT INTO mailings (tenant_id, template_key, language, subject, body_text, "
              "body_html, state, created_by, created_at, selection, lawful_confirmation) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, m.tenant_id).Bind(2, m.template_key).Bind(3, m.language).Bind(4, m.subject);
  s.Bind(5, m.body_text).Bind(6, m.body_html).Bind(7, core::MailingStateKey(m.state));
  s.Bind(8, m.created_by).Bind(9, core::FormatIso(m.created_at)).Bind(10, m.selection);
  s.Bind(11, m.lawful_confirmation);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::SetMailingState(core::TenantId tenant, core::MailingId id,
                                 core::MailingState state) {
  Statement s(db_, "UPDATE mailings SET state = ? WHERE tenant_id = ? AND id = ?");
  s.Bind(1, core::MailingStateKey(state)).Bind(2, tenant).Bind(3, id);
  return s.RunChanging("mailing " + std::to_string(id));
}

Status SqliteTx::InsertPendingMessages(core::TenantId tenant, core::MailingId mailing,
                                       const std::vector<core::ContactId>& contacts,
                                       core::Time now) {
  Statement s(db_,
              "INSERT INTO messages (tenant_id, mailing_id, kind, contact_id, state, "
              "created_at) VALUES (?, ?, 'mailing', ?, 'pending', ?)");
  const std::string created = core::FormatIso(now);
  for (core::ContactId contact : contacts) {
    s.Bind(1, tenant).Bind(2, mailing).Bind(3, contact).Bind(4, created);
    CONSENTD_RETURN_IF_ERROR(s.Run());
    s.Reset();
  }
  return {};
}

Result<std::int64_t> SqliteTx::InsertMessage(const core::Message& m) {
  Statement s(db_,
              "INSERT INTO messages (tenant_id, mailing_id, kind, contact_id, state, "
              "created_at) VALUES (?, ?, ?, ?, 'pending', ?)");
  s.Bind(1, m.tenant_id).Bind(2, m.mailing_id).Bind(3, core::MessageKindKey(m.kind));
  s.Bind(4, m.contact_id).Bind(5, core::FormatIso(m.created_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  core::Message stored = m;
  stored.id = db_.LastInsertId();
  CONSENTD_RETURN_IF_ERROR(UpdateMessage(stored));
  return stored.id;
}

namespace {

constexpr std::string_view kUpdateMessage =
    "UPDATE messages SET link_token_id = ?, state = ?, skip_reason = ?, "
    "to_address = ?, to_name = ?, subject = ?, body_text = ?, body_html = ?, "
    "unsubscribe_url = ?, attempts = ?, next_attempt_at = ?, lease_until = ?, "
    "message_id = ?, smtp_reply = ?, sent_at = ? WHERE tenant_id = ? AND id = ?";

// Binds every field of kUpdateMessage (1..17).
void BindMessage(Statement& s, const core::Message& m) {
  s.Bind(1, m.link_token_id).Bind(2, core::MessageStateKey(m.state)).Bind(3, m.skip_reason);
  s.Bind(4, m.to_address).Bind(5, m.to_name).Bind(6, m.subject).Bind(7, m.body_text);
  s.Bind(8, m.body_html).Bind(9, m.unsubscribe_url).Bind(10, std::int64_t{m.attempts});
  s.Bind(11, IsoOrEmpty(m.next_attempt_at)).Bind(12, IsoOrEmpty(m.lease_until));
  s.Bind(13, m.message_id).Bind(14, m.smtp_reply);
  if (m.sent_at) {
    s.Bind(15, core::FormatIso(*m.sent_at));
  } else {
    s.BindNull(15);
  }
  s.Bind(16, m.tenant_id).Bind(17, m.id);
}

}  // namespace

Status SqliteTx::UpdateMessage(const core::Message& m) {
  Statement s(db_, kUpdateMessage);
  BindMessage(s, m);
  return s.RunChanging("message " + std::to_string(m.id));
}

Result<bool> SqliteTx::UpdateLeasedMessage(const core::Message& m, core::Time lease_until) {
  Statement s(db_, std::string(kUpdateMessage) + " AND state = 'sending' AND lease_until = ?");
  BindMessage(s, m);
  s.Bind(18, core::FormatIso(lease_until));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.Changes() > 0;
}

Result<bool> SqliteTx::HasOpenMessages(core::TenantId tenant, core::MailingId mailing) {
  Statement s(db_,
              "SELECT 1 FROM messages WHERE tenant_id = ? AND mailing_id = ? AND state IN "
              "('pending', 'queued', 'sending', 'deferred') LIMIT 1");
  s.Bind(1, tenant).Bind(2, mailing);
  bool open = s.Step();
  if (!s.status()) return s.status().error();
  return open;
}

Result<std::vector<core::Message>> SqliteTx::ClaimDueMessages(core::Time now,
                                                              core::Time lease_until,
                                                              int per_tenant, int limit) {
  const std::string now_iso = core::FormatIso(now);
  std::vector<std::int64_t> ids;
  // Messages whose sender died first (their lease ended), then the oldest due messages of
  // each tenant in turn; every step walks a small index range, never the whole queue.
  Statement expired(db_,
                    "SELECT id FROM messages WHERE state = 'sending' AND lease_until < ? "
                    "ORDER BY lease_until LIMIT ?");
  expired.Bind(1, now_iso).Bind(2, std::int64_t{limit});
  while (expired.Step()) ids.push_back(expired.ColumnInt(0));
  if (!expired.status()) return expired.status().error();
  // The waiting tenants, one index probe each (skip scan), instead of a DISTINCT over the
  // whole queue.
  Statement next_tenant(db_,
                        "SELECT tenant_id FROM messages INDEXED BY messages_due_by_tenant "
                        "WHERE state IN ('queued', 'deferred') AND tenant_id > ? "
                        "ORDER BY tenant_id LIMIT 1");
  std::vector<core::TenantId> waiting;
  for (core::TenantId after = 0;;) {
    next_tenant.Bind(1, after);
    bool found = next_tenant.Step();
    if (found) waiting.push_back(after = next_tenant.ColumnInt(0));
    if (!next_tenant.status()) return next_tenant.status().error();
    next_tenant.Reset();
    if (!found) break;
  }
  // One tenant alone may use the whole batch; several share it, at most per_tenant each.
  const int share = waiting.size() == 1 ? limit : per_tenant;
  Statement due(db_,
                "SELECT id FROM messages "
                "WHERE tenant_id = ? AND state IN ('queued', 'deferred') "
                "AND next_attempt_at <= ? ORDER BY id LIMIT ?");
  for (core::TenantId tenant : waiting) {
    if (static_cast<int>(ids.size()) >= limit) break;
    const int room = std::min(share, limit - static_cast<int>(ids.size()));
    due.Bind(1, tenant).Bind(2, now_iso).Bind(3, std::int64_t{room});
    while (due.Step()) ids.push_back(due.ColumnInt(0));
    if (!due.status()) return due.status().error();
    due.Reset();
  }
  Statement claim(db_,
                  "UPDATE messages SET state = 'sending', lease_until = ? WHERE id = ? "
                  "RETURNING " +
                      std::string(kMessageColumns));
  std::vector<core::Message> claimed;
  for (std::int64_t id : ids) {
    claim.Bind(1, core::FormatIso(lease_until)).Bind(2, id);
    if (claim.Step()) claimed.push_back(ReadMessage(claim));
    CONSENTD_RETURN_IF_ERROR(claim.Run());
    claim.Reset();
  }
  return claimed;
}

Status SqliteTx::InsertSuppression(core::TenantId tenant, std::string_view email_sha256,
                                   std::string_view reason, core::Time now) {
  Statement s(db_,
              "INSERT INTO suppressions (tenant_id, email_sha256, reason, created_at) "
              "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  s.Bind(1, tenant).Bind(2, email_sha256).Bind(3, reason).Bind(4, core::FormatIso(now));
  return s.Run();
}

Result<core::EmailChange> SqliteTx::FindEmailChange(std::string_view token_hash) {
  Statement s(db_, Select(kEmailChangeColumns, "FROM email_changes WHERE token_hash = ?"));
  s.Bind(1, token_hash);
  return OneOrNotFound(s, ReadEmailChange<Statement>, "e-mail change");
}

Result<std::int64_t> SqliteTx::InsertEmailChange(const core::EmailChange& c) {
  Statement s(db_,
              "INSERT INTO email_changes (tenant_id, contact_id, new_email, token_hash, "
              "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(1, c.tenant_id).Bind(2, c.contact_id).Bind(3, c.new_email).Bind(4, c.token_hash);
  s.Bind(5, core::FormatIso(c.created_at)).Bind(6, core::FormatIso(c.expires_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::MarkEmailChangeConfirmed(core::TenantId tenant, std::int64_t id, core::Time now) {
  Statement s(db_,
              "UPDATE email_changes SET confirmed_at = ? WHERE tenant_id = ? AND id = ? "
              "AND confirmed_at IS NULL");
  s.Bind(1, core::FormatIso(now)).Bind(2, tenant).Bind(3, id);
  return s.RunChanging("e-mail change " + std::to_string(id));
}

}  // namespace consentd::storage
