// Pusher: `sluice push` — files (or Coveo push JSON files) to a push source, the way the seed
// procedure does it by hand, for one file or a million.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "client/compressed_file.h"
#include "client/document_json.h"
#include "client/manifest.h"
#include "client/progress.h"
#include "client/push_client.h"
#include "codec/compression.h"

namespace sluice::client {

struct PushOptions {
  std::vector<std::string> inputs;  // files, directories, or "-" for standard input
  bool json_files = false;          // the inputs are Coveo push JSON files (--json)
  std::string uri_prefix;           // empty: file://<absolute directory>/
  std::string document_id;          // for one file or standard input
  std::string title;
  std::string file_extension;  // overrides the file name's
  std::vector<std::pair<std::string, std::string>> metadata;
  codec::Compression compression = codec::Compression::kZlib;
  int parallel = 4;
  // Small items go in batch files of up to this size; 0 pushes each on its own.
  uint64_t batch_bytes = 32ull << 20;
  // A JSON body up to this size carries its item inline (the Push API allows 6 MB).
  uint64_t inline_limit = 5ull << 20;
  uint64_t container_limit = 256ull << 20;  // a file container's limit
  std::optional<uint64_t> ordering_id;
  bool rebuild = false;
  std::optional<int> queue_delay_minutes;
  bool wait = false;
  int64_t wait_timeout_ms = 600'000;
  std::filesystem::path temp_dir = "/tmp";
};

// One file to push.
struct PushTask {
  std::filesystem::path path;  // empty for standard input
  std::string display;         // the path as the user knows it
  std::string document_id;
  std::string file_extension;
  std::filesystem::path sidecar;  // <file>.meta.json, when there is one
};

class Pusher {
 public:
  // `manifest` may be null (no resuming).
  Pusher(PushOptions options, Target target, RetryPolicy policy, Progress& progress,
         Manifest* manifest, const base::Clock& clock);

  // The exit code of a push stopped by Stop(), as shells report an interrupted command.
  static constexpr int kInterruptedExitCode = 130;

  // Pushes everything; the exit code: 0 when every item was pushed (and, with --wait,
  // processed), 1 when any failed, 2 when the inputs are unusable, 130 when stopped.
  int Run();
  // Ends the push early: no new file is started; what is under way is finished, acknowledged
  // and recorded, then the summary is printed. Thread-safe (a signal watcher calls it).
  void Stop();

 private:
  // What a batch entry stands for, reported once the server acknowledged the batch.
  struct BatchedItem {
    std::string display;
    uint64_t bytes = 0;
    std::optional<ManifestEntry> manifest_entry;  // files only
    std::string document_id;
  };
  struct Batch {
    std::vector<std::string> adds;     // addOrUpdate JSON objects
    std::vector<std::string> deletes;  // delete JSON objects (--json files only)
    std::vector<BatchedItem> items;
    uint64_t bytes = 0;
  };
  struct Pending {
    std::string display;
    std::string request_id;
  };

  // A changed file, read: its compressed bytes and what the manifest will say of it.
  struct ReadFile {
    CompressedFile compressed;
    ManifestEntry entry;
  };

  base::Result<std::vector<PushTask>> Plan() const;
  base::Status PlanInput(const std::string& input, std::vector<PushTask>& tasks) const;
  base::Status PlanDirectory(const std::filesystem::path& dir, std::vector<PushTask>& tasks) const;
  PushTask MakeTask(const std::filesystem::path& file, const std::string& relative,
                    const std::string& prefix) const;
  void Work(const std::vector<PushTask>& tasks);
  void PushFile(PushClient& client, const PushTask& task);
  // Reads and compresses the file unless the manifest shows it unchanged (reported, nullopt);
  // a failure is reported too.
  std::optional<ReadFile> ReadIfChanged(const PushTask& task);
  base::Result<ItemDescription> Describe(const PushTask& task) const;
  // Creates a file container, uploads the bytes, pushes the item naming it; the request id.
  base::Result<std::string> SendThroughContainer(PushClient& client, const ItemDescription& item,
                                                 CompressedFile& compressed);
  void PushJsonFile(PushClient& client, const PushTask& task);
  void AddToBatch(PushClient& client, std::string json, bool is_delete, BatchedItem item);
  void SendBatch(PushClient& client, const Batch& batch);
  void Acknowledged(const std::vector<BatchedItem>& items, std::string_view how,
                    const std::string& request_id);
  void WaitForProcessing(PushClient& client);
  base::Status BeginRebuild(PushClient& control);
  void FinishRebuild(PushClient& control);
  PushClient MakeClient();

  PushOptions options_;
  Target target_;
  RetryPolicy policy_;
  Progress& progress_;
  Manifest* manifest_;
  const base::Clock& clock_;
  uint64_t ordering_id_ = 0;
  bool batching_ = false;
  int64_t started_ms_ = 0;
  std::atomic<size_t> next_task_{0};
  std::atomic<bool> stop_{false};

  std::mutex batch_mutex_;
  Batch batch_;
  std::mutex pending_mutex_;
  std::unordered_map<std::string, Pending> pending_;  // by documentId, for --wait
};

}  // namespace sluice::client
