// Manifest: what `sluice push` has already pushed, so an interrupted push resumes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/fs.h"
#include "base/status.h"

namespace sluice::client {

// One item the server acknowledged (202) for this target.
struct ManifestEntry {
  std::string document_id;
  std::string path;  // as given on the command line, for messages
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256_hex;  // of the file's uncompressed bytes
  uint64_t ordering_id = 0;
};

// An append-only file of acknowledged items, one per (server URL, organization, source).
// A line is appended and made durable only after the server acknowledged the item, so a
// push killed at any moment leaves a manifest that lists nothing unacknowledged; a torn last
// line is ignored when read (and cut off when opened, so the next append starts a fresh
// line). Later lines supersede earlier ones for the same documentId.
// It also records a --rebuild in progress, so a rebuild that was interrupted resumes with the
// same orderingId. Opening rewrites the file without superseded lines when they are more than
// half of it. Thread-safe. After a failed write or fdatasync every later change fails with
// the same error: the file's tail is then unknown, and appending after it could lose lines.
//
// The file is text: a first line `sluice-manifest 1`, then one tab-separated line per event,
// each field escaped (`\\`, `\t`, `\n` for backslash, tab and newline):
//   A <orderingId> <size> <mtime_ns> <sha256hex> <documentId> <path>   acknowledged
//   F <documentId>                                                       forgotten
//   R <orderingId> / D <orderingId>                                      rebuild begun / done
// A malformed line is ignored; a wrong first line makes Open fail.
class Manifest {
 public:
  // Reads the manifest at `path`, creating it (and its directories) when missing.
  static base::Result<std::unique_ptr<Manifest>> Open(const std::filesystem::path& path);

  // The last acknowledged push of this item, if any and not forgotten.
  std::optional<ManifestEntry> Find(std::string_view document_id) const;
  // Appends the entries and fdatasyncs once (a batch is acknowledged as a whole).
  base::Status Record(const std::vector<ManifestEntry>& entries);
  // The item is no longer known to be pushed (e.g. the server failed it). Writes nothing
  // when the item is not recorded.
  base::Status Forget(std::string_view document_id);

  // The orderingId of a rebuild begun and not finished, if any.
  std::optional<uint64_t> UnfinishedRebuild() const;
  base::Status BeginRebuild(uint64_t ordering_id);
  base::Status FinishRebuild(uint64_t ordering_id);

  const std::filesystem::path& path() const;

 private:
  Manifest(std::filesystem::path path, base::UniqueFd fd,
           std::unordered_map<std::string, ManifestEntry> entries, std::optional<uint64_t> rebuild);
  // Appends `lines` in one write and fdatasyncs; on failure the manifest stops taking lines.
  base::Status AppendLocked(const std::string& lines);

  const std::filesystem::path path_;
  base::PosixFs fs_;
  mutable std::mutex mu_;
  base::UniqueFd fd_;                                       // O_APPEND
  std::unordered_map<std::string, ManifestEntry> entries_;  // by documentId
  std::optional<uint64_t> rebuild_;
  base::Status broken_;  // the first failed append; every later change returns it
};

// Where the manifest for a target lives when --manifest is not given:
// $XDG_STATE_HOME/sluice/manifests/<hex>.tsv (default ~/.local/state), where <hex> is the
// first 16 hex digits of SHA-256("<url>\n<org>\n<source>"). `home` and `xdg_state_home`
// are the environment's values (empty when unset), read by the caller.
std::filesystem::path DefaultManifestPath(std::string_view url, std::string_view org,
                                          std::string_view source, std::string_view home,
                                          std::string_view xdg_state_home);

}  // namespace sluice::client
