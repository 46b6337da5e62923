// A small HTTP/1.1 server on libmicrohttpd. It reads whole requests (bodies up to a limit)
// and hands each to one handler function on one of its worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace consentd::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // decoded path without query
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote_address;  // "203.0.113.7" or "2001:db8::1"

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Redirect(const std::string& location) {
    Response r;
    r.status = 303;
    r.headers.emplace_back("Location", location);
    return r;
  }
};

// Called concurrently from the worker threads; must be thread-safe. An exception that
// escapes becomes a 500 page.
using Handler = std::function<Response(const Request&)>;

// A larger body limit for the paths under one prefix (uploads).
struct BodyLimit {
  std::string path;  // applies to this path and every path below it ("/a" covers "/a/b")
  std::size_t max_bytes = 0;
  // When set, only requests it admits get max_bytes; it sees the method, path, query,
  // headers and remote address before any of the body is read (e.g. a valid session and
  // CSRF token), so that nobody unknown makes the server hold a large body. A refused
  // request whose body exceeds max_body_bytes goes to the handler without its body, so the
  // handler says why (sign in again, form expired). Thread-safe.
  std::function<bool(const Request&)> admits = {};
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port
  unsigned threads = 8;
  std::size_t max_body_bytes = 256 * 1024;
  // Exceptions to max_body_bytes; the CSV import of the admin UI takes files up to 20 MB
  // (the import's own limit) plus the multipart framing.
  std::vector<BodyLimit> body_limits = {{"/admin/contacts/import", 20 * 1024 * 1024 + 64 * 1024}};
  unsigned connection_timeout_seconds = 30;
  unsigned per_ip_connection_limit = 0;  // 0: unlimited
};

// The body limit for `request` (its body not read yet): the first body_limits entry that
// matches its path and admits it, else max_body_bytes.
std::size_t MaxBodyBytesFor(const ServerOptions& options, const Request& request);

// Owns the listening socket and its threads. Not copyable; Stop() (or destruction) waits
// for the workers to finish.
class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; returns the bound port.
  core::Result<std::uint16_t> Start();
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace consentd::http
