// Test-only helpers: a settable clock and a throwaway store — an SQLite file, or a fresh
// database on the test PostgreSQL cluster (tests/pg/cluster) when CONSENTD_TEST_PG_FILE
// names the file holding its owner URL.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <ostream>
#include <random>
#include <string>

#include "app/admin.h"
#include "core/ports.h"
#include "crypto/sodium_crypto.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "text/phone_number.h"

namespace consentd::testing {

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(core::Time start = core::ParseIso("2026-11-30T10:00:00Z").value())
      : now_(start.time_since_epoch().count()) {}
  core::Time Now() const override { return core::Time(std::chrono::seconds(now_.load())); }
  void Advance(std::chrono::seconds by) { now_ += by.count(); }

 private:
  std::atomic<std::int64_t> now_;
};

// A directory under the system temp folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("consentd-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A contact of `tenant` with just an address and a surname, not yet stored.
core::Contact NewContact(core::TenantId tenant, const std::string& email);
// Whether `tenant` has a (not erased) contact with this address; false if the read fails.
bool ContactExists(core::Store& store, core::TenantId tenant, const std::string& email);

enum class Backend { kSqlite, kPostgres };

// "sqlite" / "postgres", for parameterised test names.
std::string BackendName(Backend backend);
// gtest's printer for Backend (test lists show the store's name, not its bytes).
inline void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }
// kPostgres when CONSENTD_TEST_STORE=postgres, else kSqlite.
Backend DefaultBackend();

// A fresh database on the test PostgreSQL cluster, migrated by the owner role and granted
// to the application role; dropped (with every connection to it) on destruction.
class PgTestDatabase {
 public:
  // Why no database can be made (no cluster configured), or empty when one can.
  static std::string Unavailable();
  PgTestDatabase();
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& owner_url() const { return owner_url_; }
  const std::string& app_url() const { return app_url_; }
  // Runs SQL as the owner role.
  core::Status ExecAsOwner(const std::string& sql) const;

 private:
  std::string admin_url_, name_, owner_url_, app_url_;
};

// A migrated store in its own temp dir (SQLite) or database (PostgreSQL), with the real
// crypto and phone adapters. On PostgreSQL the store connects as the application role.
struct StoreFixture {
  TempDir dir;
  FakeClock clock;
  crypto::SodiumCrypto crypto;
  text::LibPhoneNumberNormalizer phones;
  Backend backend;
  std::unique_ptr<PgTestDatabase> pg;
  std::unique_ptr<core::Store> store;

  // The store CONSENTD_TEST_STORE names ("postgres"; SQLite otherwise): the store-using
  // tests run once per store.
  StoreFixture() : StoreFixture(DefaultBackend()) {}
  explicit StoreFixture(storage::SqliteOptions options) : StoreFixture(Backend::kSqlite, options) {}
  explicit StoreFixture(Backend b, storage::SqliteOptions options = {});

  // Another store on the same database, as a second process or node would open it.
  std::unique_ptr<core::Store> OpenAnother() const;
  // Runs SQL directly on the database (on PostgreSQL as the owner role).
  core::Status ExecRaw(const std::string& sql) const;

  core::TenantId AddTenant(const std::string& slug) {
    core::Tenant t;
    t.slug = slug;
    t.controller.company = slug + " Immobilien GmbH";
    return app::CreateTenant(*store, crypto, t, clock.Now()).value();
  }

  core::ContactId AddContact(core::TenantId tenant, const std::string& email,
                             const std::string& nachname = "Mustermann") {
    auto r = app::CreateContact(*store, clock, phones, tenant,
                                {{"email", email}, {"nachname", nachname}, {"vorname", "Erika"}},
                                core::LegalBasis::kOwnEnquiry);
    return r.value().id;
  }

  std::string Link(core::TenantId tenant, core::ContactId contact) {
    return app::IssueLink(*store, clock, crypto, tenant, contact).value();
  }
};

}  // namespace consentd::testing
