// Test-only helpers: a settable clock and a throwaway SQLite store on a real file.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "app/admin.h"
#include "core/ports.h"
#include "crypto/sodium_crypto.h"
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

// A migrated SQLite store in its own temp dir, with the real crypto and phone adapters.
struct StoreFixture {
  TempDir dir;
  FakeClock clock;
  crypto::SodiumCrypto crypto;
  text::LibPhoneNumberNormalizer phones;
  std::unique_ptr<core::Store> store;

  explicit StoreFixture(storage::SqliteOptions options = {}) {
    store = std::move(storage::OpenSqliteStore(dir.File("test.db"), options).value());
    if (!store->Migrate()) throw std::runtime_error("migration failed");
  }

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
