// PgTx: the deletion inbox, erasure, retention rules and tenant settings.
#include "storage/deletion_rows.h"
#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

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

Result<std::vector<core::DeletionCase>> PgTx::ListDeletionCases(core::TenantId tenant,
                                                                const core::DeletionQuery& q) {
  // PostgreSQL refuses parameters a statement does not use, so bind only those it names.
  const bool with_status = q.filter == core::DeletionFilter::kDecided && !q.status.empty();
  std::string where(DeletionFilterSql(q.filter, with_status));
  PgParams params;
  params.Add(tenant);
  if (q.filter == core::DeletionFilter::kOpen) {
    params.Add(q.now);
    where = Replace(where, "{now}", "$2");
  } else if (with_status) {
    params.Add(q.status);
    where = Replace(where, "{status}", "$2");
  }
  params.Add(std::int64_t{q.limit});
  const std::string limit = "LIMIT $" + std::to_string(params.size());
  return AllRows(
      TenantQuery(tenant,
                  Select(kDeletionCaseColumns, std::string(kDeletionCaseFrom) +
                                                   "WHERE d.tenant_id = $1 " + where + limit),
                  params),
      ReadDeletionCase<PgRow>);
}

Result<core::DeletionCase> PgTx::FindDeletionCase(core::TenantId tenant, std::int64_t id) {
  return OneOrNotFound(
      TenantQuery(tenant,
                  Select(kDeletionCaseColumns,
                         std::string(kDeletionCaseFrom) + "WHERE d.tenant_id = $1 AND d.id = $2"),
                  PgParams().Add(tenant).Add(id)),
      ReadDeletionCase<PgRow>, "deletion request");
}

Result<std::vector<core::DeletionCase>> PgTx::ListRemindableDeletionCases(core::TenantId tenant,
                                                                          core::Time due_before) {
  return AllRows(TenantQuery(tenant,
                             Select(kDeletionCaseColumns,
                                    std::string(kDeletionCaseFrom) +
                                        "WHERE d.tenant_id = $1 AND d.status = 'open' "
                                        "AND d.reminder_sent_at IS NULL AND d.due_at <= $2 "
                                        "ORDER BY d.id"),
                             PgParams().Add(tenant).Add(due_before)),
                 ReadDeletionCase<PgRow>);
}

Result<std::vector<core::RetentionRule>> PgTx::ListRetentionRules(core::TenantId tenant) {
  return AllRows(TenantQuery(tenant,
                             Select(kRetentionRuleColumns,
                                    "FROM retention_rules WHERE tenant_id = $1 "
                                    "ORDER BY months, id"),
                             PgParams().Add(tenant)),
                 ReadRetentionRule<PgRow>);
}

Status PgTx::SaveDeletionDecision(const core::DeletionCase& k) {
  PgParams params;
  params.Add(k.request.tenant_id).Add(k.request.id).Add(k.request.due_at).Add(k.decided_at);
  params.Add(k.decided_by).Add(k.decision_reason).Add(k.retention_rule).Add(k.retain_until);
  params.Add(std::int64_t{k.extended_months}).Add(k.extension_reason).Add(k.reminder_sent_at);
  return ChangedOrNotFound(
      TenantQuery(k.request.tenant_id,
                  "UPDATE deletion_requests SET due_at = $3, decided_at = $4, decided_by = $5, "
                  "decision_reason = $6, retention_rule = $7, retain_until = $8, "
                  "extended_months = $9, extension_reason = $10, reminder_sent_at = $11 "
                  "WHERE tenant_id = $1 AND id = $2",
                  params),
      "deletion request " + std::to_string(k.request.id));
}

Result<bool> PgTx::MarkDeletionReminderSent(core::TenantId tenant, std::int64_t id,
                                            core::Time now) {
  auto r = TenantQuery(tenant,
                       "UPDATE deletion_requests SET reminder_sent_at = $3 "
                       "WHERE tenant_id = $1 AND id = $2 AND reminder_sent_at IS NULL",
                       PgParams().Add(tenant).Add(id).Add(now));
  if (!r) return r.error();
  return r->affected() > 0;
}

Status PgTx::EraseContactData(core::TenantId tenant, core::ContactId contact, core::Time now,
                              std::int64_t keep_message) {
  CONSENTD_RETURN_IF_ERROR(ChangedOrNotFound(
      TenantQuery(tenant,
                  "UPDATE contacts SET " + std::string(kErasedContactAssignments) +
                      ", updated_at = $3, erased_at = $3 "
                      "WHERE tenant_id = $1 AND id = $2 AND erased_at IS NULL",
                  PgParams().Add(tenant).Add(contact).Add(now)),
      "contact " + std::to_string(contact)));
  const std::string statements[] = {
      "DELETE FROM search_profiles WHERE tenant_id = $1 AND contact_id = $2",
      "DELETE FROM activity_payloads WHERE tenant_id = $1 AND activity_id IN "
      "(SELECT id FROM activities WHERE tenant_id = $1 AND contact_id = $2)",
      "DELETE FROM email_changes WHERE tenant_id = $1 AND contact_id = $2",
      "UPDATE deletion_requests SET note = '' WHERE tenant_id = $1 AND contact_id = $2",
      "UPDATE consents SET revocation_reason = '' WHERE tenant_id = $1 AND contact_id = $2",
      "UPDATE messages SET state = 'skipped', skip_reason = 'deletion_requested', "
      "lease_until = NULL, " +
          std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = $1 AND contact_id = $2 AND id <> $3 "
          "AND state IN ('pending', 'queued', 'deferred', 'sending')",
      "UPDATE messages SET " + std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = $1 AND contact_id = $2 AND id <> $3",
  };
  for (const auto& sql : statements) {
    PgParams params;
    params.Add(tenant).Add(contact);
    if (sql.find("$3") != std::string::npos) params.Add(keep_message);
    CONSENTD_RETURN_IF_ERROR(Ran(TenantQuery(tenant, sql, params)));
  }
  return {};
}

Status PgTx::ScrubErasedContacts(core::TenantId tenant, core::Time erased_since) {
  const std::string statements[] = {
      "UPDATE messages SET " + std::string(kBlankMessageAssignments) +
          "WHERE tenant_id = $1 AND state IN ('sent', 'failed', 'skipped') "
          "AND to_address <> '' AND contact_id IN (SELECT id FROM contacts "
          "WHERE tenant_id = $1 AND erased_at IS NOT NULL AND erased_at >= $2)",
      "DELETE FROM activity_payloads WHERE tenant_id = $1 AND activity_id IN "
      "(SELECT a.id FROM contacts c JOIN activities a ON a.tenant_id = c.tenant_id "
      "AND a.contact_id = c.id WHERE c.tenant_id = $1 AND c.erased_at IS NOT NULL "
      "AND c.erased_at >= $2 AND a.type = 'E-Mail versendet')",
  };
  for (const auto& sql : statements) {
    CONSENTD_RETURN_IF_ERROR(
        Ran(TenantQuery(tenant, sql, PgParams().Add(tenant).Add(erased_since))));
  }
  return {};
}

Result<std::int64_t> PgTx::InsertRetentionRule(const core::RetentionRule& r) {
  return ReturnedId(TenantQuery(
      r.tenant_id,
      "INSERT INTO retention_rules (tenant_id, name, legal_reference, "
      "months, created_at) VALUES ($1, $2, $3, $4, "
      "date_trunc('second', now())) RETURNING id",
      PgParams().Add(r.tenant_id).Add(r.name).Add(r.legal_reference).Add(std::int64_t{r.months})));
}

Status PgTx::DeleteRetentionRule(core::TenantId tenant, std::int64_t id) {
  return ChangedOrNotFound(
      TenantQuery(tenant, "DELETE FROM retention_rules WHERE tenant_id = $1 AND id = $2",
                  PgParams().Add(tenant).Add(id)),
      "retention rule " + std::to_string(id));
}

Status PgTx::UpdateTenantSettings(const core::Tenant& t) {
  const auto& c = t.controller;
  PgParams params;
  params.Add(t.id).Add(c.company).Add(c.street).Add(c.postal_code).Add(c.city).Add(c.country);
  params.Add(c.email).Add(c.phone).Add(c.privacy_url).Add(c.imprint_url).Add(t.sender_email);
  params.Add(t.sender_name).Add(t.signature).Add(t.smtp.url).Add(t.smtp.username);
  params.Add(t.smtp.password);
  return ChangedOrNotFound(
      TenantQuery(t.id,
                  "UPDATE tenants SET company = $2, street = $3, postal_code = $4, city = $5, "
                  "country = $6, email = $7, phone = $8, privacy_url = $9, imprint_url = $10, "
                  "sender_email = $11, sender_name = $12, signature = $13, smtp_url = $14, "
                  "smtp_username = $15, smtp_password = $16 WHERE id = $1",
                  params),
      "tenant " + std::to_string(t.id));
}

}  // namespace consentd::storage
