#include "client/pusher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>

#include "base/ascii.h"
#include "base/fs.h"
#include "client/compressed_file.h"
#include "client/document_json.h"
#include "client/json_files.h"
#include "client/log_follower.h"

namespace sluice::client {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSidecarSuffix = ".meta.json";
constexpr uint64_t kMaxSidecarBytes = 1 << 20;
constexpr uint64_t kMaxJsonFileBytes = 1ull << 30;
// Log lines are matched from a little before the push began, for a server clock behind ours.
constexpr int64_t kClockSlackMs = int64_t{5} * 60 * 1000;

// Percent-encodes a path for a URI, keeping its slashes.
std::string EncodePath(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out += PercentEncode(path.substr(start, slash - start));
    if (slash < path.size()) out += '/';
    start = slash + 1;
  }
  return out;
}

std::string DefaultPrefix(const fs::path& dir) {
  std::string absolute = fs::absolute(dir).lexically_normal().generic_string();
  if (absolute.empty() || absolute.back() != '/') absolute += '/';
  return "file://" + EncodePath(absolute);
}

std::string ExtensionOf(std::string_view name) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash) ||
      dot + 1 == name.size()) {
    return "";
  }
  return base::AsciiLower(name.substr(dot));
}

// The file's bytes, unless it is larger than `limit` (a sidecar or JSON file is read whole).
base::Result<std::string> ReadFileUpTo(const fs::path& path, uint64_t limit) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > limit) {
    return base::ResourceExhausted(path.string() + " is larger than " + FormatBytes(limit));
  }
  return base::ReadFile(path);
}

}  // namespace

Pusher::Pusher(PushOptions options, Target target, RetryPolicy policy, Progress& progress,
               Manifest* manifest, const base::Clock& clock)
    : options_(std::move(options)),
      target_(std::move(target)),
      policy_(policy),
      progress_(progress),
      manifest_(manifest),
      clock_(clock) {}

PushClient Pusher::MakeClient() {
  return PushClient(target_, policy_,
                    [this](std::string_view what, std::string_view why, int64_t delay_ms) {
                      progress_.Retrying(what, why, delay_ms);
                    });
}

PushTask Pusher::MakeTask(const fs::path& file, const std::string& relative,
                          const std::string& prefix) const {
  PushTask task;
  task.path = file;
  task.display = file.string();
  task.document_id = prefix + EncodePath(relative);
  task.file_extension =
      options_.file_extension.empty() ? ExtensionOf(relative) : options_.file_extension;
  fs::path sidecar = file;
  sidecar += kSidecarSuffix;
  std::error_code ec;
  if (!options_.json_files && fs::is_regular_file(sidecar, ec)) task.sidecar = sidecar;
  return task;
}

base::Status Pusher::PlanDirectory(const fs::path& dir, std::vector<PushTask>& tasks) const {
  const std::string prefix = options_.uri_prefix.empty() ? DefaultPrefix(dir) : options_.uri_prefix;
  std::vector<std::pair<std::string, fs::path>> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string relative = it->path().lexically_relative(dir).generic_string();
    if (options_.json_files) {
      if (relative.ends_with(".json")) files.emplace_back(relative, it->path());
      continue;
    }
    // A sidecar describes the file it is named after, and is not an item itself.
    if (relative.ends_with(kSidecarSuffix)) {
      const std::string& name = it->path().native();
      if (fs::is_regular_file(name.substr(0, name.size() - kSidecarSuffix.size()), ec)) continue;
    }
    files.emplace_back(relative, it->path());
  }
  if (ec) return base::InvalidArgument(dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& [relative, file] : files) tasks.push_back(MakeTask(file, relative, prefix));
  return base::Status::Ok();
}

base::Status Pusher::PlanInput(const std::string& input, std::vector<PushTask>& tasks) const {
  if (input == "-") {
    if (options_.json_files) return base::InvalidArgument("--json reads files, not standard input");
    if (options_.document_id.empty()) {
      return base::InvalidArgument("standard input (-) needs --document-id");
    }
    const std::string extension = options_.file_extension.empty()
                                      ? ExtensionOf(options_.document_id)
                                      : options_.file_extension;
    tasks.push_back({"", "-", options_.document_id, extension, {}});
    return base::Status::Ok();
  }
  const fs::path path(input);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return base::InvalidArgument(input + ": no such file or directory");
  if (fs::is_directory(status)) {
    if (!options_.document_id.empty()) {
      return base::InvalidArgument("--document-id names one item; " + input + " is a directory");
    }
    return PlanDirectory(path, tasks);
  }
  if (!fs::is_regular_file(status)) return base::InvalidArgument(input + ": not a regular file");
  const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  tasks.push_back(
      MakeTask(path, path.filename().string(),
               options_.uri_prefix.empty() ? DefaultPrefix(parent) : options_.uri_prefix));
  if (!options_.document_id.empty()) tasks.back().document_id = options_.document_id;
  return base::Status::Ok();
}

base::Result<std::vector<PushTask>> Pusher::Plan() const {
  if (!options_.document_id.empty() && options_.inputs.size() != 1) {
    return base::InvalidArgument("--document-id names one item; give one file or -");
  }
  std::vector<PushTask> tasks;
  for (const std::string& input : options_.inputs) SLUICE_RETURN_IF_ERROR(PlanInput(input, tasks));
  return tasks;
}

void Pusher::Work(const std::vector<PushTask>& tasks) {
  const int threads = std::max(1, std::min<int>(options_.parallel, static_cast<int>(tasks.size())));
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([this, &tasks] {
      PushClient client = MakeClient();
      for (size_t i; !stop_.load() && (i = next_task_.fetch_add(1)) < tasks.size();) {
        if (options_.json_files) {
          PushJsonFile(client, tasks[i]);
        } else {
          PushFile(client, tasks[i]);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Batch last;
  {
    std::lock_guard<std::mutex> lock(batch_mutex_);
    last = std::move(batch_);
    batch_ = Batch{};
  }
  if (!last.items.empty() || !last.deletes.empty()) {
    PushClient client = MakeClient();
    SendBatch(client, last);
  }
}

std::optional<Pusher::ReadFile> Pusher::ReadIfChanged(const PushTask& task) {
  base::UniqueFd fd(task.path.empty() ? dup(STDIN_FILENO)
                                      : open(task.path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0) {
    progress_.Failed(task.display, base::ErrnoError("opening", errno).message());
    return std::nullopt;
  }
  const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::optional<ManifestEntry> prior;
  if (manifest_ != nullptr && !task.path.empty()) prior = manifest_->Find(task.document_id);
  // In a rebuild only what this rebuild pushed counts: everything older is about to be deleted.
  if (prior && options_.rebuild && prior->ordering_id != ordering_id_) prior.reset();
  const auto size = static_cast<uint64_t>(st.st_size);
  if (prior && prior->size == size && prior->mtime_ns == mtime_ns) {
    progress_.Unchanged(task.display, size);
    return std::nullopt;
  }
  auto compressed =
      CompressFile(fd.get(), options_.compression, options_.inline_limit, options_.temp_dir);
  if (!compressed.ok()) {
    progress_.Failed(task.display, compressed.status().message());
    return std::nullopt;
  }
  ManifestEntry entry{task.document_id, task.display,           compressed->size,
                      mtime_ns,         compressed->sha256_hex, ordering_id_};
  if (prior && prior->size == entry.size && prior->sha256_hex == entry.sha256_hex) {
    // Touched but not changed: remember the new mtime so the next run need not read it.
    if (auto s = manifest_->Record({entry}); !s.ok()) progress_.Note(s.ToString());
    progress_.Unchanged(task.display, entry.size);
    return std::nullopt;
  }
  return ReadFile{std::move(*compressed), std::move(entry)};
}

base::Result<ItemDescription> Pusher::Describe(const PushTask& task) const {
  ItemDescription item{task.document_id, task.file_extension, ""};
  std::string sidecar;
  if (!task.sidecar.empty()) {
    SLUICE_ASSIGN_OR_RETURN(sidecar, ReadFileUpTo(task.sidecar, kMaxSidecarBytes));
  }
  auto members = MetadataMembers(sidecar, options_.metadata, options_.title, &item.file_extension);
  if (!members.ok()) {
    return base::InvalidArgument(
        (task.sidecar.empty() ? "the metadata " : task.sidecar.string() + " ") +
        members.status().message());
  }
  item.members = std::move(*members);
  return item;
}

void Pusher::PushFile(PushClient& client, const PushTask& task) {
  progress_.Started(task.display);
  std::optional<ReadFile> read = ReadIfChanged(task);
  if (!read) return;
  auto item = Describe(task);
  if (!item.ok()) {
    progress_.Failed(task.display, item.status().message());
    return;
  }
  const CompressedFile& compressed = read->compressed;
  BatchedItem batched{task.display, read->entry.size, read->entry, task.document_id};
  const uint64_t inline_size =
      InlineDocumentJsonSize(*item, compressed.compressed_size, options_.compression, false);
  if (compressed.in_memory() && inline_size <= options_.inline_limit) {
    if (batching_) {
      AddToBatch(client, InlineDocumentJson(*item, compressed.bytes, options_.compression, true),
                 false, std::move(batched));
      return;
    }
    auto response = client.PutDocument(
        task.document_id, InlineDocumentJson(*item, compressed.bytes, options_.compression, false),
        ordering_id_);
    if (!response.ok()) {
      progress_.Failed(task.display, response.status().message());
      return;
    }
    Acknowledged({batched}, "inline", response->request_id);
    return;
  }
  auto request_id = SendThroughContainer(client, *item, read->compressed);
  if (!request_id.ok()) {
    progress_.Failed(task.display, request_id.status().message());
    return;
  }
  Acknowledged({batched}, "container", *request_id);
}

base::Result<std::string> Pusher::SendThroughContainer(PushClient& client,
                                                       const ItemDescription& item,
                                                       CompressedFile& compressed) {
  if (compressed.compressed_size > options_.container_limit) {
    return base::ResourceExhausted("compressed to " + FormatBytes(compressed.compressed_size) +
                                   ", over the file container limit of " +
                                   FormatBytes(options_.container_limit) +
                                   "; compress it more (--compression lzma) or split it");
  }
  SLUICE_ASSIGN_OR_RETURN(auto container, client.CreateFileContainer());
  SLUICE_RETURN_IF_ERROR(
      compressed.in_memory()
          ? client.Upload(container, std::move(compressed.bytes))
          : client.Upload(container, compressed.file.get(), compressed.compressed_size));
  SLUICE_ASSIGN_OR_RETURN(auto response,
                          client.PutDocument(item.document_id,
                                             ContainerDocumentJson(item, container.file_id,
                                                                   options_.compression, false),
                                             ordering_id_));
  return std::move(response.request_id);
}

void Pusher::PushJsonFile(PushClient& client, const PushTask& task) {
  progress_.Started(task.display);
  auto text = ReadFileUpTo(task.path, kMaxJsonFileBytes);
  if (!text.ok()) {
    progress_.Failed(task.display, text.status().message());
    return;
  }
  auto entries = ReadPushJson(*text);
  if (!entries.ok()) {
    progress_.Failed(task.display, entries.status().message());
    return;
  }
  for (auto& add : entries->adds) {
    const uint64_t bytes = add.json.size();
    AddToBatch(
        client, std::move(add.json), false,
        BatchedItem{task.display + " " + add.document_id, bytes, std::nullopt, add.document_id});
  }
  for (auto& del : entries->deletes) {
    AddToBatch(client, std::move(del.json), true,
               BatchedItem{task.display + " delete " + del.document_id, 0, std::nullopt, ""});
  }
}

void Pusher::AddToBatch(PushClient& client, std::string json, bool is_delete, BatchedItem item) {
  Batch full;
  {
    std::lock_guard<std::mutex> lock(batch_mutex_);
    const size_t count = batch_.adds.size() + batch_.deletes.size();
    const uint64_t limit = options_.batch_bytes > 0 ? options_.batch_bytes : options_.inline_limit;
    // An entry too large for any batch still goes alone, as Coveo's clients send it.
    if (count > 0 && batch_.bytes + json.size() + BatchFileOverhead(count + 1) > limit) {
      full = std::move(batch_);
      batch_ = Batch{};
    }
    batch_.bytes += json.size();
    (is_delete ? batch_.deletes : batch_.adds).push_back(std::move(json));
    batch_.items.push_back(std::move(item));
  }
  if (!full.items.empty()) SendBatch(client, full);
}

void Pusher::SendBatch(PushClient& client, const Batch& batch) {
  std::string body = BatchFileJson(batch.adds, batch.deletes);
  base::Status status;
  std::string request_id;
  if (body.size() > options_.container_limit) {
    status = base::ResourceExhausted("the batch is " + FormatBytes(body.size()) +
                                     ", over the file container limit of " +
                                     FormatBytes(options_.container_limit));
  } else if (auto container = client.CreateFileContainer(); !container.ok()) {
    status = container.status();
  } else if (status = client.Upload(*container, std::move(body)); status.ok()) {
    auto response = client.PutBatch(container->file_id, ordering_id_);
    status = response.status();
    if (response.ok()) request_id = response->request_id;
  }
  if (!status.ok()) {
    for (const auto& item : batch.items) progress_.Failed(item.display, status.message());
    return;
  }
  Acknowledged(batch.items, "batch", request_id);
}

void Pusher::Acknowledged(const std::vector<BatchedItem>& items, std::string_view how,
                          const std::string& request_id) {
  std::vector<ManifestEntry> entries;
  for (const auto& item : items) {
    if (item.manifest_entry) entries.push_back(*item.manifest_entry);
  }
  if (manifest_ != nullptr && !entries.empty()) {
    if (auto s = manifest_->Record(entries); !s.ok()) {
      progress_.Note("the manifest could not record the push: " + s.ToString());
    }
  }
  if (options_.wait) {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    for (const auto& item : items) {
      if (!item.document_id.empty()) pending_[item.document_id] = {item.display, request_id};
    }
  }
  for (const auto& item : items) progress_.Pushed(item.display, item.bytes, how);
}

void Pusher::WaitForProcessing(PushClient& client) {
  std::unordered_map<std::string, std::string> items;
  for (const auto& [id, pending] : pending_) items.emplace(id, pending.request_id);
  if (items.empty()) return;
  LogFollower follower(client, clock_, started_ms_ - kClockSlackMs);
  size_t last_remaining = 0;
  auto outcomes = follower.Wait(items, options_.wait_timeout_ms, [&](size_t remaining) {
    if (stop_.load()) return false;
    if (remaining != last_remaining) {
      last_remaining = remaining;
      progress_.Note("waiting for " + std::to_string(remaining) +
                     (remaining == 1 ? " item" : " items") + " to be processed");
    }
    return true;
  });
  if (!outcomes.ok()) {
    progress_.Failed("--wait", outcomes.status().message());
    return;
  }
  size_t completed = 0;
  size_t stopped = 0;
  for (const auto& outcome : *outcomes) {
    if (outcome.result == "COMPLETED") {
      ++completed;
      continue;
    }
    if (outcome.result == "STOPPED") {
      ++stopped;
      continue;
    }
    const Pending& pending = pending_.at(outcome.document_id);
    if (outcome.result == "SKIPPED") {
      progress_.Note(pending.display + ": SKIPPED by the server (" + outcome.reason + ")");
      continue;
    }
    progress_.Failed(pending.display, "the server's " + outcome.result + " at " + outcome.reason);
    // Pushing it again must not be skipped as unchanged.
    if (manifest_ != nullptr) {
      if (auto s = manifest_->Forget(outcome.document_id); !s.ok()) progress_.Note(s.ToString());
    }
  }
  progress_.Note(std::to_string(completed) + (completed == 1 ? " item" : " items") +
                 " processed and searchable");
  if (stopped > 0) {
    progress_.Note("interrupted: stopped waiting for " + std::to_string(stopped) +
                   " items (pushed, not yet processed)");
  }
}

void Pusher::Stop() { stop_.store(true); }

base::Status Pusher::BeginRebuild(PushClient& control) {
  std::optional<uint64_t> unfinished = manifest_ ? manifest_->UnfinishedRebuild() : std::nullopt;
  if (unfinished && !options_.ordering_id) {
    ordering_id_ = *unfinished;
    progress_.Note("resuming the rebuild with orderingId " + std::to_string(ordering_id_));
  } else if (manifest_ != nullptr) {
    SLUICE_RETURN_IF_ERROR(manifest_->BeginRebuild(ordering_id_));
  }
  return control.SetStatus("REBUILD");
}

void Pusher::FinishRebuild(PushClient& control) {
  if (progress_.failed() > 0 || stop_.load()) {
    // Deleting what is older now would delete the old versions of what was not pushed.
    progress_.Note(
        "the rebuild is not finished: not every item was pushed, so nothing older was deleted; "
        "run the same command again to push the rest and finish");
    if (auto s = control.SetStatus("IDLE"); !s.ok()) progress_.Note(s.message());
    return;
  }
  base::Status s = control.DeleteOlderThan(ordering_id_, options_.queue_delay_minutes);
  if (s.ok()) s = control.SetStatus("IDLE");
  if (s.ok() && manifest_ != nullptr) s = manifest_->FinishRebuild(ordering_id_);
  if (!s.ok()) progress_.Failed("--rebuild", s.message());
}

int Pusher::Run() {
  auto tasks = Plan();
  if (!tasks.ok()) {
    std::fprintf(stderr, "sluice push: %s\n", tasks.status().message().c_str());
    return 2;
  }
  started_ms_ = clock_.NowMs();
  PushClient control = MakeClient();
  ordering_id_ = options_.ordering_id.value_or(static_cast<uint64_t>(started_ms_));
  if (options_.rebuild) {
    if (auto s = BeginRebuild(control); !s.ok()) {
      std::fprintf(stderr, "sluice push: %s\n", s.message().c_str());
      return 1;
    }
  }
  uint64_t planned_bytes = 0;
  for (const auto& task : *tasks) {
    std::error_code ec;
    if (!task.path.empty()) planned_bytes += fs::file_size(task.path, ec);
  }
  progress_.AddPlanned(tasks->size(), planned_bytes);
  // One item goes on its own; many small ones share batch files (three requests a batch).
  batching_ = options_.batch_bytes > 0 && tasks->size() > 1;
  Work(*tasks);
  if (options_.rebuild) FinishRebuild(control);
  if (stop_.load()) {
    const size_t started = std::min(next_task_.load(), tasks->size());
    progress_.Note("interrupted: " + std::to_string(tasks->size() - started) +
                   " files not started; run the same command again to push them");
  } else if (options_.wait) {
    WaitForProcessing(control);
  }
  progress_.Finish();
  if (stop_.load()) return kInterruptedExitCode;
  return progress_.failed() == 0 ? 0 : 1;
}

}  // namespace sluice::client
