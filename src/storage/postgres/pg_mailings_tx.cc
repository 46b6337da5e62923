// PgTx: reads of the admin UI's mailing screens.
#include <limits>

#include "storage/postgres/pg_rows.h"
#include "storage/postgres/pg_tx.h"

namespace consentd::storage {

using core::Result;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

namespace {

// Keyset page on the primary key (tenant_id, id).
constexpr std::string_view kListMailings =
    "FROM mailings WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";

}  // namespace

Result<std::vector<core::Mailing>> PgTx::ListMailings(core::TenantId tenant,
                                                      core::MailingId before_id, int limit) {
  const core::MailingId bound =
      before_id > 0 ? before_id : std::numeric_limits<core::MailingId>::max();
  return AllRows(
      TenantQuery(tenant, Select(kMailingColumns, kListMailings),
                  PgParams().Add(tenant).Add(bound).Add(static_cast<std::int64_t>(limit))),
      ReadMailing<PgRow>);
}

}  // namespace consentd::storage
