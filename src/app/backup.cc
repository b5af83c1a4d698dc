#include "app/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/fs.h"

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kManifest = "sluice-backup.json";
constexpr std::string_view kStateFile = "state.db";
// The directories copied file by file; state.db goes through SQLite's backup instead.
constexpr std::string_view kCopiedDirs[] = {"keys", "index", "blobs"};

base::Status Errno(const std::string& what) { return base::ErrnoError(what, errno); }

// Copies `from` to `to` (created, owner-only) and fsyncs it; the bytes copied. NotFound when
// `from` is gone (a container consumed or an upload renamed since the listing).
base::Result<uint64_t> CopyFileDurably(const fs::path& from, const fs::path& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return base::NotFound(from.string() + " is gone");
    return Errno("open " + from.string());
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return Errno("create " + to.string());
  }
  std::vector<char> buffer(size_t{1} << 20);
  uint64_t total = 0;
  base::Status status;
  for (;;) {
    auto n = base::ReadSome(in, buffer.data(), buffer.size(), from.string());
    if (!n.ok()) {
      status = n.status();
      break;
    }
    if (*n == 0) break;
    status = base::WriteAll(out, buffer.data(), *n, to.string());
    if (!status.ok()) break;
    total += *n;
  }
  if (status.ok() && ::fsync(out) != 0) status = Errno("fsync " + to.string());
  ::close(in);
  ::close(out);
  if (!status.ok()) return status;
  return total;
}

// A target that is absent, or an empty directory (removed, so that it can be created anew).
base::Status ClaimEmptyTarget(const fs::path& target, std::string_view what) {
  std::error_code ec;
  if (!fs::exists(target, ec)) return base::Status::Ok();
  if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)) {
    return base::FailedPrecondition(std::string(what) + " " + target.string() +
                                    " exists and is not an empty directory");
  }
  if (!fs::remove(target, ec))
    return base::IoError("remove " + target.string() + ": " + ec.message());
  return base::Status::Ok();
}

// Copies every regular file below `data_dir / dir` into `target / dir`, adding each to `files`.
base::Status CopyTree(const fs::path& data_dir, const fs::path& target, std::string_view dir,
                      json::array& files, BackupSummary& summary) {
  std::error_code ec;
  const fs::path root = data_dir / dir;
  if (!fs::exists(root, ec)) return base::Status::Ok();
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(target / dir));
  std::vector<fs::path> directories{target / dir};
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path relative = fs::relative(it->path(), data_dir, ec);
    if (ec) break;
    if (it->is_directory(ec)) {
      SLUICE_RETURN_IF_ERROR(base::MakeDirs(target / relative));
      directories.push_back(target / relative);
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    auto bytes = CopyFileDurably(it->path(), target / relative);
    if (!bytes.ok() && bytes.status().code() == base::StatusCode::kNotFound) continue;
    if (!bytes.ok()) return bytes.status();
    files.push_back(json::object{{"path", relative.string()}, {"bytes", *bytes}});
    ++summary.files;
    summary.bytes += *bytes;
  }
  if (ec) return base::IoError("list " + root.string() + ": " + ec.message());
  for (const fs::path& d : directories) SLUICE_RETURN_IF_ERROR(base::SyncDir(d));
  return base::Status::Ok();
}

struct ManifestEntry {
  std::string path;
  uint64_t bytes = 0;
};

base::Result<std::vector<ManifestEntry>> ReadManifest(const fs::path& backup) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, base::ReadFile(backup / kManifest));
  json::error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  const json::value* files = o != nullptr ? o->if_contains("files") : nullptr;
  if (files == nullptr || !files->is_array() || o->if_contains("format") == nullptr ||
      *o->if_contains("format") != 1) {
    return base::InvalidArgument((backup / kManifest).string() +
                                 " is not a Sluice backup manifest (format 1)");
  }
  std::vector<ManifestEntry> entries;
  for (const json::value& f : files->as_array()) {
    const json::object* e = f.is_object() ? &f.as_object() : nullptr;
    const json::value* path = e != nullptr ? e->if_contains("path") : nullptr;
    const json::value* bytes = e != nullptr ? e->if_contains("bytes") : nullptr;
    if (path == nullptr || !path->is_string() || bytes == nullptr || !bytes->is_number()) {
      return base::InvalidArgument("a file entry of " + (backup / kManifest).string() +
                                   " lacks its path or size");
    }
    const fs::path p(std::string(path->as_string()));
    // A listed path stays inside the backup and the data directory.
    if (p.is_absolute() || p.lexically_normal().string().starts_with("..")) {
      return base::InvalidArgument("the backup lists a path outside itself: " + p.string());
    }
    entries.push_back(ManifestEntry{p.string(), bytes->to_number<uint64_t>()});
  }
  return entries;
}

}  // namespace

base::Result<BackupSummary> WriteBackup(const fs::path& data_dir, const fs::path& target,
                                        store::StateStore& store, pipeline::Pipeline& pipeline) {
  if (!target.is_absolute()) {
    return base::InvalidArgument("the backup directory must be an absolute path (got '" +
                                 target.string() + "')");
  }
  std::error_code ec;
  const fs::path data = fs::weakly_canonical(data_dir, ec);
  const fs::path into = fs::weakly_canonical(target, ec);
  if (into.string().starts_with(data.string() + "/") || into == data) {
    return base::InvalidArgument("the backup directory must be outside the data directory " +
                                 data.string());
  }
  SLUICE_RETURN_IF_ERROR(ClaimEmptyTarget(target, "the backup directory"));
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(target));
  fs::permissions(target, fs::perms::owner_all, ec);  // it holds the keys

  BackupSummary summary;
  json::array files;
  {
    const auto paused = pipeline.PauseApplying();
    SLUICE_RETURN_IF_ERROR(store.BackupTo(target / kStateFile));
    const uint64_t state_bytes = fs::file_size(target / kStateFile, ec);
    files.push_back(json::object{{"path", std::string(kStateFile)}, {"bytes", state_bytes}});
    summary.files = 1;
    summary.bytes = state_bytes;
    for (std::string_view dir : kCopiedDirs) {
      SLUICE_RETURN_IF_ERROR(CopyTree(data_dir, target, dir, files, summary));
    }
  }
  json::object manifest{{"format", 1}, {"files", std::move(files)}};
  SLUICE_RETURN_IF_ERROR(
      base::WriteFileAtomic(target / kManifest, json::serialize(manifest) + "\n", 0600));
  return summary;
}

base::Result<BackupSummary> RestoreBackup(const fs::path& backup, const fs::path& data_dir) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<ManifestEntry> entries, ReadManifest(backup));
  std::error_code ec;
  for (const ManifestEntry& e : entries) {
    const uint64_t size = fs::file_size(backup / e.path, ec);
    if (ec || size != e.bytes) {
      return base::DataLoss("the backup is damaged: " + (backup / e.path).string() +
                            (ec ? " is missing"
                                : " has " + std::to_string(size) + " bytes, the manifest says " +
                                      std::to_string(e.bytes)));
    }
  }
  SLUICE_RETURN_IF_ERROR(ClaimEmptyTarget(data_dir, "the data directory"));
  const fs::path staging = data_dir.string() + ".restoring";
  fs::remove_all(staging, ec);  // what an interrupted restore left
  BackupSummary summary;
  for (const ManifestEntry& e : entries) {
    const fs::path to = staging / e.path;
    SLUICE_RETURN_IF_ERROR(base::MakeDirs(to.parent_path()));
    SLUICE_ASSIGN_OR_RETURN(uint64_t bytes, CopyFileDurably(backup / e.path, to));
    ++summary.files;
    summary.bytes += bytes;
  }
  for (auto it = fs::recursive_directory_iterator(staging, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec)) SLUICE_RETURN_IF_ERROR(base::SyncDir(it->path()));
  }
  SLUICE_RETURN_IF_ERROR(base::SyncDir(staging));
  fs::rename(staging, data_dir, ec);
  if (ec)
    return base::IoError("rename " + staging.string() + " to " + data_dir.string() + ": " +
                         ec.message());
  SLUICE_RETURN_IF_ERROR(base::SyncDir(fs::absolute(data_dir).parent_path()));
  return summary;
}

}  // namespace sluice::app
