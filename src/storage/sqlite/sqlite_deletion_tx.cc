// SqliteTx: the deletion inbox, erasure, retention rules and tenant settings.
#include "storage/deletion_rows.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

namespace {

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

Result<std::vector<core::DeletionCase>> SqliteTx::ListDeletionCases(core::TenantId tenant,
                                                                    const core::DeletionQuery& q) {
  const bool with_status = q.filter == core::DeletionFilter::kDecided && !q.status.empty();
  std::string where =
      Replace(Replace(std::string(DeletionFilterSql(q.filter, with_status)), "{now}", "?2"),
              "{status}", "?3");
  Statement s(
      db_, Select(kDeletionCaseColumns,
                  std::string(kDeletionCaseFrom) + "WHERE d.tenant_id = ?1 " + where + "LIMIT ?4"));
  s.Bind(1, tenant).Bind(2, core::FormatIso(q.now)).Bind(3, q.status);
  s.Bind(4, std::int64_t{q.limit});
  return AllRows(s, ReadDeletionCase<Statement>);
}

Result<core::DeletionCase> SqliteTx::FindDeletionCase(core::TenantId tenant, std::int64_t id) {
  Statement s(db_, Select(kDeletionCaseColumns,
                          std::string(kDeletionCaseFrom) + "WHERE d.tenant_id = ? AND d.id = ?"));
  s.Bind(1, tenant).Bind(2, id);
  return OneOrNotFound(s, ReadDeletionCase<Statement>, "deletion request");
}

Result<std::vector<core::DeletionCase>> SqliteTx::ListRemindableDeletionCases(
    core::TenantId tenant, core::Time due_before) {
  Statement s(db_, Select(kDeletionCaseColumns,
                          std::string(kDeletionCaseFrom) +
                              "WHERE d.tenant_id = ? AND d.status = 'open' "
                              "AND d.reminder_sent_at IS NULL AND d.due_at <= ? ORDER BY d.id"));
  s.Bind(1, tenant).Bind(2, core::FormatIso(due_before));
  return AllRows(s, ReadDeletionCase<Statement>);
}

Result<std::vector<core::RetentionRule>> SqliteTx::ListRetentionRules(core::TenantId tenant) {
  Statement s(db_, Select(kRetentionRuleColumns,
                          "FROM retention_rules WHERE tenant_id = ? ORDER BY months, id"));
  s.Bind(1, tenant);
  return AllRows(s, ReadRetentionRule<Statement>);
}

Status SqliteTx::SaveDeletionDecision(const core::DeletionCase& k) {
  Statement s(db_,
              "UPDATE deletion_requests SET due_at = ?, decided_at = ?, decided_by = ?, "
              "decision_reason = ?, retention_rule = ?, retain_until = ?, extended_months = ?, "
              "extension_reason = ?, reminder_sent_at = ? WHERE tenant_id = ? AND id = ?");
  s.Bind(1, core::FormatIso(k.request.due_at));
  BindOptionalText(s, 2, IsoOrNull(k.decided_at));
  s.Bind(3, k.decided_by).Bind(4, k.decision_reason).Bind(5, k.retention_rule);
  BindOptionalText(s, 6, IsoOrNull(k.retain_until));
  s.Bind(7, std::int64_t{k.extended_months}).Bind(8, k.extension_reason);
  BindOptionalText(s, 9, IsoOrNull(k.reminder_sent_at));
  s.Bind(10, k.request.tenant_id).Bind(11, k.request.id);
  return s.RunChanging("deletion request " + std::to_string(k.request.id));
}

Result<bool> SqliteTx::MarkDeletionReminderSent(core::TenantId tenant, std::int64_t id,
                                                core::Time now) {
  Statement s(db_,
              "UPDATE deletion_requests SET reminder_sent_at = ? "
              "WHERE tenant_id = ? AND id = ? AND reminder_sent_at IS NULL");
  s.Bind(1, core::FormatIso(now)).Bind(2, tenant).Bind(3, id);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.Changes() > 0;
}

Status SqliteTx::EraseContactData(core::TenantId tenant, core::ContactId contact, core::Time now,
                                  std::int64_t keep_message) {
  Statement c(db_, "UPDATE contacts SET " + std::string(kErasedContactAssignments) +
                       ", updated_at = ?, erased_at = ? "
                       "WHERE tenant_id = ? AND id = ? AND erased_at IS NULL");
  c.Bind(1, core::FormatIso(now)).Bind(2, core::FormatIso(now)).Bind(3, tenant).Bind(4, contact);
  CONSENTD_RETURN_IF_ERROR(c.RunChanging("contact " + std::to_string(contact)));
  // Each statement: (tenant, contact) bound as 1 and 2.
  const std::string kept = std::to_string(keep_message);
  const std::string statements[] = {
      "DELETE FROM search_profiles WHERE tenant_id = ?1 AND contact_id = ?2",
      "DELETE FROM activity_payloads WHERE tenant_id = ?1 AND activity_id IN "
      "(SELECT id FROM activities WHERE tenant_id = ?1 AND contact_id = ?2)",
      "DELETE FROM email_changes WHERE tenant_id = ?1 AND contact_id = ?2",
      "UPDATE deletion_requests SET note = '' WHERE tenant_id = ?1 AND contact_id = ?2",
      "UPDATE consents SET revocation_reason = '' WHERE tenant_id = ?1 AND contact_id = ?2",
      "UPDATE messages SET state = 'skipped', skip_reason = 'deletion_requested', "
      "lease_until = '', " +
          std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = ?1 AND contact_id = ?2 AND id <> " + kept +
          " AND state IN ('pending', 'queued', 'deferred', 'sending')",
      "UPDATE messages SET " + std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = ?1 AND contact_id = ?2 AND id <> " + kept,
  };
  for (const auto& sql : statements) {
    Statement s(db_, sql);
    s.Bind(1, tenant).Bind(2, contact);
    CONSENTD_RETURN_IF_ERROR(s.Run());
  }
  return {};
}

Status SqliteTx::ScrubErasedContacts(core::TenantId tenant, core::Time erased_since) {
  const std::string statements[] = {
      "UPDATE messages SET " + std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = ?1 AND state IN ('sent', 'failed', 'skipped') "
          "AND to_address <> '' AND contact_id IN (SELECT id FROM contacts "
          "WHERE tenant_id = ?1 AND erased_at IS NOT NULL AND erased_at >= ?2)",
      "DELETE FROM activity_payloads WHERE tenant_id = ?1 AND activity_id IN "
      "(SELECT a.id FROM contacts c JOIN activities a ON a.tenant_id = c.tenant_id "
      "AND a.contact_id = c.id WHERE c.tenant_id = ?1 AND c.erased_at IS NOT NULL "
      "AND c.erased_at >= ?2 AND a.type = 'E-Mail versendet')",
  };
  for (const auto& sql : statements) {
    Statement s(db_, sql);
    s.Bind(1, tenant).Bind(2, core::FormatIso(erased_since));
    CONSENTD_RETURN_IF_ERROR(s.Run());
  }
  return {};
}

Result<std::int64_t> SqliteTx::InsertRetentionRule(const core::RetentionRule& r) {
  Statement s(db_,
              "INSERT INTO retention_rules (tenant_id, name, legal_reference, months, created_at) "
              "VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ'))");
  s.Bind(1, r.tenant_id).Bind(2, r.name).Bind(3, r.legal_reference);
  s.Bind(4, std::int64_t{r.months});
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::DeleteRetentionRule(core::TenantId tenant, std::int64_t id) {
  Statement s(db_, "DELETE FROM retention_rules WHERE tenant_id = ? AND id = ?");
  s.Bind(1, tenant).Bind(2, id);
  return s.RunChanging("retention rule " + std::to_string(id));
}

Status SqliteTx::UpdateTenantSettings(const core::Tenant& t) {
  Statement s(db_,
              "UPDATE tenants SET company = ?, street = ?, postal_code = ?, city = ?, "
              "country = ?, email = ?, phone = ?, privacy_url = ?, imprint_url = ?, "
              "sender_email = ?, sender_name = ?, signature = ?, smtp_url = ?, "
              "smtp_username = ?, smtp_password = ? WHERE id = ?");
  const auto& c = t.controller;
  s.Bind(1, c.company).Bind(2, c.street).Bind(3, c.postal_code).Bind(4, c.city);
  s.Bind(5, c.country).Bind(6, c.email).Bind(7, c.phone).Bind(8, c.privacy_url);
  s.Bind(9, c.imprint_url).Bind(10, t.sender_email).Bind(11, t.sender_name);
  s.Bind(12, t.signature).Bind(13, t.smtp.url).Bind(14, t.smtp.username);
  s.Bind(15, t.smtp.password).Bind(16, t.id);
  return s.RunChanging("tenant " + std::to_string(t.id));
}

}  // namespace consentd::storage
