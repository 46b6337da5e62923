// Column lists and row readers of the deletion inbox, shared by the SQLite and PostgreSQL
// stores (same columns, same order). Internal to storage/.
#pragma once

#include <string_view>

#include "core/contact.h"
#include "core/deletion_inbox.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

// A request joined with its contact: FROM deletion_requests d JOIN contacts c.
inline constexpr std::string_view kDeletionCaseColumns =
    "d.id, d.tenant_id, d.contact_id, d.received_at, d.due_at, d.status, d.note, "
    "d.decided_at, d.decided_by, d.decision_reason, d.retention_rule, d.retain_until, "
    "d.extended_months, d.extension_reason, d.reminder_sent_at, "
    "c.anrede, c.titel, c.vorname, c.nachname, c.firma, c.erased_at";

inline constexpr std::string_view kDeletionCaseFrom =
    "FROM deletion_requests d JOIN contacts c ON c.tenant_id = d.tenant_id "
    "AND c.id = d.contact_id ";

template <typename Row>
core::DeletionCase ReadDeletionCase(const Row& s) {
  core::DeletionCase k;
  k.request.id = s.ColumnInt(0);
  k.request.tenant_id = s.ColumnInt(1);
  k.request.contact_id = s.ColumnInt(2);
  k.request.received_at = TimeOf(s.ColumnText(3));
  k.request.due_at = TimeOf(s.ColumnText(4));
  k.request.status = s.ColumnText(5);
  k.request.note = s.ColumnText(6);
  k.decided_at = OptionalTimeOf(s.ColumnOptionalText(7));
  k.decided_by = s.ColumnInt(8);
  k.decision_reason = s.ColumnText(9);
  k.retention_rule = s.ColumnText(10);
  k.retain_until = OptionalTimeOf(s.ColumnOptionalText(11));
  k.extended_months = static_cast<int>(s.ColumnInt(12));
  k.extension_reason = s.ColumnText(13);
  k.reminder_sent_at = OptionalTimeOf(s.ColumnOptionalText(14));
  core::ContactData name;
  name.anrede = s.ColumnText(15);
  name.titel = s.ColumnText(16);
  name.vorname = s.ColumnText(17);
  name.nachname = s.ColumnText(18);
  name.firma = s.ColumnText(19);
  k.contact_erased = !s.ColumnIsNull(20);
  k.contact_name = k.contact_erased ? "" : core::DisplayName(name);
  return k;
}

inline constexpr std::string_view kRetentionRuleColumns =
    "id, tenant_id, name, legal_reference, months";

template <typename Row>
core::RetentionRule ReadRetentionRule(const Row& s) {
  return {s.ColumnInt(0), s.ColumnInt(1), s.ColumnText(2), s.ColumnText(3),
          static_cast<int>(s.ColumnInt(4))};
}

// The inbox's WHERE and ORDER BY after "d.tenant_id = <1>" for `filter`; `now` and `status`
// are bound by the caller as described at each case. Open requests come by due date (the
// overdue first); holds whose end passed come with them, by their end date.
inline std::string_view DeletionFilterSql(core::DeletionFilter filter, bool with_status) {
  switch (filter) {
    case core::DeletionFilter::kOpen:  // binds now
      return "AND (d.status = 'open' OR (d.status = 'retained' AND d.retain_until <= {now})) "
             "ORDER BY CASE WHEN d.status = 'open' THEN d.due_at ELSE d.retain_until END, d.id ";
    case core::DeletionFilter::kDecided:
      return with_status ? "AND d.status = {status} ORDER BY d.id DESC "  // binds status
                         : "AND d.status <> 'open' ORDER BY d.id DESC ";
    case core::DeletionFilter::kAll:
      return "ORDER BY d.id DESC ";
  }
  return "ORDER BY d.id DESC ";
}

// Every contact column erasure blanks, with the value it gets (the tombstone keeps only
// id, tenant, times and erased_at).
inline constexpr std::string_view kErasedContactAssignments =
    "anrede = '', titel = '', vorname = '', nachname = '', firma = '', email = '', "
    "telefon = '', mobil = '', strasse = '', hausnummer = '', plz = '', ort = '', land = '', "
    "sprache = '', kontaktart = '', legal_basis = 'none', search_key = '', sort_name = '', "
    "sort_ort = '' ";

// Bodies, addresses and links of a message: personal data of its recipient.
inline constexpr std::string_view kBlankMessageAssignments =
    "to_address = '', to_name = '', subject = '', body_text = '', body_html = '', "
    "unsubscribe_url = '' ";

}  // namespace consentd::storage::rows
