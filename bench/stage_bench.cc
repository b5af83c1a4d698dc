// Times one stage of Sluice's item pipeline on a file, calling the codec and extractor
// through the same public APIs, limits and piece sizes as pipeline/item_processor.cc:
//
//   sluice_stage_bench decompress ZLIB|GZIP|DEFLATE|LZMA|UNCOMPRESSED FILE
//       the container's bytes in 256 KiB reads through codec::Decompressor into a sink
//       that only counts; prints `bytes_in= bytes_out= seconds= cpu_seconds=`
//   sluice_stage_bench extract html|text|pdf|docx|xlsx|eml|xml|... FILE
//       the decompressed bytes in the decompressor's output pieces (256 KiB) through
//       extract::Extractor (PDF and Office files in the extraction child, as in the server);
//       prints `bytes= text_bytes= ... seconds= cpu_seconds=`, the child's CPU time included
//   sluice_stage_bench process ZLIB|GZIP|DEFLATE|LZMA|UNCOMPRESSED html|text FILE
//       both, chained as the pipeline chains them; prints
//       `bytes_in= bytes_out= text_bytes= seconds= cpu_seconds=`
//
// The file is read into memory before the clock starts, so disk speed is not measured.
// seconds is wall time; cpu_seconds the process's CPU time over the same span, which other
// work on a shared machine does not inflate.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "codec/compression.h"
#include "codec/decompressor.h"
#include "extract/extractor.h"
#include "extract/sandbox.h"

namespace sluice::bench {
namespace {

// pipeline/item_processor.cc: kReadChunkBytes and the defaults of ProcessingLimits.
constexpr size_t kReadChunkBytes = size_t{256} * 1024;
constexpr uint64_t kMaxDecompressedBytes = 1024ull * 1024 * 1024;
constexpr size_t kMaxTextBytes = size_t{128} * 1024 * 1024;

// This process's CPU time and that of its children waited for (the extraction child).
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  rusage children{};
  getrusage(RUSAGE_CHILDREN, &children);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9 +
         seconds(children.ru_utime) + seconds(children.ru_stime);
}

// Wall and CPU time since construction.
class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
  }
  double CpuSecondsSpent() const { return CpuSeconds() - cpu_; }

 private:
  std::chrono::steady_clock::time_point wall_ = std::chrono::steady_clock::now();
  double cpu_ = CpuSeconds();
};

base::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return base::Status(base::StatusCode::kIoError, "cannot read " + path);
  return bytes;
}

// The extension the pipeline would see for the kind named on the command line.
base::Result<std::string> ExtensionOf(std::string_view kind) {
  if (kind == "text") return std::string(".txt");
  if (kind.empty() || kind.find_first_of("./") != std::string_view::npos) {
    return base::InvalidArgument("extract kind must be a file extension such as html, not '" +
                                 std::string(kind) + "'");
  }
  return "." + std::string(kind);
}

// pipeline/item_processor.cc's ProcessingLimits; the extraction child is this program.
extract::ExtractOptions Options() {
  extract::ExtractOptions options;
  options.max_body_bytes = kMaxTextBytes;
  return options;
}

// Feeds `input` to the decompressor in the pipeline's read size, then finishes it.
base::Status FeedInPieces(std::string_view input, codec::Decompressor& decompressor) {
  while (!input.empty()) {
    const std::string_view piece = input.substr(0, kReadChunkBytes);
    SLUICE_RETURN_IF_ERROR(decompressor.Write(piece));
    input.remove_prefix(piece.size());
  }
  return decompressor.Finish();
}

base::Status Decompress(std::string_view compression_name, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(codec::Compression compression,
                          codec::ParseCompression(compression_name));
  SLUICE_ASSIGN_OR_RETURN(std::string input, ReadFile(path));
  uint64_t sunk = 0;
  auto sink = [&](std::string_view chunk) {
    sunk += chunk.size();
    return base::Status::Ok();
  };
  const Stopwatch watch;
  auto decompressor = codec::MakeDecompressor(compression, kMaxDecompressedBytes, sink);
  SLUICE_RETURN_IF_ERROR(FeedInPieces(input, *decompressor));
  const double seconds = watch.Seconds();
  const double cpu_seconds = watch.CpuSecondsSpent();
  if (sunk != decompressor->bytes_out()) {
    return base::Status(base::StatusCode::kInternal, "the sink saw a different byte count");
  }
  std::printf("bytes_in=%llu bytes_out=%llu seconds=%.6f cpu_seconds=%.6f\n",
              static_cast<unsigned long long>(decompressor->bytes_in()),
              static_cast<unsigned long long>(decompressor->bytes_out()), seconds, cpu_seconds);
  return base::Status::Ok();
}

base::Status Extract(std::string_view kind, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string extension, ExtensionOf(kind));
  SLUICE_ASSIGN_OR_RETURN(std::string input, ReadFile(path));
  const Stopwatch watch;
  SLUICE_ASSIGN_OR_RETURN(auto extractor, extract::MakeExtractor(extension, Options()));
  std::string_view rest = input;
  while (!rest.empty()) {
    // The decompressor hands the extractor pieces of at most kMaxOutputChunkBytes.
    const std::string_view piece = rest.substr(0, codec::Decompressor::kMaxOutputChunkBytes);
    SLUICE_RETURN_IF_ERROR(extractor->Write(piece));
    rest.remove_prefix(piece.size());
  }
  SLUICE_ASSIGN_OR_RETURN(extract::ExtractedText text, extractor->Finish());
  const double seconds = watch.Seconds();
  const double cpu_seconds = watch.CpuSecondsSpent();
  std::printf(
      "bytes=%zu text_bytes=%zu title_bytes=%zu truncated=%d seconds=%.6f cpu_seconds=%.6f\n",
      input.size(), text.body.size(), text.title.size(), text.truncated ? 1 : 0, seconds,
      cpu_seconds);
  return base::Status::Ok();
}

base::Status Process(std::string_view compression_name, std::string_view kind,
                     const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(codec::Compression compression,
                          codec::ParseCompression(compression_name));
  SLUICE_ASSIGN_OR_RETURN(std::string extension, ExtensionOf(kind));
  SLUICE_ASSIGN_OR_RETURN(std::string input, ReadFile(path));
  const Stopwatch watch;
  SLUICE_ASSIGN_OR_RETURN(auto extractor, extract::MakeExtractor(extension, Options()));
  auto sink = [&](std::string_view chunk) { return extractor->Write(chunk); };
  auto decompressor = codec::MakeDecompressor(compression, kMaxDecompressedBytes, sink);
  SLUICE_RETURN_IF_ERROR(FeedInPieces(input, *decompressor));
  SLUICE_ASSIGN_OR_RETURN(extract::ExtractedText text, extractor->Finish());
  const double seconds = watch.Seconds();
  const double cpu_seconds = watch.CpuSecondsSpent();
  std::printf("bytes_in=%llu bytes_out=%llu text_bytes=%zu seconds=%.6f cpu_seconds=%.6f\n",
              static_cast<unsigned long long>(decompressor->bytes_in()),
              static_cast<unsigned long long>(decompressor->bytes_out()), text.body.size(), seconds,
              cpu_seconds);
  return base::Status::Ok();
}

int Usage() {
  std::fprintf(stderr,
               "usage: sluice_stage_bench decompress ZLIB|GZIP|DEFLATE|LZMA|UNCOMPRESSED FILE\n"
               "       sluice_stage_bench extract html|text|pdf|docx|eml|xml|... FILE\n"
               "       sluice_stage_bench process ZLIB|GZIP|DEFLATE|LZMA|UNCOMPRESSED "
               "html|text|... FILE\n");
  return 2;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "extract-child") {
    return extract::RunExtractChild(argc, argv);
  }
  if (argc < 2) return Usage();
  const std::string_view mode = argv[1];
  base::Status status;
  if (mode == "decompress" && argc == 4) {
    status = Decompress(argv[2], argv[3]);
  } else if (mode == "extract" && argc == 4) {
    status = Extract(argv[2], argv[3]);
  } else if (mode == "process" && argc == 5) {
    status = Process(argv[2], argv[3], argv[4]);
  } else {
    return Usage();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "sluice_stage_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
