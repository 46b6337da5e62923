// Helpers shared by the SqliteTx implementation files: binding and reading rows.
// Internal to storage/sqlite.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "storage/row_readers.h"
#include "storage/sqlite/sqlite_db.h"

namespace consentd::storage::rows {

inline std::optional<std::string> IsoOrNull(const std::optional<core::Time>& t) {
  if (!t) return std::nullopt;
  return core::FormatIso(*t);
}
inline std::string IsoOrEmpty(const std::optional<core::Time>& t) {
  return t ? core::FormatIso(*t) : "";
}

inline Statement& BindOptionalText(Statement& s, int index, const std::optional<std::string>& v) {
  return v ? s.Bind(index, *v) : s.BindNull(index);
}

// The first row read with `read`, or kNotFound naming `what`.
template <typename T>
core::Result<T> OneOrNotFound(Statement& s, T (*read)(const Statement&), std::string_view what) {
  if (s.Step()) return read(s);
  if (!s.status()) return s.status().error();
  return core::NotFound(std::string(what) + " not found");
}

// Every row read with `read`.
template <typename T>
core::Result<std::vector<T>> AllRows(Statement& s, T (*read)(const Statement&)) {
  std::vector<T> rows;
  while (s.Step()) rows.push_back(read(s));
  if (!s.status()) return s.status().error();
  return rows;
}

}  // namespace consentd::storage::rows
