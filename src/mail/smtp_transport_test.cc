#include "mail/smtp_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "mail/mime_builder.h"
#include "mail/test_temp_dir.h"

extern char** environ;

namespace consentd::mail {
namespace {

namespace fs = std::filesystem;
using core::SendOutcome;
using std::chrono::steady_clock;

constexpr auto kServerStartTimeout = std::chrono::seconds(10);

fs::path ServerScript() { return fs::path(__FILE__).parent_path() / "testdata/smtp_server.py"; }

// testdata/smtp_server.py in one mode, as a child process killed on destruction.
class SmtpServer {
 public:
  SmtpServer() = default;
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;
  ~SmtpServer() { Stop(); }

  // Starts the server and waits (bounded) for the port line; 0 on failure.
  int Start(const std::string& mode, const fs::path& dir) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return 0;
    Spawn(mode, dir, out[1]);
    close(out[1]);
    int port = ReadPort(out[0]);
    close(out[0]);
    return port;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  void Spawn(const std::string& mode, const fs::path& dir, int stdout_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    std::string python = "/usr/bin/python3", script = ServerScript().string();
    std::string dir_arg = dir.string();
    std::vector<char*> argv = {python.data(), script.data(), const_cast<char*>(mode.c_str()),
                               dir_arg.data(), nullptr};
    if (posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }

  int ReadPort(int fd) const {
    std::string line;
    auto deadline = steady_clock::now() + kServerStartTimeout;
    while (pid_ > 0 && line.find('\n') == std::string::npos && steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[64];
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;  // the server died
      line.append(buffer, static_cast<std::size_t>(n));
    }
    return line.find('\n') == std::string::npos ? 0 : std::stoi(line);
  }

  pid_t pid_ = -1;
};

// A loopback port nobody listens on (bound for a moment, then released).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

core::OutgoingMail Mail(const std::string& id) {
  core::OutgoingMail mail;
  mail.from_address = "info@makler.example";
  mail.from_name = "Müller Immobilien GmbH & Co. KG";
  mail.to_address = "eva@example.org";
  mail.to_name = "Eva Weiß";
  mail.subject = "Kontakt- und Gesuchsdaten " + id;
  mail.text_body =
      "Guten Tag,\n.\nbitte bestaetigen Sie hier: https://makler.example/c/" + id + "\n";
  mail.html_body = "<p>Guten Tag</p>\n";
  mail.message_id = "<" + id + "@makler.example>";
  mail.date = core::ParseIso("2026-11-30T14:05:09Z").value();
  return mail;
}

std::string Mime(const std::string& id) { return BuildMime(Mail(id)).value(); }

core::Envelope TestEnvelope() { return {"bounce@makler.example", "eva@example.org"}; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Saved messages, sorted by name ("<n>-<client port>.eml"), hidden temp files excluded.
std::vector<fs::path> SavedMessages(const fs::path& dir) {
  std::set<fs::path> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().front() != '.') names.insert(entry.path());
  }
  return {names.begin(), names.end()};
}

std::string ClientPort(const fs::path& saved) {
  std::string name = saved.stem().string();
  return name.substr(name.find('-') + 1);
}

class SmtpTransportTest : public ::testing::Test {
 protected:
  // Starts the server in `mode`, returns settings pointing at it.
  SmtpSettings StartServer(const std::string& mode) {
    int port = server_.Start(mode, dir_.path());
    EXPECT_NE(port, 0) << "smtp_server.py did not start (mode " << mode << ")";
    return Settings(port);
  }

  static SmtpSettings Settings(int port) {
    SmtpSettings settings;
    settings.url = "smtp://127.0.0.1:" + std::to_string(port) + "/consentd.test";
    settings.timeout_seconds = 5;
    return settings;
  }

  TestTempDir dir_;
  SmtpServer server_;
};

TEST_F(SmtpTransportTest, DeliversMessageThatArrivesIntact) {
  SmtpTransport transport(StartServer("accept"));
  std::string mime = Mime("m1");
  core::SendResult result = transport.Send(TestEnvelope(), mime);
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.reply;
  EXPECT_TRUE(result.reply.starts_with("250 2.0.0 Ok: queued")) << result.reply;

  std::vector<fs::path> saved = SavedMessages(dir_.path());
  ASSERT_EQ(saved.size(), 1u);
  std::string arrived = ReadFile(saved[0]);
  EXPECT_NE(arrived.find("Subject: Kontakt- und Gesuchsdaten m1\r\n"), std::string::npos);
  EXPECT_NE(arrived.find("https://makler.example/c/m1"), std::string::npos);
  EXPECT_EQ(arrived, mime);  // the lone "." line survived dot-stuffing
}

TEST_F(SmtpTransportTest, ReusesTheConnectionForTheNextMessage) {
  SmtpTransport transport(StartServer("accept"));
  EXPECT_EQ(transport.Send(TestEnvelope(), Mime("m1")).outcome, SendOutcome::kSent);
  EXPECT_EQ(transport.Send(TestEnvelope(), Mime("m2")).outcome, SendOutcome::kSent);

  std::vector<fs::path> saved = SavedMessages(dir_.path());
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_NE(ReadFile(saved[0]).find("Gesuchsdaten m1"), std::string::npos);
  EXPECT_NE(ReadFile(saved[1]).find("Gesuchsdaten m2"), std::string::npos);
  EXPECT_EQ(ClientPort(saved[0]), ClientPort(saved[1])) << "second message used a new connection";
}

TEST_F(SmtpTransportTest, SendsWithTheNullSender) {
  SmtpTransport transport(StartServer("accept"));
  core::SendResult result = transport.Send({"", "eva@example.org"}, Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.reply;
}

TEST_F(SmtpTransportTest, MailboxBusyIsTransient) {
  SmtpTransport transport(StartServer("reply450"));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(result.reply.starts_with("450 4.2.1 Mailbox busy")) << result.reply;
  EXPECT_NE(result.reply.find("(curl: "), std::string::npos) << result.reply;
}

TEST_F(SmtpTransportTest, ServiceClosingIsTransientAndTheNextSendReconnects) {
  SmtpTransport transport(StartServer("reply421"));
  core::SendResult first = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(first.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(first.reply.starts_with("421")) << first.reply;
  core::SendResult second = transport.Send(TestEnvelope(), Mime("m2"));
  EXPECT_EQ(second.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(second.reply.starts_with("421")) << second.reply;
}

TEST_F(SmtpTransportTest, RejectedRecipientIsPermanent) {
  SmtpTransport transport(StartServer("reply550"));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(result.reply.starts_with("550 5.1.1 Mailbox unavailable")) << result.reply;
  EXPECT_EQ(result.reply.find("Guten Tag"), std::string::npos) << "reply leaks the body";
}

TEST_F(SmtpTransportTest, RejectionAfterDataIsPermanent) {
  SmtpTransport transport(StartServer("reply554-data"));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(result.reply.starts_with("554 5.7.1")) << result.reply;
}

TEST_F(SmtpTransportTest, DeferralAfterDataIsTransient) {
  SmtpTransport transport(StartServer("reply452-data"));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(result.reply.starts_with("452 4.3.1")) << result.reply;
}

// A 5xx greeting refuses this client, not the message: keep the message queued.
TEST_F(SmtpTransportTest, RefusedGreetingIsTransient) {
  SmtpTransport transport(StartServer("greet554"));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient) << result.reply;
  EXPECT_TRUE(result.reply.starts_with("554 5.7.1 No SMTP service")) << result.reply;
}

TEST_F(SmtpTransportTest, NothingListeningIsTransient) {
  SmtpTransport transport(Settings(ClosedPort()));
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(result.reply.starts_with("(curl: ")) << result.reply;
}

TEST_F(SmtpTransportTest, StalledServerIsTransientWithinTheTimeout) {
  SmtpSettings settings = StartServer("stall");
  settings.timeout_seconds = 2;
  SmtpTransport transport(settings);
  auto start = steady_clock::now();
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  auto elapsed = steady_clock::now() - start;
  EXPECT_EQ(result.outcome, SendOutcome::kTransient) << result.reply;
  EXPECT_LT(elapsed, std::chrono::seconds(8)) << result.reply;
  EXPECT_GE(elapsed, std::chrono::milliseconds(1500)) << result.reply;
}

TEST_F(SmtpTransportTest, UpgradesWithStartTls) {
  SmtpSettings settings = StartServer("starttls");
  settings.starttls = true;
  settings.verify_tls = false;  // the test server's certificate is self-signed
  SmtpTransport transport(settings);
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.reply;
  EXPECT_EQ(SavedMessages(dir_.path()).size(), 1u);
}

TEST_F(SmtpTransportTest, UntrustedCertificateIsTransient) {
  SmtpSettings settings = StartServer("starttls");
  settings.starttls = true;
  SmtpTransport transport(settings);
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient) << result.reply;
  EXPECT_TRUE(SavedMessages(dir_.path()).empty());
}

TEST_F(SmtpTransportTest, RequiredStartTlsMissingIsTransientAndSendsNothing) {
  SmtpSettings settings = StartServer("accept");
  settings.starttls = true;
  SmtpTransport transport(settings);
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient) << result.reply;
  EXPECT_TRUE(SavedMessages(dir_.path()).empty());
}

TEST_F(SmtpTransportTest, AuthenticatesWithUsernameAndPassword) {
  SmtpSettings settings = StartServer("auth");
  settings.username = "makler";
  settings.password = "geheim";
  SmtpTransport transport(settings);
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.reply;
}

// 535 is a 5xx, but it condemns the account, not the message: keep the message queued.
TEST_F(SmtpTransportTest, WrongPasswordIsTransient) {
  SmtpSettings settings = StartServer("auth");
  settings.username = "makler";
  settings.password = "falsch";
  SmtpTransport transport(settings);
  core::SendResult result = transport.Send(TestEnvelope(), Mime("m1"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient) << result.reply;
  EXPECT_TRUE(result.reply.starts_with("535")) << result.reply;
  EXPECT_EQ(result.reply.find("falsch"), std::string::npos) << "reply leaks the password";
}

TEST_F(SmtpTransportTest, RefusesEnvelopeInjectionWithoutConnecting) {
  SmtpTransport transport(Settings(ClosedPort()));
  core::SendResult result =
      transport.Send({"a@makler.example", "eva@example.org>\r\nRCPT TO:<x@y.example"}, "x");
  EXPECT_EQ(result.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(result.reply, "invalid envelope address: rcpt_to");
}

}  // namespace
}  // namespace consentd::mail
