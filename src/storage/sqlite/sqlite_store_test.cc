#include "storage/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_db.h"
#include "testing/fixtures.h"

namespace consentd::storage {
namespace {

using testing::ContactExists;
using testing::NewContact;
using testing::StoreFixture;
using testing::TempDir;

TEST(SqliteStoreTest, RefusesADatabaseFromANewerConsentd) {
  TempDir dir;
  auto store = OpenSqliteStore(dir.File("db")).value();
  ASSERT_TRUE(store->Migrate());
  {
    auto db = SqliteDb::Open(dir.File("db")).value();
    ASSERT_TRUE(db->Exec("INSERT INTO schema_migrations VALUES (9999, 'future', 'x')"));
  }
  auto again = store->Migrate();
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("newer"), std::string::npos);
}

// Holds the writer inside one unit until `expected` more units are queued behind it, so the
// next batch is known exactly. Deterministic: no sleeps.
class QueueGate {
 public:
  void Enqueued() {
    std::lock_guard lock(mu_);
    ++queued_;
    cv_.notify_all();
  }
  void WaitForQueued(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return queued_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int queued_ = 0;
};

TEST(SqliteStoreTest, ConcurrentUnitsShareOneCommitAndFailOnTheirOwn) {
  constexpr int kUnits = 20;
  QueueGate gate;
  std::mutex batches_mu;
  std::vector<int> batches;
  SqliteOptions options;
  options.on_enqueue_for_test = [&] { gate.Enqueued(); };
  options.on_commit_for_test = [&](int n) {
    std::lock_guard lock(batches_mu);
    batches.push_back(n);
  };
  StoreFixture f(options);
  auto tenant = f.AddTenant("a");
  batches.clear();

  std::promise<void> blocker_running;
  std::thread blocker([&] {
    ASSERT_TRUE(f.store->Write([&](core::WriteTx&) -> core::Status {
      blocker_running.set_value();
      gate.WaitForQueued(kUnits + 2);  // the writers, the blocker itself, AddTenant's unit
      return {};
    }));
  });
  blocker_running.get_future().wait();
  std::vector<std::thread> writers;
  std::vector<core::Status> results(kUnits);
  for (int i = 0; i < kUnits; ++i) {
    writers.emplace_back([&, i] {
      results[i] = f.store->Write([&, i](core::WriteTx& tx) -> core::Status {
        auto id = tx.InsertContact(NewContact(tenant, "u" + std::to_string(i) + "@example.com"));
        if (!id) return id.error();
        if (i % 2 == 1) return core::InvalidArgument("odd units fail after writing");
        if (i == 4) throw std::runtime_error("a bug in one unit");
        return {};
      });
    });
  }
  blocker.join();
  for (auto& w : writers) w.join();

  for (int i = 0; i < kUnits; ++i) {
    bool should_commit = i % 2 == 0 && i != 4;
    EXPECT_EQ(results[i].has_value(), should_commit) << i;
    EXPECT_EQ(ContactExists(*f.store, tenant, "u" + std::to_string(i) + "@example.com"),
              should_commit)
        << i;
  }
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], 1);
  EXPECT_EQ(batches[1], kUnits);
}

TEST(SqliteStoreTest, MaxBatchOneCommitsEveryUnitAlone) {
  std::mutex mu;
  std::vector<int> batches;
  SqliteOptions options;
  options.max_batch = 1;
  options.on_commit_for_test = [&](int n) {
    std::lock_guard lock(mu);
    batches.push_back(n);
  };
  StoreFixture f(options);
  auto tenant = f.AddTenant("a");
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      EXPECT_TRUE(f.store->Write([&](core::WriteTx& tx) -> core::Status {
        auto id = tx.InsertContact(NewContact(tenant, "m" + std::to_string(i) + "@example.com"));
        return id ? core::Status() : core::Status(id.error());
      }));
    });
  }
  for (auto& w : writers) w.join();
  for (int n : batches) EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace consentd::storage
