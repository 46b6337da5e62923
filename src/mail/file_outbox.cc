#include "mail/file_outbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/result.h"

namespace consentd::mail {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxNameLength = 200;

core::Error IoError(std::string_view what, const fs::path& path, int error_number) {
  return core::Unavailable(std::string(what) + " " + path.string() + ": " +
                           std::generic_category().message(error_number));
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoringCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

// The unfolded value of the Message-ID header in the header block of `mime`, or "".
std::string FindMessageId(std::string_view mime) {
  std::string value;
  bool in_message_id = false;
  for (std::size_t pos = 0; pos < mime.size();) {
    std::size_t end = std::min(mime.find('\n', pos), mime.size());
    std::string_view line = mime.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line == "\r") break;  // end of the header block
    if (IsSpace(line.front())) {
      if (in_message_id) value += Trim(line);
      continue;
    }
    if (!value.empty()) break;  // the header after Message-ID
    in_message_id = StartsWithIgnoringCase(line, "message-id:");
    if (in_message_id) value = Trim(line.substr(11));
  }
  return value;
}

std::uint64_t Fnv1a(std::string_view data) {
  std::uint64_t hash = 0xcbf29ce484222325u;
  for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3u;
  return hash;
}

bool IsFileNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._@+-=").find(c) != std::string_view::npos;
}

std::string FileNameFor(std::string_view mime) {
  std::string id = FindMessageId(mime);
  std::string_view bare = id;
  if (bare.starts_with('<') && bare.ends_with('>')) bare = bare.substr(1, bare.size() - 2);
  std::string name;
  for (char c : bare.substr(0, kMaxNameLength)) name += IsFileNameChar(c) ? c : '_';
  if (name.starts_with('.')) name[0] = '_';  // no hidden files, no "." or ".."
  if (!name.empty()) return name;
  char fallback[40];
  std::snprintf(fallback, sizeof fallback, "no-message-id-%016llx",
                static_cast<unsigned long long>(Fnv1a(mime)));
  return fallback;
}

// A temp file that is removed unless Commit() renamed it into place.
class TempFile {
 public:
  static core::Result<TempFile> Create(const fs::path& dir, const std::string& name) {
    std::string path = (dir / ("." + name + ".tmp-XXXXXX")).string();
    int fd = mkstemp(path.data());
    if (fd < 0) return IoError("could not create a temp file in", dir, errno);
    return TempFile(std::move(path), fd);
  }
  TempFile(TempFile&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
    other.path_.clear();
  }
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (!path_.empty()) unlink(path_.c_str());
  }

  core::Status WriteAndSync(std::string_view data);
  core::Status Commit(const fs::path& target);

 private:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;  // empty once committed
  int fd_;
};

core::Status TempFile::WriteAndSync(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("could not write", path_, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (fsync(fd_) != 0) return IoError("could not fsync", path_, errno);
  int fd = std::exchange(fd_, -1);
  if (close(fd) != 0) return IoError("could not close", path_, errno);
  return {};
}

core::Status TempFile::Commit(const fs::path& target) {
  if (rename(path_.c_str(), target.c_str()) != 0) {
    return IoError("could not rename to", target, errno);
  }
  path_.clear();
  return {};
}

// Makes a rename in `dir` durable.
core::Status SyncDir(const fs::path& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("could not open", dir, errno);
  int result = fsync(fd);
  int error_number = errno;
  close(fd);
  if (result != 0) return IoError("could not fsync", dir, error_number);
  return {};
}

core::Result<fs::path> WriteAtomically(const fs::path& dir, const std::string& name,
                                       std::string_view data) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("could not create", dir, ec.value());
  core::Result<TempFile> temp = TempFile::Create(dir, name);
  if (!temp) return temp.error();
  CONSENTD_RETURN_IF_ERROR(temp->WriteAndSync(data));
  fs::path target = dir / (name + ".eml");
  CONSENTD_RETURN_IF_ERROR(temp->Commit(target));
  CONSENTD_RETURN_IF_ERROR(SyncDir(dir));
  return target;
}

}  // namespace

FileOutbox::FileOutbox(std::filesystem::path dir) : dir_(std::move(dir)) {}

core::SendResult FileOutbox::Send(const core::Envelope& /*envelope*/, std::string_view mime) {
  core::Result<fs::path> written = WriteAtomically(dir_, FileNameFor(mime), mime);
  if (!written) return {core::SendOutcome::kTransient, written.error().message};
  return {core::SendOutcome::kSent, "written to " + written->string()};
}

}  // namespace consentd::mail
