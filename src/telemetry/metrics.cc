#include "telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <string>

namespace sluice::telemetry {
namespace {

namespace prom = prometheus;

// From half a millisecond (a cached search, a small push) to half a minute (a large upload).
const prom::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prom::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return kBuckets;
}

// Extraction: from a small HTML page to a large PDF read by the child process.
const prom::Histogram::BucketBoundaries& ExtractionBuckets() {
  static const prom::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};
  return kBuckets;
}

std::string Route(std::string_view route) {
  return route.empty() ? std::string("(none)") : std::string(route);
}

}  // namespace

struct Metrics::Impl {
  prom::Registry registry;
  prom::Family<prom::Counter>& requests =
      prom::BuildCounter()
          .Name("sluice_http_requests_total")
          .Help("HTTP requests answered, by route pattern, method and status")
          .Register(registry);
  prom::Family<prom::Histogram>& request_seconds =
      prom::BuildHistogram()
          .Name("sluice_http_request_duration_seconds")
          .Help("Time from a request's complete header to its answer written, by route")
          .Register(registry);
  prom::Family<prom::Counter>& received = prom::BuildCounter()
                                              .Name("sluice_http_received_bytes_total")
                                              .Help("Request body bytes received, by route")
                                              .Register(registry);
  prom::Family<prom::Counter>& sent = prom::BuildCounter()
                                          .Name("sluice_http_sent_bytes_total")
                                          .Help("Response body bytes sent, by route")
                                          .Register(registry);
  prom::Family<prom::Counter>& throttled = prom::BuildCounter()
                                               .Name("sluice_http_throttled_total")
                                               .Help("429 Too Many Requests answers sent, by route")
                                               .Register(registry);
  prom::Counter& uploaded = prom::BuildCounter()
                                .Name("sluice_uploaded_bytes_total")
                                .Help("Bytes of file container uploads stored")
                                .Register(registry)
                                .Add({});
  prom::Counter& accepted = prom::BuildCounter()
                                .Name("sluice_operations_accepted_total")
                                .Help("Operations made durable in the journal and acknowledged")
                                .Register(registry)
                                .Add({});
  prom::Family<prom::Counter>& log_lines =
      prom::BuildCounter()
          .Name("sluice_item_log_lines_total")
          .Help("Item log lines written by the pipeline, by operation, task and result")
          .Register(registry);
  prom::Counter& completed = prom::BuildCounter()
                                 .Name("sluice_items_completed_total")
                                 .Help("Items indexed or deleted (INDEXING COMPLETED)")
                                 .Register(registry)
                                 .Add({});
  prom::Family<prom::Counter>& failed =
      prom::BuildCounter()
          .Name("sluice_items_failed_total")
          .Help(
              "Items that failed, by the stage that failed them and the result "
              "(ERROR or REJECTED); the item log says why")
          .Register(registry);
  prom::Counter& stale = prom::BuildCounter()
                             .Name("sluice_stale_operations_skipped_total")
                             .Help(
                                 "Operations skipped because the item already had a newer "
                                 "orderingId")
                             .Register(registry)
                             .Add({});
  prom::Family<prom::Counter>& decompression =
      prom::BuildCounter()
          .Name("sluice_decompression_bytes_total")
          .Help(
              "Bytes through the decompressors: direction=\"in\" compressed, \"out\" "
              "decompressed")
          .Register(registry);
  prom::Counter& decompressed_in = decompression.Add({{"direction", "in"}});
  prom::Counter& decompressed_out = decompression.Add({{"direction", "out"}});
  prom::Family<prom::Histogram>& extraction =
      prom::BuildHistogram()
          .Name("sluice_extraction_duration_seconds")
          .Help("Time to extract one item's text, by the format that read it")
          .Register(registry);
  prom::Gauge& pending = Gauge("sluice_journal_pending_operations",
                               "Operations in the journal not yet applied (journal depth)");
  prom::Gauge& oldest = Gauge("sluice_journal_oldest_pending_age_seconds",
                              "Age of the oldest operation not yet applied (0: none)");
  prom::Gauge& index_bytes =
      Gauge("sluice_index_size_bytes", "Bytes on disk of every source's search index");
  prom::Gauge& free_bytes =
      Gauge("sluice_data_dir_free_bytes", "Bytes available on the data directory's file system");

  std::mutex source_mu;
  std::function<Gauges()> gauge_source;  // by source_mu

  prom::Gauge& Gauge(const std::string& name, const std::string& help) {
    return prom::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::RequestDone(std::string_view route, std::string_view method, int status,
                          double seconds, uint64_t bytes_received, uint64_t bytes_sent) {
  const std::string r = Route(route);
  const std::string m(method);
  impl_->requests.Add({{"route", r}, {"method", m}, {"status", std::to_string(status)}})
      .Increment();
  impl_->request_seconds.Add({{"route", r}, {"method", m}}, LatencyBuckets()).Observe(seconds);
  if (bytes_received > 0) {
    impl_->received.Add({{"route", r}}).Increment(static_cast<double>(bytes_received));
  }
  if (bytes_sent > 0) impl_->sent.Add({{"route", r}}).Increment(static_cast<double>(bytes_sent));
  if (status == 429) impl_->throttled.Add({{"route", r}}).Increment();
}

void Metrics::Uploaded(uint64_t bytes) { impl_->uploaded.Increment(static_cast<double>(bytes)); }

void Metrics::OperationsAccepted(uint64_t count) {
  impl_->accepted.Increment(static_cast<double>(count));
}

void Metrics::ItemLogged(std::string_view operation, std::string_view task,
                         std::string_view result) {
  impl_->log_lines
      .Add({{"operation", std::string(operation)},
            {"task", std::string(task)},
            {"result", std::string(result)}})
      .Increment();
  if (operation == "BATCH_FILE") return;  // a batch file is not an item
  if (result == "COMPLETED" && task == "INDEXING") {
    impl_->completed.Increment();
  } else if (result == "ERROR" || result == "REJECTED") {
    impl_->failed.Add({{"stage", std::string(task)}, {"result", std::string(result)}}).Increment();
  } else if (result == "SKIPPED") {
    impl_->stale.Increment();
  }
}

void Metrics::Decompressed(uint64_t compressed_bytes, uint64_t decompressed_bytes) {
  impl_->decompressed_in.Increment(static_cast<double>(compressed_bytes));
  impl_->decompressed_out.Increment(static_cast<double>(decompressed_bytes));
}

void Metrics::Extracted(std::string_view format, double seconds) {
  impl_->extraction.Add({{"format", std::string(format)}}, ExtractionBuckets()).Observe(seconds);
}

void Metrics::SetGaugeSource(std::function<Gauges()> source) {
  std::lock_guard lock(impl_->source_mu);
  impl_->gauge_source = std::move(source);
}

std::string Metrics::Render() {
  {
    std::lock_guard lock(impl_->source_mu);
    if (impl_->gauge_source) {
      const Gauges g = impl_->gauge_source();
      impl_->pending.Set(static_cast<double>(g.pending_operations));
      impl_->oldest.Set(g.oldest_pending_seconds);
      impl_->index_bytes.Set(static_cast<double>(g.index_bytes));
      impl_->free_bytes.Set(static_cast<double>(g.data_dir_free_bytes));
    }
  }
  return prom::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace sluice::telemetry
