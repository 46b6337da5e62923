// Helpers shared by the PgTx implementation files. Internal to storage/postgres.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "storage/postgres/pg_db.h"
#include "storage/row_readers.h"

namespace consentd::storage::rows {

// The first row of `r` read with `read`, or kNotFound naming `what`.
template <typename T>
core::Result<T> OneOrNotFound(core::Result<PgResult> r, T (*read)(const PgRow&),
                              std::string_view what) {
  if (!r) return r.error();
  if (r->rows() == 0) return core::NotFound(std::string(what) + " not found");
  return read(r->row(0));
}

// The first row of `r` read with `read`, if any.
template <typename T>
core::Result<std::optional<T>> OneOrNone(core::Result<PgResult> r, T (*read)(const PgRow&)) {
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<T>();
  return std::optional<T>(read(r->row(0)));
}

// Every row of `r` read with `read`.
template <typename T>
core::Result<std::vector<T>> AllRows(core::Result<PgResult> r, T (*read)(const PgRow&)) {
  if (!r) return r.error();
  std::vector<T> rows;
  rows.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) rows.push_back(read(r->row(i)));
  return rows;
}

// The id in the first column of the first row (INSERT … RETURNING id).
inline core::Result<std::int64_t> ReturnedId(core::Result<PgResult> r) {
  if (!r) return r.error();
  if (r->rows() == 0) return core::Internal("INSERT returned no id");
  return r->row(0).ColumnInt(0);
}

// OK when the statement ran (its rows, if any, are not needed).
inline core::Status Ran(core::Result<PgResult> r) {
  if (!r) return r.error();
  return {};
}

// OK when the statement changed a row, else kNotFound naming `what`.
inline core::Status ChangedOrNotFound(core::Result<PgResult> r, const std::string& what) {
  if (!r) return r.error();
  if (r->affected() == 0) return core::NotFound(what + " not found");
  return {};
}

}  // namespace consentd::storage::rows
