// The delivery worker: takes due messages from the outbox with a lease, sends them, and
// records the outcome. Runs inside `consentd serve`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/mail.h"
#include "core/mailing.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

struct DeliveryOptions {
  int threads = 4;     // messages sent in parallel (each thread keeps its connection)
  int batch = 16;      // messages one thread leases at a time
  int per_tenant = 8;  // at most this many of one tenant per lease round (fairness)
  std::chrono::seconds lease{300};
  std::chrono::milliseconds idle_poll{500};
  core::RetryPolicy retry;
};

// Owns its threads; Stop() (or destruction) lets each finish the message it is sending.
class DeliveryWorker {
 public:
  DeliveryWorker(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                 core::MailSenderFactory& senders, DeliveryOptions options);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  void Stop();
  // Wakes idle threads (new messages were queued).
  void Wake();

  // One round on the calling thread: lease, send, record. Returns how many messages it
  // handled. For the command line and tests.
  core::Result<int> RunOnce(core::MailSender* sender_for_all = nullptr);

 private:
  void Loop();
  core::Result<int> Round(std::map<std::string, std::unique_ptr<core::MailSender>>& senders,
                          core::MailSender* override_sender);
  // The unit of work that records one send's outcome (only while the lease is ours).
  core::WriteFn RecordUnit(core::Message leased, core::SendResult result);
  static core::Status AllRecorded(std::vector<std::future<core::Status>>& recorded);
  core::Status Release(const std::vector<core::Message>& messages);
  static core::Status CloseMailingIfDone(core::WriteTx& tx, const core::Message& m);

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  core::MailSenderFactory& factory_;
  DeliveryOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace consentd::app
