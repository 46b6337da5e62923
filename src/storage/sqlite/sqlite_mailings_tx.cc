// SqliteTx: reads of the admin UI's mailing screens.
#include <limits>

#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_tx.h"

namespace consentd::storage {

using core::Result;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

namespace {

// Keyset page on the primary key (tenant_id, id); 9223372036854775807 stands for "no bound".
constexpr std::string_view kListMailings =
    "FROM mailings WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

}  // namespace

Result<std::vector<core::Mailing>> SqliteTx::ListMailings(core::TenantId tenant,
                                                          core::MailingId before_id, int limit) {
  Statement s(db_, Select(kMailingColumns, kListMailings));
  s.Bind(1, tenant)
      .Bind(2, before_id > 0 ? before_id : std::numeric_limits<core::MailingId>::max())
      .Bind(3, static_cast<std::int64_t>(limit));
  return AllRows(s, ReadMailing<Statement>);
}

}  // namespace consentd::storage
