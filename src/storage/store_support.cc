#include "storage/store_support.h"

#include <map>
#include <string>

namespace consentd::storage {

extern const std::map<std::string_view, std::string_view> kMigrations;

std::future<core::Status> UnitQueue::Push(core::WriteFn fn) {
  auto unit = std::make_unique<Unit>(Unit{std::move(fn), {}, 0});
  auto done = unit->done.get_future();
  {
    std::lock_guard lock(mutex_);
    units_.push_back(std::move(unit));
  }
  cv_.notify_one();
  return done;
}

std::vector<std::unique_ptr<Unit>> UnitQueue::NextBatch(int max) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return stopping_ || !units_.empty(); });
  std::vector<std::unique_ptr<Unit>> batch;
  while (!units_.empty() && static_cast<int>(batch.size()) < max) {
    batch.push_back(std::move(units_.front()));
    units_.pop_front();
  }
  return batch;
}

void UnitQueue::PushFront(std::vector<std::unique_ptr<Unit>> units) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = units.rbegin(); it != units.rend(); ++it) units_.push_front(std::move(*it));
  }
  cv_.notify_one();
}

void UnitQueue::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
}

core::Status RunGuarded(const core::WriteFn& fn, core::WriteTx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return core::Internal(std::string("unit of work threw: ") + e.what());
  }
}

std::vector<Migration> MigrationsOf(std::string_view store) {
  const std::string prefix = std::string(store) + "/";
  std::vector<Migration> out;
  for (const auto& [path, sql] : kMigrations) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    std::string_view name = path.substr(prefix.size());
    out.push_back({std::stoi(std::string(name.substr(0, 4))), name, sql});
  }
  return out;
}

core::Error SchemaTooNew(std::int64_t have, int known) {
  return core::Error{core::ErrorCode::kInvalidArgument,
                     "the database schema (version " + std::to_string(have) +
                         ") is newer than this consentd (version " + std::to_string(known) +
                         "); upgrade consentd"};
}

}  // namespace consentd::storage
