// Parts every store adapter shares: the queue of units of work in front of a writer
// thread, and the embedded migrations. Internal to storage/.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/store.h"

namespace consentd::storage {

// One unit of work and the promise its caller waits on.
struct Unit {
  core::WriteFn fn;
  std::promise<core::Status> done;
  int deferrals = 0;  // times the unit was put back for a later batch
};

// Units waiting for a writer thread, in the order queued. Thread-safe.
class UnitQueue {
 public:
  std::future<core::Status> Push(core::WriteFn fn);
  // Blocks until units are queued or Stop() was called; returns up to `max` of them in
  // order. Empty only once stopped and drained.
  std::vector<std::unique_ptr<Unit>> NextBatch(int max);
  // Puts units back in front of all others, in the given order (they run next).
  void PushFront(std::vector<std::unique_ptr<Unit>> units);
  void Stop();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Unit>> units_;
  bool stopping_ = false;
};

// Runs `fn` and converts an escaping exception into an error: a bug in one unit must not
// take down the writer thread and every unit queued behind it.
core::Status RunGuarded(const core::WriteFn& fn, core::WriteTx& tx);

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The embedded migrations of one store ("sqlite", "postgres"), in version order.
std::vector<Migration> MigrationsOf(std::string_view store);

// The error for a database whose schema is newer than this binary knows.
core::Error SchemaTooNew(std::int64_t have, int known);

}  // namespace consentd::storage
