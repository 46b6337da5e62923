// Columns and row reader of import_jobs, shared by the SQLite and PostgreSQL stores.
// Internal to storage/.
#pragma once

#include <string_view>

#include "core/import_job.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

inline constexpr std::string_view kImportJobColumns =
    "id, tenant_id, user_id, file_name, state, total_rows, processed_rows, inserted, updated, "
    "unchanged, errors, failure, created_at, updated_at, finished_at";

template <typename Row>
core::ImportJob ReadImportJob(const Row& s) {
  core::ImportJob j;
  j.id = s.ColumnInt(0);
  j.tenant_id = s.ColumnInt(1);
  j.user_id = s.ColumnInt(2);
  j.file_name = s.ColumnText(3);
  j.state = core::ParseImportJobState(s.ColumnText(4)).value_or(core::ImportJobState::kFailed);
  j.total_rows = s.ColumnInt(5);
  j.processed_rows = s.ColumnInt(6);
  j.inserted = s.ColumnInt(7);
  j.updated = s.ColumnInt(8);
  j.unchanged = s.ColumnInt(9);
  j.errors = s.ColumnText(10);
  j.failure = s.ColumnText(11);
  j.created_at = TimeOf(s.ColumnText(12));
  j.updated_at = TimeOf(s.ColumnText(13));
  j.finished_at = OptionalTimeOf(s.ColumnOptionalText(14));
  return j;
}

}  // namespace consentd::storage::rows
