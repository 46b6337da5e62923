// consentd's configuration: built-in defaults, then a TOML file, then CONSENTD_*
// environment variables, then command-line flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace consentd::cli {

struct Config {
  // [database] url / CONSENTD_DB: sqlite:PATH or postgresql://USER@HOST/DB (libpq URL).
  std::string db = "sqlite:var/consentd.db";
  // [database] app_role / CONSENTD_DB_APP_ROLE: PostgreSQL role `migrate` grants access to.
  std::string db_app_role = "consentd_app";
  int db_pool = 16;  // [database] pool: most PostgreSQL connections for reads per process
  std::string listen_address = "127.0.0.1";  // [http] listen = "127.0.0.1:8080"
  std::uint16_t listen_port = 8080;
  std::string base_url = "http://127.0.0.1:8080";  // [http] base_url / CONSENTD_BASE_URL
  unsigned http_threads = 16;                      // [http] threads
  int max_batch = 256;  // [database] max_batch: units per group commit; 1 = off

  // [mail] Default transport for tenants without their own SMTP account.
  std::string smtp_url;                   // smtp_url / CONSENTD_SMTP_URL; empty: file outbox
  std::string smtp_username;              // smtp_username / CONSENTD_SMTP_USERNAME
  std::string smtp_password;              // smtp_password / CONSENTD_SMTP_PASSWORD
  std::string outbox_dir = "var/outbox";  // outbox_dir / CONSENTD_OUTBOX_DIR
  int delivery_threads = 4;               // delivery_threads: parallel SMTP connections
  int smtp_timeout_seconds = 30;          // smtp_timeout_seconds
  int retry_base_seconds = 60;            // retry_base_seconds: first retry after 4xx
  int retry_max_age_seconds = 72 * 3600;  // retry_max_age_seconds: then the message fails
  int lease_seconds = 300;                // lease_seconds: a crashed sender's messages return

  // [webhooks] Delivery of events to the brokers' CRMs.
  // allow_http = ["127.0.0.1"] / CONSENTD_WEBHOOK_ALLOW_HTTP="a,b": hosts that may be reached
  // over plain http; every other endpoint must be https.
  std::vector<std::string> webhook_allow_http;
  int webhook_retry_base_seconds = 10;      // retry_base_seconds: doubles per failure
  int webhook_max_age_seconds = 72 * 3600;  // max_age_seconds: then an event is abandoned
  int webhook_timeout_seconds = 10;         // timeout_seconds: per POST
  int webhook_poll_ms = 1000;               // poll_ms: how often new events are looked for
};

// Reads `path` (if given) and the environment over the defaults. Every value is checked;
// the error names the key and what is wrong with it.
core::Result<Config> LoadConfig(const std::optional<std::string>& path);

// Checks values that flags may have changed after LoadConfig.
core::Status CheckConfig(const Config& config);
// Applies "HOST:PORT" to `config`.
core::Status SetListen(Config& config, const std::string& listen);
// The SQLite file of a "sqlite:PATH" database URL; nullopt for a PostgreSQL URL.
core::Result<std::optional<std::string>> SqlitePath(const std::string& db_url);

}  // namespace consentd::cli
