#include "cli/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <regex>

namespace consentd::cli {
namespace {

core::Error Bad(const std::string& key, const std::string& what) {
  return core::InvalidArgument("configuration " + key + ": " + what);
}

core::Status ReadInt(const toml::table& table, const char* key, int min, int max, int& out) {
  auto v = table["mail"][key].value<int64_t>();
  if (!v) return {};
  if (*v < min || *v > max) {
    return Bad(std::string("mail.") + key,
               "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = static_cast<int>(*v);
  return {};
}

core::Status ApplyMail(Config& config, const toml::table& table) {
  if (auto v = table["mail"]["smtp_url"].value<std::string>()) config.smtp_url = *v;
  if (auto v = table["mail"]["smtp_username"].value<std::string>()) config.smtp_username = *v;
  if (auto v = table["mail"]["smtp_password"].value<std::string>()) config.smtp_password = *v;
  if (auto v = table["mail"]["outbox_dir"].value<std::string>()) config.outbox_dir = *v;
  CONSENTD_RETURN_IF_ERROR(ReadInt(table, "delivery_threads", 1, 64, config.delivery_threads));
  CONSENTD_RETURN_IF_ERROR(
      ReadInt(table, "smtp_timeout_seconds", 1, 600, config.smtp_timeout_seconds));
  CONSENTD_RETURN_IF_ERROR(
      ReadInt(table, "retry_base_seconds", 1, 86400, config.retry_base_seconds));
  CONSENTD_RETURN_IF_ERROR(
      ReadInt(table, "retry_max_age_seconds", 1, 30 * 86400, config.retry_max_age_seconds));
  CONSENTD_RETURN_IF_ERROR(ReadInt(table, "lease_seconds", 1, 86400, config.lease_seconds));
  return {};
}

core::Status ReadIntIn(const toml::table& table, const char* section, const char* key, int min,
                       int max, int& out) {
  auto v = table[section][key].value<int64_t>();
  if (!v) return {};
  if (*v < min || *v > max) {
    return Bad(std::string(section) + "." + key,
               "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = static_cast<int>(*v);
  return {};
}

core::Status ApplyWebhooks(Config& config, const toml::table& table) {
  if (auto* hosts = table["webhooks"]["allow_http"].as_array()) {
    config.webhook_allow_http.clear();
    for (const auto& host : *hosts) {
      auto name = host.value<std::string>();
      if (!name || name->empty()) return Bad("webhooks.allow_http", "must be a list of host names");
      config.webhook_allow_http.push_back(*name);
    }
  }
  CONSENTD_RETURN_IF_ERROR(ReadIntIn(table, "webhooks", "retry_base_seconds", 1, 86400,
                                     config.webhook_retry_base_seconds));
  CONSENTD_RETURN_IF_ERROR(ReadIntIn(table, "webhooks", "max_age_seconds", 1, 30 * 86400,
                                     config.webhook_max_age_seconds));
  CONSENTD_RETURN_IF_ERROR(
      ReadIntIn(table, "webhooks", "timeout_seconds", 1, 60, config.webhook_timeout_seconds));
  CONSENTD_RETURN_IF_ERROR(
      ReadIntIn(table, "webhooks", "poll_ms", 50, 60000, config.webhook_poll_ms));
  return {};
}

core::Status ApplyTable(Config& config, const toml::table& table) {
  if (auto db = table["database"]["url"].value<std::string>()) config.db = *db;
  if (auto listen = table["http"]["listen"].value<std::string>()) {
    CONSENTD_RETURN_IF_ERROR(SetListen(config, *listen));
  }
  if (auto base = table["http"]["base_url"].value<std::string>()) config.base_url = *base;
  if (auto role = table["database"]["app_role"].value<std::string>()) config.db_app_role = *role;
  // sqlite_max_batch: the key's name before PostgreSQL had group commit too.
  for (const char* key : {"sqlite_max_batch", "max_batch"}) {
    if (auto batch = table["database"][key].value<int64_t>()) {
      if (*batch < 1 || *batch > 10000) {
        return Bad(std::string("database.") + key, "must be between 1 and 10000");
      }
      config.max_batch = static_cast<int>(*batch);
    }
  }
  if (auto pool = table["database"]["pool"].value<int64_t>()) {
    if (*pool < 1 || *pool > 1000) return Bad("database.pool", "must be between 1 and 1000");
    config.db_pool = static_cast<int>(*pool);
  }
  CONSENTD_RETURN_IF_ERROR(ApplyMail(config, table));
  CONSENTD_RETURN_IF_ERROR(ApplyWebhooks(config, table));
  if (auto threads = table["http"]["threads"].value<int64_t>()) {
    if (*threads < 1 || *threads > 256) return Bad("http.threads", "must be between 1 and 256");
    config.http_threads = static_cast<unsigned>(*threads);
  }
  return {};
}

core::Status ApplyEnvironment(Config& config) {
  if (const char* db = std::getenv("CONSENTD_DB")) config.db = db;
  if (const char* role = std::getenv("CONSENTD_DB_APP_ROLE")) config.db_app_role = role;
  if (const char* listen = std::getenv("CONSENTD_LISTEN")) {
    CONSENTD_RETURN_IF_ERROR(SetListen(config, listen));
  }
  if (const char* base = std::getenv("CONSENTD_BASE_URL")) config.base_url = base;
  if (const char* v = std::getenv("CONSENTD_SMTP_URL")) config.smtp_url = v;
  if (const char* v = std::getenv("CONSENTD_SMTP_USERNAME")) config.smtp_username = v;
  if (const char* v = std::getenv("CONSENTD_SMTP_PASSWORD")) config.smtp_password = v;
  if (const char* v = std::getenv("CONSENTD_OUTBOX_DIR")) config.outbox_dir = v;
  if (const char* v = std::getenv("CONSENTD_WEBHOOK_ALLOW_HTTP")) {
    config.webhook_allow_http.clear();
    std::string_view rest = v;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      if (comma != 0) config.webhook_allow_http.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return {};
}

}  // namespace

core::Status CheckConfig(const Config& config) {
  if (config.base_url.rfind("http://", 0) != 0 && config.base_url.rfind("https://", 0) != 0) {
    return Bad("http.base_url", "must start with http:// or https://");
  }
  if (!config.base_url.empty() && config.base_url.back() == '/') {
    return Bad("http.base_url", "must not end with a slash");
  }
  auto path = SqlitePath(config.db);
  if (!path) return path.error();
  static const std::regex kRoleName("[a-z_][a-z0-9_]{0,62}");
  if (!std::regex_match(config.db_app_role, kRoleName)) {
    return Bad("database.app_role", "must be a lower-case PostgreSQL role name");
  }
  bool smtp = config.smtp_url.rfind("smtp://", 0) == 0 || config.smtp_url.rfind("smtps://", 0) == 0;
  if (!config.smtp_url.empty() && !smtp) {
    return Bad("mail.smtp_url", "must start with smtp:// or smtps://");
  }
  return {};
}

core::Status SetListen(Config& config, const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Bad("http.listen", "expected HOST:PORT, got '" + listen + "'");
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return Bad("http.listen", "port must be a number from 0 to 65535");
  }
  config.listen_address = listen.substr(0, colon);
  config.listen_port = static_cast<std::uint16_t>(std::stoi(port));
  return {};
}

core::Result<std::optional<std::string>> SqlitePath(const std::string& db_url) {
  if (db_url.rfind("sqlite:", 0) == 0 && db_url.size() > 7) {
    return std::optional<std::string>(db_url.substr(7));
  }
  if (db_url.rfind("postgresql://", 0) == 0 || db_url.rfind("postgres://", 0) == 0) {
    return std::optional<std::string>();
  }
  // The URL may carry a password: name only its beginning.
  return Bad("database.url", "expected sqlite:PATH or postgresql://…, got '" +
                                 db_url.substr(0, db_url.find(':')) + ":…'");
}

core::Result<Config> LoadConfig(const std::optional<std::string>& path) {
  Config config;
  if (path) {
    try {
      toml::table table = toml::parse_file(*path);
      CONSENTD_RETURN_IF_ERROR(ApplyTable(config, table));
    } catch (const toml::parse_error& e) {
      return core::InvalidArgument("configuration file " + *path + ": " +
                                   std::string(e.description()));
    }
  }
  CONSENTD_RETURN_IF_ERROR(ApplyEnvironment(config));
  CONSENTD_RETURN_IF_ERROR(CheckConfig(config));
  return config;
}

}  // namespace consentd::cli
