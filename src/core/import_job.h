// A CSV import started in the admin UI, run in the background. Its progress lives in the
// database so that any node can answer the browser's poll.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

enum class ImportJobState { kRunning, kDone, kFailed };

inline std::string_view ImportJobStateKey(ImportJobState s) {
  switch (s) {
    case ImportJobState::kRunning:
      return "running";
    case ImportJobState::kDone:
      return "done";
    case ImportJobState::kFailed:
      return "failed";
  }
  return "failed";
}

inline std::optional<ImportJobState> ParseImportJobState(std::string_view key) {
  if (key == "running") return ImportJobState::kRunning;
  if (key == "done") return ImportJobState::kDone;
  if (key == "failed") return ImportJobState::kFailed;
  return std::nullopt;
}

struct ImportJob {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  UserId user_id = 0;  // who started it
  std::string file_name;
  ImportJobState state = ImportJobState::kRunning;
  std::int64_t total_rows = 0;  // data rows of the file (the header not counted)
  std::int64_t processed_rows = 0;
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::string errors = "[]";  // JSON array of {line, field, message_de, message_en}
  std::string failure;        // why the whole file was refused (German), when failed
  Time created_at{};
  Time updated_at{};
  std::optional<Time> finished_at;
};

}  // namespace consentd::core
