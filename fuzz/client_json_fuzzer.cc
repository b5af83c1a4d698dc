// The Coveo push JSON files `sluice push --json` reads (client/json_files.h): any bytes through
// ReadPushJson. Properties:
//   - every entry it returns has a non-empty documentId, and its JSON parses to an object
//     whose first key is "documentId" with that value and which holds no other documentId or
//     uri key (in any letter case);
//   - reading the entries back as a batch file gives the same entries, with the same
//     documentIds in the same order (the JSON text itself may differ in a double's last digit:
//     Boost.JSON 1.81 reads numbers imprecisely).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "client/document_json.h"
#include "client/json_files.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "client_json_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

void CheckEntry(const sluice::client::JsonFileEntry& entry) {
  if (entry.document_id.empty()) Fail("empty documentId", entry.json);
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(entry.json, ec);
  if (ec || !value.is_object() || value.as_object().empty()) Fail("entry is no object", entry.json);
  const auto& object = value.as_object();
  const auto& first = *object.begin();
  if (first.key() != "documentId" || !first.value().is_string() ||
      first.value().as_string() != entry.document_id) {
    Fail("documentId is not first or differs", entry.json);
  }
  int ids = 0;
  for (const auto& [key, v] : object) {
    const std::string lower = sluice::base::AsciiLower(key);
    if (lower == "documentid" || lower == "uri") ++ids;
  }
  if (ids != 1) Fail("more than one documentId or uri", entry.json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entries = sluice::client::ReadPushJson(text);
  if (!entries.ok()) return 0;
  std::vector<std::string> adds;
  std::vector<std::string> deletes;
  for (const auto& e : entries->adds) {
    CheckEntry(e);
    adds.push_back(e.json);
  }
  for (const auto& e : entries->deletes) {
    CheckEntry(e);
    deletes.push_back(e.json);
  }
  const std::string batch = sluice::client::BatchFileJson(adds, deletes);
  auto again = sluice::client::ReadPushJson(batch);
  if (!again.ok()) Fail("its own batch file is refused", again.status().message());
  if (again->adds.size() != adds.size() || again->deletes.size() != deletes.size()) {
    Fail("entries lost", batch);
  }
  for (size_t i = 0; i < adds.size(); ++i) {
    if (again->adds[i].document_id != entries->adds[i].document_id) Fail("add changed", adds[i]);
  }
  for (size_t i = 0; i < deletes.size(); ++i) {
    if (again->deletes[i].document_id != entries->deletes[i].document_id) {
      Fail("delete changed", deletes[i]);
    }
  }
  return 0;
}
