// Metrics: the server's counters, gauges and histograms in the Prometheus text format (0.0.4),
// built on prometheus-cpp's core (served by our own /metrics route, not its HTTP exposer).
// Every name starts with `sluice_`. Labels take only bounded values: route patterns (never a
// path with its IDs), methods, status codes, item log stages and results, formats.
//
// Thread-safe. Keeps prometheus-cpp out of this header, so its users compile without it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::telemetry {

// Values read when /metrics is scraped rather than counted as they change.
struct Gauges {
  uint64_t pending_operations = 0;    // journal depth
  double oldest_pending_seconds = 0;  // age of the oldest pending operation (0: none)
  uint64_t index_bytes = 0;           // on disk, every source's index
  uint64_t data_dir_free_bytes = 0;   // available to Sluice on the data directory's disk
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One answered request: `route` is the matched pattern ("" when none matched).
  void RequestDone(std::string_view route, std::string_view method, int status, double seconds,
                   uint64_t bytes_received, uint64_t bytes_sent);
  // Bytes of file container uploads that were stored.
  void Uploaded(uint64_t bytes);
  // Operations made durable in the journal (each acknowledged add, delete, batch, ...).
  void OperationsAccepted(uint64_t count);
  // One item log line the pipeline wrote: operation (ADD, DELETE, BATCH_FILE, ...), task
  // (CONSUMING, PROCESSING, INDEXING, ...) and result (COMPLETED, WARNING, ERROR, REJECTED,
  // SKIPPED). Feeds items completed, failed by reason, and stale operations skipped.
  void ItemLogged(std::string_view operation, std::string_view task, std::string_view result);
  // One item's bytes decompressed (compressed in, decompressed out).
  void Decompressed(uint64_t compressed_bytes, uint64_t decompressed_bytes);
  // Time spent extracting one item's text, by the format that read it ("html", "pdf", ...).
  void Extracted(std::string_view format, double seconds);

  // Read at each scrape.
  void SetGaugeSource(std::function<Gauges()> source);

  // The text exposition of everything above.
  std::string Render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::telemetry
