// JsonFiles: the Coveo push JSON files `sluice push --json` reads — one document, an array of
// documents, or a batch ({"addOrUpdate": [...], "delete": [...]}), as Coveo's clients accept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::client {

struct JsonFileEntry {
  std::string document_id;
  std::string json;  // the entry as it goes into a batch file
};

struct JsonFileEntries {
  std::vector<JsonFileEntry> adds;
  std::vector<JsonFileEntry> deletes;
};

// Every entry gets a "documentId" key, taken from a documentId or uri key of any letter case
// (as Coveo's clients allow). InvalidArgument names the entry and what is wrong with it.
base::Result<JsonFileEntries> ReadPushJson(std::string_view text);

}  // namespace sluice::client
