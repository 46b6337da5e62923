// What only the PostgreSQL store promises: the database itself keeps tenants apart, and
// several nodes on one database neither fork a chain nor send a message twice.
#include "storage/postgres/pg_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "app/evidence.h"
#include "storage/postgres/pg_db.h"
#include "testing/fixtures.h"

namespace consentd::storage {
namespace {

using testing::Backend;
using testing::StoreFixture;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = testing::PgTestDatabase::Unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
    f_ = std::make_unique<StoreFixture>(Backend::kPostgres);
  }
  StoreFixture& f() { return *f_; }

  // A raw connection as the application role, as any code of consentd would have.
  std::unique_ptr<PgConn> AppConnection() { return PgConn::Open(f().pg->app_url()).value(); }

  std::int64_t Count(PgConn& db, const std::string& sql) {
    auto r = db.QueryOnce(sql);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->row(0).ColumnInt(0) : -1;
  }

 private:
  std::unique_ptr<StoreFixture> f_;
};

// Pipeline mode (pg_db.h): a statement sent without waiting reports its failure at the next
// answer read; what was sent with it did not stay (outside a transaction they were one
// implicit transaction); the connection then works as before, and a statement whose
// preparation failed is prepared again when it is used again.
TEST_F(PgStoreTest, ASentStatementReportsItsFailureAtTheNextAnswer) {
  auto db = AppConnection();
  ASSERT_TRUE(db->Exec("CREATE TEMP TABLE sent (n int)"));
  db->Send("INSERT INTO sent VALUES (1)");
  db->Send("SELECT 1 / 0");
  db->Send("INSERT INTO sent VALUES (2)");
  auto after = db->Query("SELECT count(*) FROM sent");
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().message.find("division by zero"), std::string::npos)
      << after.error().message;
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM sent"), 0);
  EXPECT_TRUE(db->Settle());  // nothing left unanswered
  db->Send("INSERT INTO sent VALUES (1)");
  EXPECT_TRUE(db->Settle());

  for (int attempt = 0; attempt < 2; ++attempt) {
    db->Send("SELEC 1");
    auto settled = db->Settle();
    ASSERT_FALSE(settled);
    EXPECT_NE(settled.error().message.find("syntax error"), std::string::npos)
        << settled.error().message;
  }
  auto fine = db->Query("SELECT 7");
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(fine->row(0).ColumnInt(0), 7);

  ASSERT_TRUE(db->Exec("BEGIN"));
  db->Send("INSERT INTO sent VALUES (3)");
  db->Send("SELECT 1 / 0");
  EXPECT_FALSE(db->Settle());
  EXPECT_TRUE(db->in_failed_transaction());
  ASSERT_TRUE(db->Exec("ROLLBACK"));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM sent"), 1);
}

// Connections the server closed (a restart, an idle timeout, an operator) are replaced
// before they are used: the next read and the next write work.
TEST_F(PgStoreTest, ConnectionsTheServerClosedAreReplaced) {
  auto tenant = f().AddTenant("a");
  f().AddContact(tenant, "before@example.com");
  ASSERT_TRUE(testing::ContactExists(*f().store, tenant, "before@example.com"));  // a reader
  auto db = AppConnection();
  auto closed = db->Query(
      "WITH mine AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE usename = current_user "
      "AND datname = current_database() AND pid <> pg_backend_pid()) "
      "SELECT count(*) FROM mine WHERE pg_terminate_backend(pid, 5000)");
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_GE(closed->row(0).ColumnInt(0), 2);  // the writer and the pooled reader
  EXPECT_TRUE(testing::ContactExists(*f().store, tenant, "before@example.com"));
  auto wrote = f().store->Write([&](core::WriteTx& tx) -> core::Status {
    auto id = tx.InsertContact(testing::NewContact(tenant, "after@example.com"));
    if (!id) return id.error();
    return {};
  });
  EXPECT_TRUE(wrote) << wrote.error().message;
  EXPECT_TRUE(testing::ContactExists(*f().store, tenant, "after@example.com"));
}

TEST_F(PgStoreTest, WithoutATenantTheApplicationRoleSeesNothing) {
  auto a = f().AddTenant("a"), b = f().AddTenant("b");
  f().AddContact(a, "a@example.com");
  f().AddContact(b, "b@example.com");
  (void)f().Link(a, 1);
  auto db = AppConnection();
  for (const char* table : {"tenants", "users", "contacts", "link_tokens", "activities",
                            "activity_payloads", "consents", "templates", "chain_heads"}) {
    EXPECT_EQ(Count(*db, std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
  ASSERT_TRUE(
      db->Exec("SELECT set_config('consentd.tenant_id', '" + std::to_string(a) + "', false)"));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM contacts"), 1);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM contacts WHERE tenant_id <> " + std::to_string(a)), 0);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM tenants"), 1);
}

TEST_F(PgStoreTest, TheApplicationRoleCannotWriteIntoAnotherTenant) {
  auto a = f().AddTenant("a"), b = f().AddTenant("b");
  auto victim = f().AddContact(b, "b@example.com");
  auto db = AppConnection();
  ASSERT_TRUE(
      db->Exec("SELECT set_config('consentd.tenant_id', '" + std::to_string(a) + "', false)"));
  EXPECT_FALSE(db->Exec("INSERT INTO contacts (tenant_id, created_at, updated_at) VALUES (" +
                        std::to_string(b) + ", now(), now())"));
  auto updated =
      db->QueryOnce("UPDATE contacts SET nachname = 'x' WHERE id = " + std::to_string(victim));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->affected(), 0);
  EXPECT_FALSE(db->Exec("UPDATE activities SET type = 'x'"));  // no privilege, whatever the rows
  EXPECT_FALSE(db->Exec("ALTER TABLE contacts DISABLE ROW LEVEL SECURITY"));
  EXPECT_FALSE(db->Exec("INSERT INTO schema_migrations (version, name) VALUES (99, 'x')"));
}

TEST_F(PgStoreTest, RefusesToRunAsTheOwnerOrWithAnOutdatedSchema) {
  PgOptions confined;
  confined.require_confined_role = true;
  auto as_owner = OpenPgStore(f().pg->owner_url(), confined).value()->Migrate();
  ASSERT_FALSE(as_owner);
  EXPECT_EQ(as_owner.error().code, core::ErrorCode::kPermissionDenied);

  ASSERT_TRUE(
      f().pg->ExecAsOwner("INSERT INTO schema_migrations (version, name) "
                          "VALUES (9999, 'future')"));
  auto store = OpenPgStore(f().pg->app_url(), confined).value();
  auto checked = store->Migrate();
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("newer"), std::string::npos);

  ASSERT_TRUE(f().pg->ExecAsOwner("DELETE FROM schema_migrations"));
  auto older = store->Migrate();
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().message.find("consentd migrate"), std::string::npos);
}

// A read that throws is an error, and its pooled connection goes back to the pool: with a
// pool of one, the next read still gets a connection.
TEST_F(PgStoreTest, AThrowingReadGivesItsConnectionBack) {
  PgOptions options;
  options.max_readers = 1;
  options.require_confined_role = true;
  auto store = OpenPgStore(f().pg->app_url(), options).value();
  auto thrown = store->Read([](core::ReadTx&) -> core::Status { throw std::runtime_error("bug"); });
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, core::ErrorCode::kInternal);
  auto next = std::async(std::launch::async, [&] {
    return store->Read([](core::ReadTx& tx) -> core::Status {
      return tx.ServerSecret().has_value() ? core::Status() : core::Internal("no secret");
    });
  });
  ASSERT_EQ(next.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "the second read waited for a connection that was never given back";
  EXPECT_TRUE(next.get());
}

// Two nodes append to one tenant's chain at the same time; the locked chain head makes
// them take turns, so the chain verifies and has no gaps.
TEST_F(PgStoreTest, NodesAppendingAtOnceNeverForkTheChain) {
  auto tenant = f().AddTenant("a");
  auto contact = f().AddContact(tenant, "a@example.com");
  constexpr int kPerThread = 40;
  const std::int64_t before = app::VerifyChains(*f().store, f().crypto).value()[0].checked;
  std::vector<std::unique_ptr<core::Store>> nodes;
  nodes.push_back(f().OpenAnother());
  nodes.push_back(f().OpenAnother());
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      core::Store& node = *nodes[t % 2];
      for (int i = 0; i < kPerThread; ++i) {
        auto s = node.Write([&](core::WriteTx& tx) {
          return app::AppendActivity(tx, f().crypto, tenant, contact,
                                     core::ActivityType::kDatenaenderung, 1, f().clock.Now(),
                                     nlohmann::json{{"thread", t}, {"i", i}});
        });
        if (!s) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto chains = app::VerifyChains(*f().store, f().crypto).value();
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_FALSE(chains[0].broken_at_seq) << chains[0].problem;
  EXPECT_EQ(chains[0].checked, before + 4 * kPerThread);
}

// Acts as the consent page writes them — the contact row, then the evidence — from two
// nodes on the same few contacts of two tenants at once. Each unit takes its tenant's chain
// head before any other row, so no two transactions wait for each other: every act commits.
TEST_F(PgStoreTest, NodesWritingTheSameContactsNeverDeadlock) {
  const core::TenantId tenants[] = {f().AddTenant("a"), f().AddTenant("b")};
  std::vector<std::pair<core::TenantId, core::ContactId>> contacts;
  for (auto t : tenants) {
    for (int i = 0; i < 3; ++i) {
      contacts.emplace_back(t, f().AddContact(t, "c" + std::to_string(i) + "@example.com"));
    }
  }
  std::vector<std::unique_ptr<core::Store>> nodes;
  nodes.push_back(f().OpenAnother());
  nodes.push_back(f().OpenAnother());
  std::atomic<int> failures = 0;
  std::string first_failure;
  std::mutex failure_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      core::Store& node = *nodes[t % 2];
      for (int i = 0; i < 30; ++i) {
        const auto [tenant, id] = contacts[(t * 7 + i) % contacts.size()];
        auto s = node.Write([&, tenant = tenant, id = id](core::WriteTx& tx) -> core::Status {
          auto c = tx.FindContact(tenant, id);
          if (!c) return c.error();
          c->data.ort = "Ort " + std::to_string(i);
          CONSENTD_RETURN_IF_ERROR(tx.UpdateContact(*c));
          return app::AppendActivity(tx, f().crypto, tenant, id,
                                     core::ActivityType::kDatenaenderung, 1, f().clock.Now(),
                                     nlohmann::json{{"thread", t}, {"i", i}});
        });
        if (!s) {
          std::lock_guard lock(failure_mu);
          if (failures++ == 0) first_failure = s.error().message;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0) << first_failure;
  for (const auto& report : app::VerifyChains(*f().store, f().crypto).value()) {
    EXPECT_FALSE(report.broken_at_seq) << report.problem;
  }
}

// Two nodes claim due messages concurrently: every message is leased by exactly one.
TEST_F(PgStoreTest, NodesClaimEveryDueMessageExactlyOnce) {
  auto tenant = f().AddTenant("a");
  auto contact = f().AddContact(tenant, "a@example.com");
  constexpr int kMessages = 600;
  ASSERT_TRUE(f().store->Write([&](core::WriteTx& tx) -> core::Status {
    for (int i = 0; i < kMessages; ++i) {
      core::Message m;
      m.tenant_id = tenant;
      m.kind = core::MessageKind::kLinkRequest;
      m.contact_id = contact;
      m.state = core::MessageState::kQueued;
      m.to_address = "a@example.com";
      m.created_at = f().clock.Now();
      CONSENTD_RETURN_IF_ERROR(tx.InsertMessage(m));
    }
    return {};
  }));
  std::vector<std::unique_ptr<core::Store>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(f().OpenAnother());
  std::vector<std::vector<std::int64_t>> claimed(nodes.size());
  std::vector<std::thread> threads;
  const core::Time now = f().clock.Now();
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    threads.emplace_back([&, n] {
      for (;;) {
        std::vector<core::Message> batch;
        auto s = nodes[n]->Write([&](core::WriteTx& tx) -> core::Status {
          auto got = tx.ClaimDueMessages(now, now + std::chrono::minutes(5), 50, 25);
          if (!got) return got.error();
          batch = std::move(*got);
          return {};
        });
        ASSERT_TRUE(s) << s.error().message;
        if (batch.empty()) return;
        for (const auto& m : batch) claimed[n].push_back(m.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::int64_t> all;
  std::size_t total = 0;
  for (const auto& ids : claimed) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
    EXPECT_FALSE(ids.empty()) << "every node should have claimed some";
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kMessages));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMessages));
}

}  // namespace
}  // namespace consentd::storage
