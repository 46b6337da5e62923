#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>
#include <exception>

namespace consentd::http {

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  MHD_Daemon* daemon = nullptr;
};

namespace {

// Per-connection state while a request's body arrives.
struct PendingRequest {
  std::size_t max_body_bytes = 0;
  Request request;
  bool too_large = false;
  // A larger limit exists for the path but did not admit the request: when its body turns
  // out too large, the handler answers it without the body (e.g. "please sign in again").
  bool refused_larger = false;
};

// The body_limits entry for `path`, or nullptr.
const BodyLimit* LimitFor(const ServerOptions& options, std::string_view path) {
  for (const auto& limit : options.body_limits) {
    if (path.substr(0, limit.path.size()) != limit.path) continue;
    if (path.size() == limit.path.size() || path[limit.path.size()] == '/') return &limit;
  }
  return nullptr;
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(cls);
  std::string name(key);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  (*headers)[name] = value ? value : "";
  return MHD_YES;
}

MHD_Result CollectQuery(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* query = static_cast<std::map<std::string, std::string>*>(cls);
  (*query)[key] = value ? value : "";
  return MHD_YES;
}

std::string RemoteAddress(MHD_Connection* connection) {
  const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!info || !info->client_addr) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

MHD_Result Send(MHD_Connection* connection, const Response& r) {
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!response) return MHD_NO;
  if (!r.content_type.empty()) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  }
  for (const auto& [name, value] : r.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ret;
}

Response PlainError(int status, const char* text) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = text;
  return r;
}

Response Dispatch(Server::Impl& impl, const Request& request) {
  try {
    return impl.handler(request);
  } catch (const std::exception&) {
    return PlainError(500, "Interner Fehler. / Internal error.\n");
  }
}

MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url, const char* method,
                     const char*, const char* upload_data, size_t* upload_data_size,
                     void** con_cls) {
  auto& impl = *static_cast<Server::Impl*>(cls);
  auto* pending = static_cast<PendingRequest*>(*con_cls);
  if (!pending) {
    pending = new PendingRequest();
    Request& request = pending->request;
    request.method = method;
    request.path = url;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, CollectHeader, &request.headers);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, CollectQuery, &request.query);
    request.remote_address = RemoteAddress(connection);
    try {
      pending->max_body_bytes = MaxBodyBytesFor(impl.options, request);
    } catch (const std::exception&) {
      pending->max_body_bytes = impl.options.max_body_bytes;
    }
    pending->refused_larger = pending->max_body_bytes == impl.options.max_body_bytes &&
                              LimitFor(impl.options, request.path) != nullptr;
    *con_cls = pending;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    auto& body = pending->request.body;
    if (body.size() + *upload_data_size > pending->max_body_bytes) {
      pending->too_large = true;
    } else {
      body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (pending->too_large && pending->refused_larger) {
    pending->request.body.clear();
    return Send(connection, Dispatch(impl, pending->request));
  }
  if (pending->too_large)
    return Send(connection, PlainError(413, "Anfrage zu groß. / Request too large.\n"));
  return Send(connection, Dispatch(impl, pending->request));
}

void OnCompleted(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  delete static_cast<PendingRequest*>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

std::size_t MaxBodyBytesFor(const ServerOptions& options, const Request& request) {
  const BodyLimit* limit = LimitFor(options, request.path);
  if (!limit || (limit->admits && !limit->admits(request))) return options.max_body_bytes;
  return limit->max_bytes;
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(Impl{std::move(options), std::move(handler), nullptr})) {}

Server::~Server() { Stop(); }

core::Result<std::uint16_t> Server::Start() {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(impl_->options.port);
  if (inet_pton(AF_INET, impl_->options.address.c_str(), &addr.sin_addr) != 1) {
    return core::InvalidArgument("listen address is not an IPv4 address: " +
                                 impl_->options.address);
  }
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
  impl_->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &OnRequest, impl_.get(), MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<const sockaddr*>(&addr), MHD_OPTION_THREAD_POOL_SIZE, impl_->options.threads,
      MHD_OPTION_CONNECTION_TIMEOUT, impl_->options.connection_timeout_seconds,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, impl_->options.per_ip_connection_limit,
      MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, nullptr,
      MHD_OPTION_END);
  if (!impl_->daemon) {
    return core::Unavailable("cannot listen on " + impl_->options.address + ":" +
                             std::to_string(impl_->options.port) + " (in use, or not permitted)");
  }
  const auto* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : impl_->options.port;
}

void Server::Stop() {
  if (impl_ && impl_->daemon) {
    MHD_stop_daemon(impl_->daemon);
    impl_->daemon = nullptr;
  }
}

}  // namespace consentd::http
