#include "app/contact_import.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/admin.h"

namespace consentd::app {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxFileBytes = 20 * 1024 * 1024;

// RFC 4180 quoting with ';', so that ParseCsv reads the cell back as it was.
void AppendRow(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ';';
    out += '"';
    for (char c : cells[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  out += "\r\n";
}

int LineBreaks(const std::vector<std::string>& cells) {
  int n = 0;
  for (const auto& c : cells) n += static_cast<int>(std::count(c.begin(), c.end(), '\n'));
  return n;
}

// A chunk of rows as its own CSV text, and where each row starts in it and in the file.
struct Chunk {
  std::string text;
  std::vector<std::pair<int, int>> starts;  // line in chunk -> line in the file
};

Chunk MakeChunk(const CsvTable& table, std::size_t from, std::size_t to) {
  Chunk c;
  AppendRow(c.text, table.records.front().cells);
  int line = 2 + LineBreaks(table.records.front().cells);
  for (std::size_t i = from; i < to; ++i) {
    c.starts.emplace_back(line, table.records[i].line);
    AppendRow(c.text, table.records[i].cells);
    line += 1 + LineBreaks(table.records[i].cells);
  }
  return c;
}

int FileLine(const Chunk& chunk, int line) {
  int file_line = line;
  for (const auto& [chunk_line, original] : chunk.starts) {
    if (chunk_line <= line) file_line = original + (line - chunk_line);
  }
  return file_line;
}

json ErrorsJson(const std::vector<CsvRowError>& errors) {
  json list = json::array();
  for (const auto& e : errors) {
    list.push_back({{"line", e.line},
                    {"field", e.field},
                    {"message_de", e.message_de},
                    {"message_en", e.message_en}});
  }
  return list;
}

Status Save(core::Store& store, const core::ImportJob& job) {
  return store.Write([&](core::WriteTx& tx) { return tx.UpdateImportJob(job); });
}

Status Fail(core::Store& store, const core::Clock& clock, core::ImportJob& job,
            std::string reason) {
  job.state = core::ImportJobState::kFailed;
  job.failure = std::move(reason);
  job.updated_at = clock.Now();
  job.finished_at = job.updated_at;
  return Save(store, job);
}

// The whole-file checks of ImportContactsCsv (encoding, header, columns), on the header
// alone so that nothing is imported; the table when they pass.
Result<CsvTable> ReadTable(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                           const core::PhoneNormalizer& phones, core::TenantId tenant,
                           std::string_view bytes) {
  if (bytes.size() > kMaxFileBytes) {
    return core::InvalidArgument("Die CSV-Datei ist größer als 20 MB; bitte aufteilen.");
  }
  auto text = DecodeCsvBytes(bytes);
  if (!text) return text.error();
  auto table = ParseCsv(*text);
  if (!table) return table.error();
  Chunk header = MakeChunk(*table, 1, 1);
  auto checked = ImportContactsCsv(store, clock, crypto, phones, tenant, header.text);
  if (!checked) return checked.error();
  return table;
}

}  // namespace

Result<std::int64_t> StartImportJob(core::Store& store, const core::Clock& clock,
                                    const Actor& actor, std::string_view file_name) {
  core::ImportJob job;
  job.tenant_id = actor.tenant;
  job.user_id = actor.user;
  job.file_name = std::string(file_name.substr(0, 200));
  job.created_at = job.updated_at = clock.Now();
  std::int64_t id = 0;
  auto status = store.Write([&](core::WriteTx& tx) -> Status {
    auto r = tx.InsertImportJob(job);
    if (!r) return r.error();
    id = *r;
    return {};
  });
  if (!status) return status.error();
  return id;
}

namespace {

// Fails the tenant's jobs running since before `now` inside `tx`; returns how many.
Result<int> FailRunningJobs(core::WriteTx& tx, core::TenantId tenant, core::Time now) {
  auto running = tx.ListImportJobsInState(tenant, core::ImportJobState::kRunning);
  if (!running) return running.error();
  int failed = 0;
  for (core::ImportJob& job : *running) {
    if (job.created_at >= now) continue;  // started by this process already
    ++failed;
    job.state = core::ImportJobState::kFailed;
    job.failure = std::string(kImportCutByRestart);
    job.updated_at = now;
    job.finished_at = now;
    CONSENTD_RETURN_IF_ERROR(tx.UpdateImportJob(job));
  }
  return failed;
}

}  // namespace

Result<int> FailInterruptedImportJobs(core::Store& store, const core::Clock& clock) {
  auto tenants = AllTenants(store);
  if (!tenants) return tenants.error();
  const core::Time now = clock.Now();
  int failed = 0;
  for (const core::Tenant& tenant : *tenants) {
    int failed_here = 0;
    CONSENTD_RETURN_IF_ERROR(store.Write([&](core::WriteTx& tx) -> Status {
      auto n = FailRunningJobs(tx, tenant.id, now);
      if (!n) return n.error();
      failed_here = *n;
      return {};
    }));
    failed += failed_here;
  }
  return failed;
}

Result<core::ImportJob> FindImportJob(core::Store& store, core::TenantId tenant, std::int64_t id) {
  core::ImportJob job;
  auto status = store.Read([&](core::ReadTx& tx) -> Status {
    auto found = tx.FindImportJob(tenant, id);
    if (!found) return found.error();
    job = std::move(*found);
    return {};
  });
  if (!status) return status.error();
  return job;
}

Status RunImportJob(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                    const core::PhoneNormalizer& phones, const Actor& actor, std::int64_t job_id,
                    std::string_view bytes, const std::function<bool()>& stop, int chunk_rows) {
  auto found = FindImportJob(store, actor.tenant, job_id);
  if (!found) return found.error();
  core::ImportJob job = std::move(*found);
  auto table = ReadTable(store, clock, crypto, phones, actor.tenant, bytes);
  if (!table && table.error().code != core::ErrorCode::kInvalidArgument) {
    CONSENTD_RETURN_IF_ERROR(Fail(store, clock, job, "Interner Fehler beim Import."));
    return table.error();
  }
  if (!table) return Fail(store, clock, job, table.error().message);
  std::vector<CsvRowError> errors = table->errors;
  const std::size_t rows = table->records.size();
  job.total_rows = static_cast<std::int64_t>(rows - 1);
  CONSENTD_RETURN_IF_ERROR(Save(store, job));
  const auto chunk = static_cast<std::size_t>(std::max(1, chunk_rows));
  for (std::size_t from = 1; from < rows; from += chunk) {
    if (stop()) return Fail(store, clock, job, "Der Import wurde unterbrochen.");
    const std::size_t to = std::min(rows, from + chunk);
    Chunk part = MakeChunk(*table, from, to);
    auto report = ImportContactsCsv(store, clock, crypto, phones, actor.tenant, part.text);
    if (!report) {
      CONSENTD_RETURN_IF_ERROR(Fail(store, clock, job, "Interner Fehler beim Import."));
      return report.error();
    }
    for (auto e : report->errors) {
      e.line = FileLine(part, e.line);
      errors.push_back(std::move(e));
    }
    job.processed_rows = static_cast<std::int64_t>(to - 1);
    job.inserted += report->inserted;
    job.updated += report->updated;
    job.unchanged += report->unchanged;
    job.updated_at = clock.Now();
    CONSENTD_RETURN_IF_ERROR(Save(store, job));
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const CsvRowError& a, const CsvRowError& b) { return a.line < b.line; });
  job.state = core::ImportJobState::kDone;
  job.errors = ErrorsJson(errors).dump();
  job.updated_at = clock.Now();
  job.finished_at = job.updated_at;
  return store.Write([&](core::WriteTx& tx) -> Status {
    CONSENTD_RETURN_IF_ERROR(tx.UpdateImportJob(job));
    json detail = {{"inserted", job.inserted},
                   {"updated", job.updated},
                   {"unchanged", job.unchanged},
                   {"errors", errors.size()}};
    return WriteAudit(tx, actor, "contact.import", "import:" + std::to_string(job.id), detail,
                      job.updated_at);
  });
}

}  // namespace consentd::app
