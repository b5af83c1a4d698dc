// The push client's manifest (client/manifest.h) read from any bytes: the file a push killed at
// any moment, or damaged on disk, leaves behind. Properties:
//   - Open either refuses the file with an error or reads it;
//   - once read, an item recorded and a rebuild begun are found again after reopening, so a
//     torn or malformed tail can never swallow or corrupt what is appended after it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/manifest.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "client_manifest_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

// One scratch file per fuzzing process, removed at exit.
struct ScratchFile {
  std::filesystem::path path;
  ScratchFile() {
    path = std::filesystem::temp_directory_path() /
           ("sluice-manifest-fuzz-" + std::to_string(getpid())) / "manifest.tsv";
    std::filesystem::create_directories(path.parent_path());
  }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove_all(path.parent_path(), ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ScratchFile scratch;  // NOLINT: one per process, as libFuzzer runs inputs in a loop
  {
    std::ofstream out(scratch.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto manifest = sluice::client::Manifest::Open(scratch.path);
  if (!manifest.ok()) return 0;
  sluice::client::ManifestEntry entry{"file:///fuzz/a\tb\nc", "a\tb\nc", 42, 7, "ab12", 99};
  if (auto s = (*manifest)->Record({entry}); !s.ok()) Fail("Record", s.ToString());
  if (auto s = (*manifest)->BeginRebuild(1234); !s.ok()) Fail("BeginRebuild", s.ToString());
  manifest->reset();
  auto reopened = sluice::client::Manifest::Open(scratch.path);
  if (!reopened.ok()) Fail("reopening", reopened.status().ToString());
  auto found = (*reopened)->Find(entry.document_id);
  if (!found || found->size != 42 || found->mtime_ns != 7 || found->sha256_hex != "ab12" ||
      found->ordering_id != 99 || found->path != entry.path) {
    Fail("the recorded item was not found again",
         std::string(reinterpret_cast<const char*>(data), size));
  }
  if ((*reopened)->UnfinishedRebuild() != 1234) Fail("the rebuild was not found again", "");
  return 0;
}
