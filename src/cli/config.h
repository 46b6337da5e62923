// consentd's configuration: built-in defaults, then a TOML file, then CONSENTD_*
// environment variables, then command-line flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace consentd::cli {

struct Config {
  std::string db = "sqlite:var/consentd.db";       // [database] url / CONSENTD_DB
  std::string listen_address = "127.0.0.1";        // [http] listen = "127.0.0.1:8080"
  std::uint16_t listen_port = 8080;
  std::string base_url = "http://127.0.0.1:8080";  // [http] base_url / CONSENTD_BASE_URL
  unsigned http_threads = 16;                      // [http] threads
  int sqlite_max_batch = 256;  // [database] sqlite_max_batch: units per group commit; 1 = off
};

// Reads `path` (if given) and the environment over the defaults. Every value is checked;
// the error names the key and what is wrong with it.
core::Result<Config> LoadConfig(const std::optional<std::string>& path);

// Checks values that flags may have changed after LoadConfig.
core::Status CheckConfig(const Config& config);
// Applies "HOST:PORT" to `config`.
core::Status SetListen(Config& config, const std::string& listen);
// The SQLite file of a "sqlite:PATH" database URL.
core::Result<std::string> SqlitePath(const std::string& db_url);

}  // namespace consentd::cli
