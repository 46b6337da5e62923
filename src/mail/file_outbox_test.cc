#include "mail/file_outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "mail/mime_builder.h"
#include "mail/test_temp_dir.h"

namespace consentd::mail {
namespace {

namespace fs = std::filesystem;
using core::SendOutcome;

std::string Mime(const std::string& message_id) {
  core::OutgoingMail mail;
  mail.from_address = "info@makler.example";
  mail.to_address = "eva@example.org";
  mail.subject = "Kontakt- und Gesuchsdaten";
  mail.text_body = "Guten Tag\n";
  mail.message_id = message_id;
  mail.date = core::ParseIso("2026-11-30T14:05:09Z").value();
  return BuildMime(mail).value();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Every entry in `dir`, hidden ones included.
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(FileOutboxTest, WritesTheMessageUnderItsMessageId) {
  TestTempDir dir;
  FileOutbox outbox(dir.path());
  std::string mime = Mime("<m1.k7@makler.example>");
  core::SendResult result = outbox.Send({"bounce@makler.example", "eva@example.org"}, mime);
  fs::path expected = dir.path() / "m1.k7@makler.example.eml";
  EXPECT_EQ(result.outcome, SendOutcome::kSent);
  EXPECT_EQ(result.reply, "written to " + expected.string());
  EXPECT_EQ(ReadFile(expected), mime);
  EXPECT_EQ(fs::status(expected).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(FileOutboxTest, CreatesAMissingDirectory) {
  TestTempDir dir;
  FileOutbox outbox(dir.path() / "var" / "outbox");
  EXPECT_EQ(outbox.Send({}, Mime("<m1@makler.example>")).outcome, SendOutcome::kSent);
  EXPECT_TRUE(fs::exists(dir.path() / "var" / "outbox" / "m1@makler.example.eml"));
}

TEST(FileOutboxTest, LeavesNoTempFilesAndOneFilePerMessage) {
  TestTempDir dir;
  FileOutbox outbox(dir.path());
  for (const char* id : {"<a@makler.example>", "<b@makler.example>", "<a@makler.example>"}) {
    EXPECT_EQ(outbox.Send({}, Mime(id)).outcome, SendOutcome::kSent);
  }
  EXPECT_EQ(Entries(dir.path()),
            (std::vector<std::string>{"a@makler.example.eml", "b@makler.example.eml"}));
}

TEST(FileOutboxTest, SanitisesSlashesAndDotsInTheMessageId) {
  TestTempDir dir;
  fs::path outbox_dir = dir.path() / "outbox";
  FileOutbox outbox(outbox_dir);
  core::SendResult result = outbox.Send({}, Mime("<../../etc/passwd@x.example>"));
  EXPECT_EQ(result.outcome, SendOutcome::kSent) << result.reply;
  EXPECT_EQ(Entries(outbox_dir), (std::vector<std::string>{"_._.._etc_passwd@x.example.eml"}));
  EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"outbox"}));
}

TEST(FileOutboxTest, ReadsAFoldedMessageIdAndNamesMessagesWithoutOne) {
  TestTempDir dir;
  FileOutbox outbox(dir.path());
  std::string folded =
      "Subject: x\r\nMessage-ID:\r\n <folded/id@x.example>\r\nTo: y@z\r\n\r\nb\r\n";
  EXPECT_EQ(outbox.Send({}, folded).outcome, SendOutcome::kSent);
  std::string anonymous = "Subject: x\r\n\r\nMessage-ID: <in-body@x.example>\r\n";
  EXPECT_EQ(outbox.Send({}, anonymous).outcome, SendOutcome::kSent);
  std::vector<std::string> entries = Entries(dir.path());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], "folded_id@x.example.eml");
  EXPECT_TRUE(entries[1].starts_with("no-message-id-")) << entries[1];
}

TEST(FileOutboxTest, AnIoErrorIsTransient) {
  TestTempDir dir;
  fs::path not_a_dir = dir.path() / "file";
  std::ofstream(not_a_dir) << "x";
  FileOutbox outbox(not_a_dir);
  core::SendResult result = outbox.Send({}, Mime("<m1@makler.example>"));
  EXPECT_EQ(result.outcome, SendOutcome::kTransient);
  EXPECT_TRUE(result.reply.starts_with("could not ")) << result.reply;
}

TEST(FileOutboxTest, ThreadsCanShareOneOutbox) {
  TestTempDir dir;
  FileOutbox outbox(dir.path());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &outbox] {
      for (int i = 0; i < 20; ++i) {
        std::string id = "<" + std::to_string(t) + "-" + std::to_string(i) + "@makler.example>";
        EXPECT_EQ(outbox.Send({}, Mime(id)).outcome, SendOutcome::kSent);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Entries(dir.path()).size(), 80u);
}

}  // namespace
}  // namespace consentd::mail
