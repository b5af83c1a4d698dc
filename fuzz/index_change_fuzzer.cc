// Encoded index puts (index/index_change.h) read from any bytes: what another node recorded in
// the shared database, truncated or garbled on the way. The first byte picks how the rest is fed:
// odd, with its CRC-32 appended here, so that inputs get past the checksum to the fields and to
// Xapian's document reader; even, as it is. Properties:
//   - EncodedPutUri and DecodePut agree: a put that decodes has the uri EncodedPutUri reads, and
//     bytes whose uri cannot be read do not decode;
//   - refusals are DataLoss, or InvalidArgument for a first byte other than the format's;
//   - a decoded put encodes again to bytes that decode to the same item and encode to the same
//     bytes (a fixed point), and applying it to a real index never fails: whatever reading
//     accepts, Xapian stores, and the item is then the index's only one with its uri; the index
//     opens again after a few hundred such puts.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <zlib.h>

#include "index/index_change.h"
#include "index/index_writer.h"

namespace {

namespace index = sluice::index;
using sluice::base::StatusCode;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "index_change: property violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

// One scratch index per fuzzing process (in memory when /dev/shm exists, since new fields
// commit), started afresh every few hundred puts so that it stays small; removed at exit.
class ScratchIndex {
 public:
  ScratchIndex() {
    std::error_code ec;
    std::filesystem::path base = "/dev/shm";
    if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
    dir_ = base / ("sluice-index-change-fuzz-" + std::to_string(getpid()));
    Reopen();
  }
  ~ScratchIndex() {
    writer_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchIndex(const ScratchIndex&) = delete;
  ScratchIndex& operator=(const ScratchIndex&) = delete;

  index::IndexWriter& writer() {
    if (++puts_ % 500 == 0) Reopen();
    return *writer_;
  }

 private:
  void Reopen() {
    if (writer_ != nullptr) {
      // Whatever the puts stored, the index still opens (its field slots read back).
      writer_.reset();
      auto again = index::IndexWriter::Open(dir_ / "source");
      if (!again.ok()) Fail("the index does not open again after puts", again.status().ToString());
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    // The index lives one level down: sibling source indexes are looked for beside it.
    auto writer = index::IndexWriter::Open(dir_ / "source");
    if (!writer.ok()) Fail("opening the scratch index", writer.status().ToString());
    writer_ = std::move(writer).value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<index::IndexWriter> writer_;
  uint64_t puts_ = 0;
};

bool SameItem(const index::IndexDocument& a, const index::IndexDocument& b) {
  return a.uri == b.uri && a.metadata == b.metadata && a.field_kinds == b.field_kinds;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0) {
    const uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  }

  auto uri = index::EncodedPutUri(bytes);
  auto decoded = index::DecodePut(bytes);
  for (const sluice::base::Status* status : {&uri.status(), &decoded.status()}) {
    if (status->ok()) continue;
    const bool known_format = !bytes.empty() && bytes[0] == 1;
    if (status->code() != StatusCode::kDataLoss &&
        (known_format || status->code() != StatusCode::kInvalidArgument)) {
      Fail("a refusal that is neither DataLoss nor an unknown format", status->ToString());
    }
  }
  if (!uri.ok() && decoded.ok())
    Fail("a put whose uri cannot be read decodes", decoded->document.uri);
  if (!decoded.ok()) return 0;
  if (*uri != decoded->document.uri) Fail("EncodedPutUri reads another uri", *uri);

  auto again = index::EncodePut(decoded->document, decoded->prepared);
  if (!again.ok()) Fail("a decoded put does not encode", again.status().ToString());
  auto redecoded = index::DecodePut(*again);
  if (!redecoded.ok()) Fail("a re-encoded put does not decode", redecoded.status().ToString());
  if (!SameItem(redecoded->document, decoded->document)) Fail("re-encoding changes the item", *uri);
  auto third = index::EncodePut(redecoded->document, redecoded->prepared);
  if (!third.ok() || *third != *again) Fail("encoding is not a fixed point", *uri);

  static ScratchIndex scratch;  // NOLINT: one per process, as libFuzzer runs inputs in a loop
  index::IndexWriter& writer = scratch.writer();
  const uint64_t before = writer.document_count();
  if (auto status = index::ApplyEncodedPut(writer, bytes); !status.ok()) {
    Fail("a put that decodes is not stored", status.ToString());
  }
  if (auto status = index::ApplyEncodedPut(writer, *again); !status.ok()) {
    Fail("a re-encoded put is not stored", status.ToString());
  }
  if (writer.document_count() > before + 1) Fail("one put added several items", *uri);
  return 0;
}
