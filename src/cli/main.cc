// consentd: one binary for the server and its administration commands. This is the only
// place that knows every concrete class; it wires them from the configuration.
#include <fmt/core.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/admin.h"
#include "app/admin_auth.h"
#include "app/api_keys.h"
#include "app/contact_import.h"
#include "app/contacts_csv.h"
#include "app/deletion_inbox.h"
#include "app/delivery.h"
#include "app/evidence.h"
#include "app/mail_templates.h"
#include "app/mailing.h"
#include "app/portal.h"
#include "app/webhooks.h"
#include "cli/config.h"
#include "core/validation.h"
#include "crypto/sodium_crypto.h"
#include "http/admin_areas.h"
#include "http/admin_handlers.h"
#include "http/admin_mailings.h"
#include "http/api_handlers.h"
#include "http/pages.h"
#include "http/portal_handlers.h"
#include "http/server.h"
#include "mail/http_poster.h"
#include "mail/sender.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "text/phone_number.h"

namespace consentd::cli {
namespace {

class SystemClock final : public core::Clock {
 public:
  core::Time Now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "consentd: %s\n", message.c_str());
  std::exit(1);
}

template <typename T>
T OrFail(core::Result<T> result) {
  if (!result) Fail(result.error().message);
  return std::move(*result);
}

void OrFail(const core::Status& status) {
  if (!status) Fail(status.error().message);
}

// Everything a command needs, built once from the configuration.
struct Runtime {
  Config config;
  SystemClock clock;
  crypto::SodiumCrypto crypto;
  text::LibPhoneNumberNormalizer phones;
  std::unique_ptr<core::Store> store;
  int migrations_applied = 0;  // by this start
};

// The configured store. On PostgreSQL only `migrate` (as the owner role) changes the
// schema; every other command runs as the application role and checks the schema.
std::unique_ptr<core::Store> OpenStore(const Config& config, bool migrating) {
  auto path = OrFail(SqlitePath(config.db));
  if (!path) {
    storage::PgOptions options;
    options.max_batch = config.max_batch;
    options.max_readers = config.db_pool;
    options.app_role = config.db_app_role;
    options.require_confined_role = !migrating;
    return OrFail(storage::OpenPgStore(config.db, options));
  }
  auto slash = path->rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::error_code ec;
    std::filesystem::create_directories(path->substr(0, slash), ec);
  }
  storage::SqliteOptions options;
  options.max_batch = config.max_batch;
  return OrFail(storage::OpenSqliteStore(*path, options));
}

std::unique_ptr<Runtime> OpenRuntime(const Config& config, bool migrating = false) {
  auto rt = std::make_unique<Runtime>();
  rt->config = config;
  rt->store = OpenStore(config, migrating);
  rt->migrations_applied = OrFail(rt->store->Migrate());
  OrFail(app::EnsureDefaultTemplates(*rt->store, rt->clock.Now()));
  return rt;
}

core::TenantId TenantBySlug(Runtime& rt, const std::string& slug) {
  core::TenantId id = 0;
  OrFail(rt.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto t = tx.FindTenantBySlug(slug);
    if (!t) return core::NotFound("no tenant '" + slug + "' (see consentd tenant add)");
    id = t->id;
    return {};
  }));
  return id;
}

// Acts from the command line are the operator's: the tenant's system user, address "cli".
app::Actor CliActor(Runtime& rt, core::TenantId tenant) {
  app::Actor actor{tenant, 0, "cli", 0};
  OrFail(rt.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto system = tx.FindSystemUser(tenant);
    if (!system) return system.error();
    actor.user = system->id;
    return {};
  }));
  return actor;
}

std::string ConsentUrl(const Config& config, const std::string& token) {
  return config.base_url + "/c/" + token;
}

std::string StaticContentType(std::string_view path) {
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  if (path.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

http::Handler MakeRouter(const http::PortalHandlers& portal, const http::AdminHandlers& admin,
                         const http::ApiHandlers& api) {
  return [&portal, &admin, &api](const http::Request& request) -> http::Response {
    if (request.path == "/favicon.ico") {
      http::Response r;
      r.status = 204;
      r.content_type.clear();
      r.headers.emplace_back("Cache-Control", "public, max-age=86400");
      return r;
    }
    if (request.path == "/healthz") {
      http::Response r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "ok\n";
      return r;
    }
    if (request.path.rfind("/static/", 0) == 0) {
      if (const auto* file = http::PageRenderer::StaticFile(request.path.substr(1))) {
        http::Response r;
        r.content_type = StaticContentType(request.path);
        r.body = std::string(*file);
        r.headers.emplace_back("Cache-Control", "public, max-age=3600");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return r;
      }
    }
    if (auto response = api.Handle(request)) return std::move(*response);
    if (auto response = admin.Handle(request)) return std::move(*response);
    if (auto response = portal.Handle(request)) return std::move(*response);
    return portal.NotFound(request);
  };
}

app::WebhookOptions WebhookOptionsOf(const Config& config) {
  app::WebhookOptions options;
  options.allow_http_hosts = config.webhook_allow_http;
  options.retry_base = std::chrono::seconds(config.webhook_retry_base_seconds);
  options.max_age = std::chrono::seconds(config.webhook_max_age_seconds);
  options.timeout_seconds = config.webhook_timeout_seconds;
  options.poll = std::chrono::milliseconds(config.webhook_poll_ms);
  return options;
}

mail::DefaultTransport DefaultTransportOf(const Config& config) {
  return {config.smtp_url, config.smtp_username, config.smtp_password, config.outbox_dir,
          config.smtp_timeout_seconds};
}

app::DeliveryOptions DeliveryOptionsOf(const Config& config) {
  app::DeliveryOptions options;
  options.threads = config.delivery_threads;
  options.lease = std::chrono::seconds(config.lease_seconds);
  options.retry.base = std::chrono::seconds(config.retry_base_seconds);
  options.retry.max_age = std::chrono::seconds(config.retry_max_age_seconds);
  return options;
}

std::string MailDestination(const Config& config) {
  if (config.smtp_url.empty())
    return "the file outbox " + config.outbox_dir + "/ (one .eml per mail)";
  return config.smtp_url;
}

sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Rendering pages and mails allocates and frees many small strings, on many threads;
// glibc's default is to hand freed memory back to the kernel eagerly (madvise, with TLB
// shootdowns across cores), which measured at about half the page rate. Keep it instead.
void TuneAllocator() {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

// Runs `task` now and then every `interval` on its own thread until destroyed.
class Periodic {
 public:
  Periodic(std::chrono::seconds interval, std::function<void()> task)
      : thread_([this, interval, task = std::move(task)] {
          std::unique_lock lock(mutex_);
          do {
            lock.unlock();
            task();
            lock.lock();
          } while (!wake_.wait_for(lock, interval, [this] { return stop_; }));
        }) {}
  ~Periodic() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

void Serve(const Config& config, const std::string& port_file) {
  sigset_t stop_signals = BlockStopSignals();  // before any thread starts
  auto rt = OpenRuntime(config);
  std::string secret = [&] {
    std::string s;
    OrFail(rt->store->Read([&](core::ReadTx& tx) -> core::Status {
      auto v = tx.ServerSecret();
      if (!v) return v.error();
      s = *v;
      return {};
    }));
    return s;
  }();
  http::PageRenderer pages;
  app::Portal portal(*rt->store, rt->clock, rt->crypto, rt->phones, config.base_url);
  http::PortalHandlers handlers(portal, pages, rt->crypto, secret);
  app::AdminAuth auth(*rt->store, rt->clock, rt->crypto);
  http::AdminPages admin_pages(pages);
  const app::WebhookOptions webhook_options = WebhookOptionsOf(config);
  http::AdminHandlers admin(auth, admin_pages, rt->crypto, secret,
                            http::MakeAdminAreas({*rt->store, rt->clock, rt->crypto, rt->phones,
                                                  admin_pages, config.base_url, webhook_options}),
                            {.secure_cookies = config.base_url.rfind("https://", 0) == 0});
  http::ServerOptions options;
  options.address = config.listen_address;
  options.port = config.listen_port;
  options.threads = config.http_threads;
  // Imports may be large, but only for a signed-in user's form: nobody else makes the
  // server hold 20 MB.
  for (auto& limit : options.body_limits) {
    limit.admits = [&admin](const http::Request& r) { return admin.AdmitsUpload(r); };
  }
  http::MailingPreparer api_mailings(*rt->store, rt->clock, rt->crypto, {config.base_url});
  http::ApiHandlers api({*rt->store, rt->clock, rt->crypto, rt->phones, webhook_options,
                         [&](core::TenantId tenant, core::MailingId mailing) {
                           api_mailings.Enqueue(tenant, mailing);
                         }});
  http::Server server(options, MakeRouter(handlers, admin, api));
  mail::SenderFactory senders(DefaultTransportOf(config));
  app::DeliveryWorker worker(*rt->store, rt->clock, rt->crypto, senders, DeliveryOptionsOf(config));
  std::thread resume([&] {
    if (auto cut = app::FailInterruptedImportJobs(*rt->store, rt->clock); !cut)
      std::fprintf(stderr, "consentd: import jobs: %s\n", cut.error().message.c_str());
    auto status =
        app::ResumePreparingMailings(*rt->store, rt->clock, rt->crypto, {config.base_url});
    if (!status)
      std::fprintf(stderr, "consentd: resuming mailings: %s\n", status.error().message.c_str());
    // Failed logins older than the throttle's window count for nothing any more.
    auto swept = rt->store->Write([&](core::WriteTx& tx) {
      return tx.ClearLoginFailures("", rt->clock.Now() - auth.options().throttle_window);
    });
    if (!swept)
      std::fprintf(stderr, "consentd: login throttle: %s\n", swept.error().message.c_str());
    worker.Wake();
  });
  worker.Start();
  app::WebhookDispatcher webhooks(
      *rt->store, rt->clock, rt->crypto,
      [&] { return std::make_unique<mail::CurlWebhookPoster>(webhook_options.timeout_seconds); },
      webhook_options);
  webhooks.Start();
  // Housekeeping: brokers are reminded of deletion requests near their legal deadline
  // (Art. 12(3)), and old failed logins are forgotten.
  auto reminders = std::make_unique<Periodic>(std::chrono::minutes(10), [&] {
    auto status = app::SendDeletionReminders(*rt->store, rt->clock, rt->crypto);
    if (!status) {
      std::fprintf(stderr, "consentd: deletion reminders: %s\n", status.error().message.c_str());
    }
    auto pruned = app::PruneIdempotencyRecords(*rt->store, rt->clock);
    if (!pruned) {
      std::fprintf(stderr, "consentd: idempotency keys: %s\n", pruned.error().message.c_str());
    }
    worker.Wake();
  });
  std::uint16_t port = OrFail(server.Start());
  if (!port_file.empty()) std::ofstream(port_file) << port << "\n";
  std::printf("consentd listening on http://%s:%u; mail goes to %s\n",
              config.listen_address.c_str(), port, MailDestination(config).c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::printf("consentd stopping\n");
  server.Stop();
  resume.join();
  reminders.reset();
  webhooks.Stop();
  worker.Stop();
}

void PrintDemo(Runtime& rt) {
  auto demo = OrFail(app::CreateDemo(*rt.store, rt.clock, rt.crypto, rt.phones));
  std::printf("Demo tenant 'demo' (Musterimmobilien GmbH & Co. KG)\n");
  if (!demo.admin_password.empty()) {
    std::printf("Admin UI: %s/admin  login: %s / %s\n", rt.config.base_url.c_str(),
                demo.admin_email.c_str(), demo.admin_password.c_str());
  } else {
    std::printf(
        "Admin UI: %s/admin  login: %s (password as printed when the demo was first "
        "created)\n",
        rt.config.base_url.c_str(), demo.admin_email.c_str());
  }
  std::printf("Mail (serial e-mails, new links) goes to %s\n", MailDestination(rt.config).c_str());
  std::printf("Personal consent pages:\n");
  for (const auto& link : demo.links) {
    std::string name = link.name;
    name.append(24 - std::min<std::size_t>(23, core::CodePointCount(name)), ' ');
    std::printf("  %s%s\n", name.c_str(), ConsentUrl(rt.config, link.token).c_str());
  }
}

void PrintFieldErrors(const core::FieldErrors& errors) {
  for (const auto& e : errors)
    std::fprintf(stderr, "  %s: %s\n", e.field.c_str(), e.message_de.c_str());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<core::ContactId> ParseIds(const std::string& list) {
  std::vector<core::ContactId> ids;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = core::Trim(item);
    if (item.empty()) continue;
    if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 18) {
      Fail("--contacts: '" + item + "' is not a contact id");
    }
    ids.push_back(std::stoll(item));
  }
  return ids;
}

void PrintCounts(const app::MailingSummary& s) {
  using S = core::MessageState;
  std::printf(
      "mailing %lld (%s): %lld recipients — %lld queued, %lld sending, %lld sent, "
      "%lld deferred, %lld failed, %lld skipped%s\n",
      static_cast<long long>(s.mailing.id),
      std::string(core::MailingStateKey(s.mailing.state)).c_str(),
      static_cast<long long>(s.Total()),
      static_cast<long long>(s.Count(S::kQueued) + s.Count(S::kPending)),
      static_cast<long long>(s.Count(S::kSending)), static_cast<long long>(s.Count(S::kSent)),
      static_cast<long long>(s.Count(S::kDeferred)), static_cast<long long>(s.Count(S::kFailed)),
      static_cast<long long>(s.Count(S::kSkipped)), s.Finished() ? " — done" : "");
}

constexpr int kRecipientPage = 500;

// A page of the mailing's recipients after message id `after`: the skipped ones, or with
// `all` every one.
core::Result<std::vector<core::Message>> RecipientPage(core::ReadTx& tx, core::TenantId tenant,
                                                       core::MailingId id, bool all,
                                                       std::int64_t after) {
  return tx.ListMessages(tenant, id,
                         all ? std::nullopt : std::optional(core::MessageState::kSkipped), after,
                         kRecipientPage);
}

// Lists recipients with their state, skip reason and server reply, starting with `page`
// (the first page) and reading on while pages are full.
void PrintRecipients(Runtime& rt, core::TenantId tenant, core::MailingId id, bool all,
                     std::vector<core::Message> page) {
  for (;;) {
    std::int64_t after = 0;
    for (const auto& m : page) {
      std::printf(
          "  contact %lld: %s%s%s%s\n", static_cast<long long>(m.contact_id),
          std::string(core::MessageStateKey(m.state)).c_str(), m.skip_reason.empty() ? "" : " — ",
          m.skip_reason.empty()
              ? ""
              : std::string(
                    core::SkipReasonGerman(
                        core::ParseSkipReason(m.skip_reason).value_or(core::SkipReason::kNone)))
                    .c_str(),
          m.smtp_reply.empty() ? "" : (" — " + m.smtp_reply).c_str());
      after = m.id;
    }
    if (static_cast<int>(page.size()) < kRecipientPage) return;
    OrFail(rt.store->Read([&](core::ReadTx& tx) -> core::Status {
      auto next = RecipientPage(tx, tenant, id, all, after);
      if (!next) return next.error();
      page = std::move(*next);
      return {};
    }));
  }
}

// The counts and the recipients' states (skipped ones, or with `all` every one). Counts and
// the first page come from one snapshot, so they agree (wholly for up to 500 recipients).
int PrintMailingStatus(Runtime& rt, core::TenantId tenant, core::MailingId id, bool all) {
  app::MailingSummary summary;
  std::vector<core::Message> first;
  OrFail(rt.store->Read([&](core::ReadTx& tx) -> core::Status {
    auto s = app::SummarizeMailing(tx, tenant, id);
    if (!s) return s.error();
    summary = std::move(*s);
    auto page = RecipientPage(tx, tenant, id, all, 0);
    if (!page) return page.error();
    first = std::move(*page);
    return {};
  }));
  PrintCounts(summary);
  PrintRecipients(rt, tenant, id, all, std::move(first));
  return 0;
}

int SendMailing(Runtime& rt, const app::MailingRequest& request) {
  auto id = OrFail(app::CreateMailing(*rt.store, rt.clock, request));
  std::printf("mailing %lld created; preparing personal messages ...\n",
              static_cast<long long>(id));
  OrFail(app::PrepareMailing(*rt.store, rt.clock, rt.crypto, {rt.config.base_url}, request.tenant,
                             id, [](const app::MailingProgress& p) {
                               std::printf("  %lld of %lld prepared\n",
                                           static_cast<long long>(p.prepared),
                                           static_cast<long long>(p.selected));
                               std::fflush(stdout);
                             }));
  PrintMailingStatus(rt, request.tenant, id, false);
  std::printf("`consentd serve` delivers the queued messages to %s\n",
              MailDestination(rt.config).c_str());
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  TuneAllocator();
  CLI::App cli{"consentd — GDPR consent manager for real-estate brokers"};
  cli.require_subcommand(1);
  std::optional<std::string> config_path;
  std::string db_flag, listen_flag, base_url_flag;
  cli.add_option("--config", config_path, "TOML configuration file");
  cli.add_option("--db", db_flag,
                 "database: sqlite:PATH (default sqlite:var/consentd.db) or postgresql://…");
  cli.add_option("--base-url", base_url_flag, "public base URL of consent links");

  auto* serve = cli.add_subcommand("serve", "run the HTTP server");
  std::string port_file;
  serve->add_option("--listen", listen_flag, "HOST:PORT to listen on (port 0: any free port)");
  serve->add_option("--port-file", port_file, "write the bound port to this file");
  int max_batch = 0;
  serve
      ->add_option("--max-batch,--sqlite-max-batch", max_batch,
                   "most acts per database transaction (group commit); 1 turns it off")
      ->check(CLI::Range(1, 10000));
  unsigned threads = 0;
  serve->add_option("--threads", threads, "HTTP worker threads (default 16)")
      ->check(CLI::Range(1, 256));
  auto* migrate = cli.add_subcommand("migrate", "apply database migrations");
  std::string app_role_flag;
  migrate->add_option("--app-role", app_role_flag,
                      "PostgreSQL: the application role to grant access (default consentd_app)");
  cli.add_subcommand("demo", "create demo data (idempotent) and print consent links");

  auto* tenant = cli.add_subcommand("tenant", "manage tenants");
  tenant->require_subcommand(1);
  auto* tenant_add = tenant->add_subcommand("add", "add a tenant (a broker company)");
  core::Tenant new_tenant;
  auto& ctl = new_tenant.controller;
  tenant_add->add_option("--slug", new_tenant.slug, "short name, e.g. mueller-immo")->required();
  tenant_add->add_option("--company", ctl.company, "company name (controller)")->required();
  tenant_add->add_option("--street", ctl.street, "street and number");
  tenant_add->add_option("--postal-code", ctl.postal_code, "postal code");
  tenant_add->add_option("--city", ctl.city, "city");
  tenant_add->add_option("--country", ctl.country, "country code (default DE)");
  tenant_add->add_option("--email", ctl.email, "contact e-mail for data protection");
  tenant_add->add_option("--phone", ctl.phone, "phone");
  tenant_add->add_option("--privacy-url", ctl.privacy_url, "privacy notice URL");
  tenant_add->add_option("--imprint-url", ctl.imprint_url, "imprint URL");
  tenant_add->add_option("--sender-email", new_tenant.sender_email,
                         "From: address of mails (default --email)");
  tenant_add->add_option("--sender-name", new_tenant.sender_name,
                         "From: name of mails (default --company)");
  tenant_add->add_option("--signature", new_tenant.signature, "signature used by mail templates");
  tenant_add->add_option("--smtp-url", new_tenant.smtp.url,
                         "own SMTP server: smtp://host:587 or smtps://host:465");
  tenant_add->add_option("--smtp-username", new_tenant.smtp.username, "SMTP login");

  auto* user = cli.add_subcommand("user", "manage users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "add a user who can log in");
  std::string tenant_slug, user_email, user_name, user_role = "broker";
  user_add->add_option("--tenant", tenant_slug, "tenant slug")->required();
  user_add->add_option("--email", user_email, "login e-mail")->required();
  user_add->add_option("--name", user_name, "display name")->required();
  user_add->add_option("--role", user_role, "admin or broker")
      ->check(CLI::IsMember({"admin", "broker"}));

  auto* contacts = cli.add_subcommand("contacts", "contacts: import, export, links");
  contacts->require_subcommand(1);
  auto* import = contacts->add_subcommand("import", "import a CSV file (upsert by e-mail)");
  std::string csv_path;
  import->add_option("file", csv_path, "CSV file")->required();
  import->add_option("--tenant", tenant_slug, "tenant slug")->required();
  auto* export_cmd = contacts->add_subcommand("export", "export contacts as CSV to stdout");
  export_cmd->add_option("--tenant", tenant_slug, "tenant slug")->required();
  auto* link = contacts->add_subcommand("link", "print a new personal consent link");
  core::ContactId contact_id = 0;
  link->add_option("id", contact_id, "contact id")->required();
  link->add_option("--tenant", tenant_slug, "tenant slug")->required();

  auto* mailing = cli.add_subcommand("mailing", "serial e-mail");
  mailing->require_subcommand(1);
  auto* mailing_send = mailing->add_subcommand("send", "create a serial e-mail and queue it");
  app::MailingRequest request;
  std::string contact_list;
  bool all_contacts = false;
  mailing_send->add_option("--tenant", tenant_slug, "tenant slug")->required();
  mailing_send->add_option("--template", request.template_key,
                           "template key (default kontakt-und-gesuchsdaten)");
  mailing_send->add_option("--language", request.language, "template language: de or en")
      ->check(CLI::IsMember({"de", "en"}));
  mailing_send->add_option("--subject", request.subject, "subject (required; there is no default)")
      ->required();
  auto* all_flag = mailing_send->add_flag("--all", all_contacts, "every contact");
  auto* ids_flag =
      mailing_send->add_option("--contacts", contact_list, "comma-separated contact ids");
  auto* filter_flag =
      mailing_send
          ->add_option("--filter", request.filter,
                       "consent state: none, granted, withdrawn, deletion_requested")
          ->check(CLI::IsMember({"none", "granted", "withdrawn", "deletion_requested"}));
  all_flag->excludes(ids_flag)->excludes(filter_flag);
  ids_flag->excludes(filter_flag);
  mailing_send->add_option(
      "--confirm-lawful", request.lawful_confirmation,
      "confirm (with a reason) that mailing contacts without legal basis is lawful");
  auto* mailing_status = mailing->add_subcommand("status", "show a mailing's progress");
  core::MailingId mailing_id = 0;
  bool show_recipients = false;
  mailing_status->add_option("id", mailing_id, "mailing id")->required();
  mailing_status->add_option("--tenant", tenant_slug, "tenant slug")->required();
  mailing_status->add_flag("--recipients", show_recipients, "list every recipient with its state");

  auto* apikey = cli.add_subcommand("apikey", "API keys of a tenant's CRM integration");
  apikey->require_subcommand(1);
  auto* apikey_create = apikey->add_subcommand("create", "create a key and print it (once)");
  std::string key_name, key_scope = "read";
  apikey_create->add_option("--tenant", tenant_slug, "tenant slug")->required();
  apikey_create->add_option("--name", key_name, "what the key is for, e.g. CRM-Sync")->required();
  apikey_create->add_option("--scope", key_scope, "read (default) or write")
      ->check(CLI::IsMember({"read", "write"}));
  auto* apikey_list = apikey->add_subcommand("list", "list the tenant's keys");
  apikey_list->add_option("--tenant", tenant_slug, "tenant slug")->required();
  auto* apikey_revoke = apikey->add_subcommand("revoke", "revoke a key at once");
  std::int64_t key_id = 0;
  apikey_revoke->add_option("id", key_id, "key id (see apikey list)")->required();
  apikey_revoke->add_option("--tenant", tenant_slug, "tenant slug")->required();

  auto* webhook = cli.add_subcommand("webhook", "webhook endpoints of a tenant's CRM");
  webhook->require_subcommand(1);
  auto* webhook_add = webhook->add_subcommand("add", "add an endpoint and print its secret (once)");
  std::string webhook_url, webhook_events = "*";
  webhook_add->add_option("--tenant", tenant_slug, "tenant slug")->required();
  webhook_add->add_option("--url", webhook_url, "https URL the events are posted to")->required();
  webhook_add->add_option("--events", webhook_events,
                          "comma-separated event types, or * for all (default)");
  auto* webhook_list = webhook->add_subcommand("list", "list the endpoints and their progress");
  webhook_list->add_option("--tenant", tenant_slug, "tenant slug")->required();
  auto* webhook_remove = webhook->add_subcommand("remove", "remove an endpoint");
  std::int64_t webhook_id = 0;
  webhook_remove->add_option("id", webhook_id, "endpoint id (see webhook list)")->required();
  webhook_remove->add_option("--tenant", tenant_slug, "tenant slug")->required();

  auto* evidence = cli.add_subcommand("evidence", "evidence chain");
  evidence->require_subcommand(1);
  evidence->add_subcommand("verify", "verify every tenant's activity hash chain");

  CLI11_PARSE(cli, argc, argv);

  Config config = OrFail(LoadConfig(config_path));
  if (!db_flag.empty()) config.db = db_flag;
  if (!base_url_flag.empty()) config.base_url = base_url_flag;
  if (!listen_flag.empty()) OrFail(SetListen(config, listen_flag));
  if (max_batch > 0) config.max_batch = max_batch;
  if (!app_role_flag.empty()) config.db_app_role = app_role_flag;
  if (threads > 0) config.http_threads = threads;
  OrFail(CheckConfig(config));

  if (serve->parsed()) {
    Serve(config, port_file);
    return 0;
  }
  auto rt = OpenRuntime(config, migrate->parsed());
  if (migrate->parsed()) {
    std::printf("database is up to date (%d migration%s applied now)\n", rt->migrations_applied,
                rt->migrations_applied == 1 ? "" : "s");
  } else if (cli.got_subcommand("demo")) {
    PrintDemo(*rt);
  } else if (tenant_add->parsed()) {
    auto errors = app::ValidateTenant(new_tenant);
    if (!errors.empty()) {
      PrintFieldErrors(errors);
      Fail("tenant not added");
    }
    auto id = OrFail(app::CreateTenant(*rt->store, rt->crypto, new_tenant, rt->clock.Now()));
    std::printf("tenant %s added (id %lld)\n", new_tenant.slug.c_str(), static_cast<long long>(id));
  } else if (user_add->parsed()) {
    const char* password = std::getenv("CONSENTD_PASSWORD");
    std::string pw = password ? password : core::Base64UrlEncode(rt->crypto.RandomBytes(12));
    auto id = OrFail(app::CreateUser(*rt->store, rt->crypto, TenantBySlug(*rt, tenant_slug),
                                     user_email, user_name, *core::ParseRole(user_role), pw));
    std::printf("user %s added (id %lld)\n", user_email.c_str(), static_cast<long long>(id));
    if (!password) std::printf("password: %s\n", pw.c_str());
  } else if (import->parsed()) {
    auto report =
        OrFail(app::ImportContactsCsv(*rt->store, rt->clock, rt->crypto, rt->phones,
                                      TenantBySlug(*rt, tenant_slug), ReadFile(csv_path)));
    for (const auto& e : report.errors) {
      std::fprintf(stderr, "line %d: %s: %s\n", e.line, e.field.c_str(), e.message_de.c_str());
    }
    std::printf("%d inserted, %d updated, %d unchanged, %zu rejected\n", report.inserted,
                report.updated, report.unchanged, report.errors.size());
    return report.errors.empty() ? 0 : 2;
  } else if (export_cmd->parsed()) {
    std::string csv = OrFail(app::ExportContactsCsv(*rt->store, TenantBySlug(*rt, tenant_slug)));
    std::fwrite(csv.data(), 1, csv.size(), stdout);
  } else if (link->parsed()) {
    auto token = OrFail(app::IssueLink(*rt->store, rt->clock, rt->crypto,
                                       TenantBySlug(*rt, tenant_slug), contact_id));
    std::printf("%s\n", ConsentUrl(config, token).c_str());
  } else if (mailing_send->parsed()) {
    if (!all_contacts && contact_list.empty() && request.filter.empty()) {
      Fail("choose the recipients: --all, --contacts IDS or --filter STATE");
    }
    if (all_contacts) request.filter = "all";
    request.contacts = ParseIds(contact_list);
    request.tenant = TenantBySlug(*rt, tenant_slug);
    return SendMailing(*rt, request);
  } else if (mailing_status->parsed()) {
    return PrintMailingStatus(*rt, TenantBySlug(*rt, tenant_slug), mailing_id, show_recipients);
  } else if (apikey_create->parsed()) {
    auto created = OrFail(app::CreateApiKey(*rt->store, rt->clock, rt->crypto,
                                            CliActor(*rt, TenantBySlug(*rt, tenant_slug)), key_name,
                                            *core::ParseApiScope(key_scope)));
    std::printf("API key %lld (%s, scope %s) created. It is shown only now:\n%s\n",
                static_cast<long long>(created.key.id), created.key.name.c_str(), key_scope.c_str(),
                created.secret.c_str());
  } else if (apikey_list->parsed()) {
    for (const auto& k : OrFail(app::ListApiKeys(*rt->store, TenantBySlug(*rt, tenant_slug)))) {
      std::printf("%lld  %s…  %-5s  %s  %s\n", static_cast<long long>(k.id), k.prefix.c_str(),
                  std::string(core::ApiScopeKey(k.scope)).c_str(),
                  k.revoked_at ? ("revoked " + core::FormatIso(*k.revoked_at)).c_str() : "active",
                  k.name.c_str());
    }
  } else if (apikey_revoke->parsed()) {
    OrFail(app::RevokeApiKey(*rt->store, rt->clock, CliActor(*rt, TenantBySlug(*rt, tenant_slug)),
                             key_id));
    std::printf("API key %lld revoked\n", static_cast<long long>(key_id));
  } else if (webhook_add->parsed()) {
    auto added = OrFail(app::AddWebhookEndpoint(
        *rt->store, rt->clock, rt->crypto, WebhookOptionsOf(config),
        CliActor(*rt, TenantBySlug(*rt, tenant_slug)), webhook_url, webhook_events));
    if (!added.errors.empty()) {
      PrintFieldErrors(added.errors);
      Fail("webhook not added");
    }
    std::printf("webhook %lld added (events %s). Its signing secret is shown only now:\n%s\n",
                static_cast<long long>(added.endpoint.id), added.endpoint.events.c_str(),
                added.endpoint.secret.c_str());
  } else if (webhook_list->parsed()) {
    for (const auto& e :
         OrFail(app::ListWebhookEndpoints(*rt->store, TenantBySlug(*rt, tenant_slug)))) {
      std::printf("%lld  %s  %s  events %s  delivered up to %lld%s\n", static_cast<long long>(e.id),
                  e.active ? "active" : "inactive", e.url.c_str(), e.events.c_str(),
                  static_cast<long long>(e.cursor_seq),
                  e.failures > 0 ? (", failing (" + std::to_string(e.failures) + ")").c_str() : "");
    }
  } else if (webhook_remove->parsed()) {
    OrFail(app::DeleteWebhookEndpoint(*rt->store, rt->clock,
                                      CliActor(*rt, TenantBySlug(*rt, tenant_slug)), webhook_id));
    std::printf("webhook %lld removed\n", static_cast<long long>(webhook_id));
  } else if (evidence->parsed()) {
    auto reports = OrFail(app::VerifyChains(*rt->store, rt->crypto));
    bool ok = true;
    for (const auto& r : reports) {
      if (r.broken_at_seq) {
        ok = false;
        std::printf("tenant %s: BROKEN at activity %lld: %s\n", r.slug.c_str(),
                    static_cast<long long>(*r.broken_at_seq), r.problem.c_str());
      } else {
        std::printf("tenant %s: %lld activities verified\n", r.slug.c_str(),
                    static_cast<long long>(r.checked));
      }
    }
    return ok ? 0 : 3;
  }
  return 0;
}

}  // namespace consentd::cli

int main(int argc, char** argv) {
  try {
    return consentd::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consentd: %s\n", e.what());
    return 1;
  }
}
