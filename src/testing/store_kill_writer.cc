// The writer of StoreContractTest.NoAcknowledgedWriteIsLostOnKill: inserts contacts from four
// threads and reports each acknowledged one on stdout (the contact's number as a native int)
// until it is killed.
//
//   store_kill_writer sqlite <file> <tenant id>
//   store_kill_writer postgres <app url> <tenant id>
//
// A program of its own rather than a fork of the test: a forked child of a process with
// running threads inherits whatever lock another thread held (allocator, libpq) and may
// hang on it for ever.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace {

using consentd::core::Store;

std::unique_ptr<Store> Open(const std::string& backend, const std::string& where) {
  if (backend == "sqlite") {
    auto s = consentd::storage::OpenSqliteStore(where);
    if (!s) return nullptr;
    return std::move(*s);
  }
  consentd::storage::PgOptions options;
  options.require_confined_role = true;
  auto s = consentd::storage::OpenPgStore(where, options);
  if (!s) return nullptr;
  return std::move(*s);
}

void WriteUntilKilled(Store& store, consentd::core::TenantId tenant, int thread) {
  for (int i = 0;; ++i) {
    const int n = thread * 1000000 + i;
    auto written = store.Write([&](consentd::core::WriteTx& tx) -> consentd::core::Status {
      consentd::core::Contact c;
      c.tenant_id = tenant;
      c.data.email = "k" + std::to_string(n) + "@example.com";
      c.data.nachname = "Test";
      auto id = tx.InsertContact(c);
      return id ? consentd::core::Status() : consentd::core::Status(id.error());
    });
    if (written && write(STDOUT_FILENO, &n, sizeof n) != sizeof n) _exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_kill_writer sqlite|postgres <where> <tenant id>\n");
    return 2;
  }
  auto store = Open(argv[1], argv[2]);
  if (!store) {
    std::fprintf(stderr, "store_kill_writer: cannot open the %s store\n", argv[1]);
    return 1;
  }
  const consentd::core::TenantId tenant{std::strtoll(argv[3], nullptr, 10)};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { WriteUntilKilled(*store, tenant, t); });
  for (auto& th : threads) th.join();
  return 0;
}
