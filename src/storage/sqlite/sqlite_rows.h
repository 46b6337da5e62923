// Helpers shared by the SqliteTx implementation files: reading rows and converting times.
// Internal to storage/sqlite.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "storage/sqlite/sqlite_db.h"

namespace consentd::storage::rows {

// Times are stored as ISO 8601 text (core::FormatIso); a NULL or empty column is "none".
inline core::Time TimeOf(const std::string& text) {
  return core::ParseIso(text).value_or(core::Time{});
}
inline std::optional<core::Time> OptionalTimeOf(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return core::ParseIso(*text);
}
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

// "SELECT <columns> <rest>".
inline std::string Select(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
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
