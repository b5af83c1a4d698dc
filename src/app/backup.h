// Backups of an embedded data directory: taken while the server runs, restored into a new
// directory before a server starts on it.
//
// A backup is a directory holding a copy of the data directory's files: state.db (SQLite's
// online backup, one snapshot), keys/ (the blob, upload and search-token keys), index/ (every
// source's Xapian database) and blobs/ (the file containers not yet consumed), and
// sluice-backup.json listing each file and its size. The applier is held between two batches
// while the copy is taken, so the index and the item table agree with the snapshot: what the
// snapshot holds as not yet applied is in the journal and, if it came by file container, in
// blobs/, and is applied after a restore. Pushes go on being acknowledged meanwhile.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/status.h"
#include "pipeline/pipeline.h"
#include "store/state_store.h"

namespace sluice::app {

struct BackupSummary {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Writes a backup of the server on `data_dir` into `target`, an absolute path that must not
// exist or be an empty directory, outside the data directory.
base::Result<BackupSummary> WriteBackup(const std::filesystem::path& data_dir,
                                        const std::filesystem::path& target,
                                        store::StateStore& store, pipeline::Pipeline& pipeline);

// Checks the backup at `backup` against its list of files, then copies it to `data_dir`,
// which must not exist or be an empty directory. The copy is made beside it and renamed into
// place, so an interrupted restore leaves no half-filled data directory.
base::Result<BackupSummary> RestoreBackup(const std::filesystem::path& backup,
                                          const std::filesystem::path& data_dir);

}  // namespace sluice::app
