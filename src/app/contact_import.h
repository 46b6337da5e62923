// The CSV import of the admin UI: the CLI's import (app/contacts_csv.h, same rules and
// messages) run in chunks so that its progress can be kept in an import job row that any
// node can read for the browser's progress bar.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "app/audit.h"
#include "app/contacts_csv.h"
#include "core/import_job.h"
#include "core/ports.h"
#include "core/store.h"

namespace consentd::app {

// Data rows per chunk: one progress update each.
inline constexpr int kImportChunkRows = 100;

// Creates the job row (state running) for a file; returns its id.
core::Result<std::int64_t> StartImportJob(core::Store& store, const core::Clock& clock,
                                          const Actor& actor, std::string_view file_name);

// Imports `bytes` as ImportContactsCsv does, in chunks of kImportChunkRows rows, and keeps
// job `job_id` up to date: total, processed and the counts after each chunk; at the end the
// per-line errors (lines of the whole file) and state done, with an audit entry — or state
// failed with the reason when the whole file is refused. `stop` is asked between chunks;
// when it says true the job ends as failed ("interrupted"). Blocks until done.
core::Status RunImportJob(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                          const core::PhoneNormalizer& phones, const Actor& actor,
                          std::int64_t job_id, std::string_view bytes,
                          const std::function<bool()>& stop, int chunk_rows = kImportChunkRows);

// Why a job ended that a server restart cut off (German, as every stored failure; the admin
// UI shows its own text for it in the user's language).
inline constexpr std::string_view kImportCutByRestart =
    "Der Import wurde durch einen Neustart des Servers abgebrochen. Bitte laden Sie die Datei "
    "erneut hoch; bereits importierte Zeilen werden dabei nur abgeglichen.";

// At server start, before imports can begin: marks every import job created before now and
// still "running" as failed with kImportCutByRestart, since the process that ran it is gone
// (its file was only kept in memory). Returns how many. On several nodes this may also mark
// a job another node is running; that node's next progress save writes the whole row and
// puts it back.
core::Result<int> FailInterruptedImportJobs(core::Store& store, const core::Clock& clock);

core::Result<core::ImportJob> FindImportJob(core::Store& store, core::TenantId tenant,
                                            std::int64_t id);

}  // namespace consentd::app
