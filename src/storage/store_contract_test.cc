// The store contract: what every core::Store must do, run against SQLite and PostgreSQL.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "app/evidence.h"
#include "testing/fixtures.h"

namespace consentd::storage {
namespace {

using testing::Backend;
using testing::ContactExists;
using testing::NewContact;
using testing::StoreFixture;

core::Status InsertContact(core::WriteTx& tx, core::TenantId tenant, const std::string& email) {
  auto id = tx.InsertContact(NewContact(tenant, email));
  return id ? core::Status() : core::Status(id.error());
}

// Appends the tenant's first activity (seq 1).
core::Status AppendFirstActivity(StoreFixture& f, core::TenantId tenant, core::ContactId contact) {
  return f.store->Write([&](core::WriteTx& tx) -> core::Status {
    return app::AppendActivity(tx, f.crypto, tenant, contact, core::ActivityType::kEinwilligung, 1,
                               f.clock.Now(), nlohmann::json{{"act", "first"}});
  });
}

// A unit that inserts "partial@example.com", then appends an activity at the seq the first
// activity took: the unit fails. On PostgreSQL the append answers success, before the
// server has run it, and fails when the unit's answers are read.
core::WriteFn ForkingUnit(StoreFixture& f, core::TenantId tenant, core::ContactId contact) {
  return [&f, tenant, contact](core::WriteTx& tx) -> core::Status {
    CONSENTD_RETURN_IF_ERROR(InsertContact(tx, tenant, "partial@example.com"));
    auto head = tx.LockChainHead(tenant);
    if (!head) return head.error();
    core::Activity a;
    a.tenant_id = tenant;
    a.seq = head->seq;  // taken by the first activity
    a.contact_id = contact;
    a.type = core::ActivityType::kEinwilligung;
    a.author_user_id = 1;
    a.created_at = f.clock.Now();
    a.payload = "{}";
    a.payload_sha256 = f.crypto.Sha256Hex(a.payload);
    a.prev_hash = head->hash;
    a.hash = f.crypto.Sha256Hex(core::ChainInput(a));
    return tx.AppendActivity(a);
  };
}

// After ForkingUnit and a unit inserting "next@example.com": only the latter's contact is
// there, and the chain holds the first activity alone, intact.
void ExpectOnlyTheNextUnitStayed(StoreFixture& f, core::TenantId tenant) {
  EXPECT_FALSE(ContactExists(*f.store, tenant, "partial@example.com"));
  EXPECT_TRUE(ContactExists(*f.store, tenant, "next@example.com"));
  auto chains = app::VerifyChains(*f.store, f.crypto).value();
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chains[0].checked, 1);
  EXPECT_TRUE(chains[0].problem.empty()) << chains[0].problem;
}

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      const std::string why = testing::PgTestDatabase::Unavailable();
      if (!why.empty()) GTEST_SKIP() << why;
    }
    f_ = std::make_unique<StoreFixture>(GetParam());
  }
  StoreFixture& f() { return *f_; }

 private:
  std::unique_ptr<StoreFixture> f_;
};

TEST_P(StoreContractTest, MigrateIsIdempotent) { EXPECT_EQ(f().store->Migrate().value(), 0); }

TEST_P(StoreContractTest, EveryLookupIsScopedToItsTenant) {
  auto a = f().AddTenant("a"), b = f().AddTenant("b");
  auto contact = f().AddContact(a, "erika@example.com");
  ASSERT_TRUE(f().store->Read([&](core::ReadTx& tx) -> core::Status {
    EXPECT_TRUE(tx.FindContact(a, contact));
    auto other = tx.FindContact(b, contact);
    EXPECT_EQ(other.error().code, core::ErrorCode::kNotFound);
    EXPECT_FALSE(tx.FindContactByEmail(b, "erika@example.com"));
    EXPECT_TRUE(tx.ListSearchProfiles(b, contact)->empty());
    EXPECT_TRUE(tx.ListActivities(b, contact)->empty());
    EXPECT_EQ(tx.ListContacts(b, 0, 100)->size(), 0u);
    EXPECT_EQ(tx.ListContacts(a, 0, 100)->size(), 1u);
    return {};
  }));
  core::Status wrong_tenant_update = f().store->Write([&](core::WriteTx& tx) -> core::Status {
    auto c = NewContact(b, "x@example.com");
    c.id = contact;
    return tx.UpdateContact(c);
  });
  EXPECT_EQ(wrong_tenant_update.error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(ContactExists(*f().store, a, "erika@example.com"));
}

TEST_P(StoreContractTest, LookupsBeforeATenantIsKnownFindEveryTenant) {
  auto a = f().AddTenant("a"), b = f().AddTenant("b");
  f().AddContact(a, "same@example.com");
  f().AddContact(b, "Same@Example.com");
  const std::string token = f().Link(b, f().AddContact(b, "other@example.com"));
  ASSERT_TRUE(f().store->Read([&](core::ReadTx& tx) -> core::Status {
    EXPECT_EQ(tx.FindContactsByEmailAnyTenant("SAME@example.com")->size(), 2u);
    EXPECT_EQ(tx.ListTenants()->size(), 2u);
    EXPECT_EQ(tx.FindTenantBySlug("b")->id, b);
    EXPECT_FALSE(tx.FindTenantBySlug("c"));
    EXPECT_FALSE(tx.ServerSecret()->empty());
    return {};
  }));
  EXPECT_FALSE(token.empty());
}

TEST_P(StoreContractTest, EmailIsUniquePerTenantOnly) {
  auto a = f().AddTenant("a"), b = f().AddTenant("b");
  f().AddContact(a, "same@example.com");
  f().AddContact(b, "same@example.com");
  auto dup =
      f().store->Write([&](core::WriteTx& tx) { return InsertContact(tx, a, "SAME@example.com"); });
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreContractTest, ActivitiesAreAppendOnly) {
  auto a = f().AddTenant("a");
  auto c = f().AddContact(a, "erika@example.com");
  ASSERT_TRUE(f().store->Write([&](core::WriteTx& tx) -> core::Status {
    return app::AppendActivity(tx, f().crypto, a, c, core::ActivityType::kEinwilligung, 1,
                               f().clock.Now(), nlohmann::json{{"act", "test"}});
  }));
  EXPECT_FALSE(f().ExecRaw("UPDATE activities SET type = 'Widerruf'"));
  EXPECT_FALSE(f().ExecRaw("DELETE FROM activities"));
  auto chains = app::VerifyChains(*f().store, f().crypto).value();
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chains[0].checked, 1);
}

// Units queued by one thread run in order; one that fails (or throws) is rolled back alone.
TEST_P(StoreContractTest, QueuedUnitsKeepTheirOrderAndFailOnTheirOwn) {
  auto tenant = f().AddTenant("a");
  std::vector<std::future<core::Status>> results;
  for (int i = 0; i < 40; ++i) {
    results.push_back(f().store->WriteAsync([tenant, i](core::WriteTx& tx) -> core::Status {
      CONSENTD_RETURN_IF_ERROR(InsertContact(tx, tenant, "q" + std::to_string(i) + "@example.com"));
      if (i % 3 == 1) return core::InvalidArgument("fails after writing");
      if (i == 5) throw std::runtime_error("a bug in one unit");
      return {};
    }));
  }
  for (int i = 0; i < 40; ++i) {
    const bool should_commit = i % 3 != 1 && i != 5;
    EXPECT_EQ(results[i].get().has_value(), should_commit) << i;
    EXPECT_EQ(ContactExists(*f().store, tenant, "q" + std::to_string(i) + "@example.com"),
              should_commit)
        << i;
  }
  std::vector<core::ContactId> ids;
  ASSERT_TRUE(f().store->Read([&](core::ReadTx& tx) -> core::Status {
    for (const auto& c : tx.ListContacts(tenant, 0, 100).value()) ids.push_back(c.id);
    return {};
  }));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

// A unit that swallows a failed statement and reports success must not commit a partial
// unit, nor break the other units of its batch.
TEST_P(StoreContractTest, AUnitThatIgnoresAFailedStatementStillLeavesOthersIntact) {
  auto tenant = f().AddTenant("a");
  f().AddContact(tenant, "taken@example.com");
  auto sloppy = f().store->WriteAsync([tenant](core::WriteTx& tx) -> core::Status {
    (void)InsertContact(tx, tenant, "taken@example.com");  // conflict, ignored
    (void)InsertContact(tx, tenant, "after@example.com");
    return {};
  });
  auto fine = f().store->WriteAsync(
      [tenant](core::WriteTx& tx) { return InsertContact(tx, tenant, "fine@example.com"); });
  (void)sloppy.get();
  EXPECT_TRUE(fine.get());
  EXPECT_TRUE(ContactExists(*f().store, tenant, "fine@example.com"));
  EXPECT_TRUE(ContactExists(*f().store, tenant, "taken@example.com"));
}

// A write may fail after its call returned (core::WriteTx: PostgreSQL sends it without
// waiting). Its unit fails all the same, as a whole, and the next unit of the batch is not
// touched: here an activity that does not follow the chain head (its seq is taken).
TEST_P(StoreContractTest, AWriteThatFailsLaterFailsItsWholeUnitOnly) {
  auto tenant = f().AddTenant("a");
  auto contact = f().AddContact(tenant, "erika@example.com");
  ASSERT_TRUE(AppendFirstActivity(f(), tenant, contact));
  auto forked = f().store->WriteAsync(ForkingUnit(f(), tenant, contact));
  auto next = f().store->WriteAsync(
      [tenant](core::WriteTx& tx) { return InsertContact(tx, tenant, "next@example.com"); });
  EXPECT_FALSE(forked.get());
  EXPECT_TRUE(next.get());
  ExpectOnlyTheNextUnitStayed(f(), tenant);
}

// The unit after one whose write fails later shares its batch (the writer is held until
// both are queued). On PostgreSQL it runs while the failing unit's answers are still on the
// wire, may see that failure, and then runs again: what counts is its last run, which sees
// none of the failed unit's work and commits.
TEST_P(StoreContractTest, TheUnitAfterOneThatFailsLaterCommitsWhatItsLastRunSaw) {
  auto tenant = f().AddTenant("a");
  auto contact = f().AddContact(tenant, "erika@example.com");
  ASSERT_TRUE(AppendFirstActivity(f(), tenant, contact));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto held = f().store->WriteAsync([released](core::WriteTx&) -> core::Status {
    released.wait();
    return {};
  });
  auto forked = f().store->WriteAsync(ForkingUnit(f(), tenant, contact));
  int runs = 0;
  bool saw_partial = true;
  auto next = f().store->WriteAsync([&](core::WriteTx& tx) -> core::Status {
    ++runs;
    auto partial = tx.FindContactByEmail(tenant, "partial@example.com");
    if (!partial && partial.error().code != core::ErrorCode::kNotFound) return partial.error();
    saw_partial = partial.has_value();
    return InsertContact(tx, tenant, "next@example.com");
  });
  release.set_value();
  ASSERT_TRUE(held.get());
  EXPECT_FALSE(forked.get());
  EXPECT_TRUE(next.get());
  EXPECT_FALSE(saw_partial) << "the last run saw the failed unit's contact";
  EXPECT_EQ(runs, f().pg ? 2 : 1) << "on PostgreSQL its first run saw the failure";
  ExpectOnlyTheNextUnitStayed(f(), tenant);
}

// A writer process (src/testing/store_kill_writer.cc) inserts contacts and reports each
// acknowledged one through a pipe; it is killed with SIGKILL mid-stream. Every acknowledged
// write must be there afterwards.
TEST_P(StoreContractTest, NoAcknowledgedWriteIsLostOnKill) {
  auto tenant = f().AddTenant("crash");
  const std::string backend = testing::BackendName(GetParam());
  const std::string where = f().pg ? f().pg->app_url() : f().dir.File("test.db");
  const std::string tenant_arg = std::to_string(tenant);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv = {const_cast<char*>(CONSENTD_STORE_KILL_WRITER),
                             const_cast<char*>(backend.c_str()), const_cast<char*>(where.c_str()),
                             const_cast<char*>(tenant_arg.c_str()), nullptr};
  pid_t child = 0;
  const int spawned = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  ASSERT_EQ(spawned, 0) << CONSENTD_STORE_KILL_WRITER;

  // Up to a minute for 300 acknowledgements; a writer that hangs fails the test, not ctest.
  std::vector<int> acknowledged;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int n = 0;
  while (acknowledged.size() < 300 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    if (read(fds[0], &n, sizeof n) != sizeof n) break;
    acknowledged.push_back(n);
  }
  kill(child, SIGKILL);
  while (read(fds[0], &n, sizeof n) == sizeof n) acknowledged.push_back(n);
  waitpid(child, nullptr, 0);
  close(fds[0]);

  ASSERT_GE(acknowledged.size(), 300u);
  auto store = f().OpenAnother();
  for (int k : acknowledged) {
    ASSERT_TRUE(ContactExists(*store, tenant, "k" + std::to_string(k) + "@example.com")) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) {
                           return testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace consentd::storage
