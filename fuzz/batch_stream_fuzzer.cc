// The streaming batch file reader (document/batch_reader.h), fed the input in
// pieces whose sizes come from a generator seeded by the input's hash, and fed it
// again in one Write.
// Properties:
//   - splitting does not matter: both readings report the same items in the
//     same order and agree on whether the file is accepted;
//   - an accepted file is exactly what the whole-document parser
//     (ParseCaseInsensitiveJson) reads: an object whose addOrUpdate, delete and
//     partialUpdate values are arrays, with the items reported being their
//     elements, in document order; and what that parser accepts as a batch,
//     the streaming reader accepts too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>

#include "document/batch_reader.h"
#include "document/json_body.h"

namespace {

namespace json = boost::json;
using sluice::document::BatchReader;
using sluice::document::BatchSection;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "batch_stream: property violated: %s\n", what);
  std::abort();
}

using Items = std::vector<std::pair<BatchSection, std::string>>;

struct Reading {
  bool ok = false;
  Items items;
};

// piece_seed 0: one Write; otherwise pieces of 1..~4 KiB from a small generator.
Reading Read(std::string_view text, uint32_t piece_seed) {
  Reading reading;
  BatchReader reader([&reading](BatchSection section, json::value item) {
    reading.items.emplace_back(section, json::serialize(item));
    return sluice::base::Status::Ok();
  });
  uint32_t state = piece_seed;
  sluice::base::Status status;
  while (status.ok() && !text.empty()) {
    size_t n = text.size();
    if (piece_seed != 0) {
      state = state * 1103515245u + 12345u;
      const uint32_t r = state >> 16;
      n = std::min<size_t>(text.size(), (r & 1) ? 1 + (r >> 1) % 8 : 1 + (r >> 1) % 4096);
    }
    status = reader.Write(text.substr(0, n));
    text.remove_prefix(n);
  }
  if (status.ok()) status = reader.Finish();
  reading.ok = status.ok();
  return reading;
}

// What a batch file holds according to the whole-document parser, or false when
// it is not a batch file.
bool ReadWhole(std::string_view text, Items* items) {
  auto parsed = sluice::document::ParseCaseInsensitiveJson(text);
  if (!parsed.ok() || !parsed->is_object()) return false;
  for (const auto& [key, value] : parsed->as_object()) {
    BatchSection section;
    if (key == "addorupdate") {
      section = BatchSection::kAddOrUpdate;
    } else if (key == "delete") {
      section = BatchSection::kDelete;
    } else if (key == "partialupdate") {
      section = BatchSection::kPartialUpdate;
    } else {
      continue;
    }
    if (!value.is_array()) return false;
    for (const json::value& item : value.as_array()) {
      items->emplace_back(section, json::serialize(item));
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : text) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;

  const Reading pieces = Read(text, hash | 1);
  const Reading whole = Read(text, 0);
  Check(pieces.ok == whole.ok, "acceptance depends on how the file is split into writes");
  Check(pieces.items == whole.items, "the items depend on how the file is split into writes");

  Items expected;
  const bool is_batch = ReadWhole(text, &expected);
  Check(whole.ok == is_batch, "the streaming reader and the whole-document parser disagree");
  if (whole.ok) Check(whole.items == expected, "the items differ from the document's arrays");
  return 0;
}
