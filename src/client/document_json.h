// DocumentJson: the Push API DocumentBody and batch-file JSON that `sluice push` sends for a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "codec/compression.h"

namespace sluice::client {

// What is said of one item besides its bytes. `members` are JSON object members without the
// braces (`"title":"Q3","author":"Ann"`), checked once and then pasted into every body, so a
// million items cost no JSON tree each.
struct ItemDescription {
  std::string document_id;
  std::string file_extension;  // ".pdf"; empty leaves it to the server's sniffing
  std::string members;
};

// Builds `members` from the item's sidecar JSON object (may be empty text), KEY=VALUE pairs
// given on the command line, and a title (may be empty); later sources win over earlier ones.
// A sidecar "fileExtension" replaces *file_extension. Keys Sluice sets itself (documentId, the
// data keys, compressionType) are refused with InvalidArgument naming the key.
base::Result<std::string> MetadataMembers(
    std::string_view sidecar_json, const std::vector<std::pair<std::string, std::string>>& pairs,
    std::string_view title, std::string* file_extension);

// A DocumentBody carrying the compressed bytes in Base64. With `with_document_id` it is a
// batch file's addOrUpdate entry.
std::string InlineDocumentJson(const ItemDescription& item, std::string_view compressed,
                               codec::Compression compression, bool with_document_id);
// The size InlineDocumentJson will have, without building it.
uint64_t InlineDocumentJsonSize(const ItemDescription& item, uint64_t compressed_size,
                                codec::Compression compression, bool with_document_id);
// A DocumentBody naming a file container that holds the compressed bytes.
std::string ContainerDocumentJson(const ItemDescription& item, std::string_view file_id,
                                  codec::Compression compression, bool with_document_id);

// A batch file from addOrUpdate and delete entries (each a JSON object text).
std::string BatchFileJson(const std::vector<std::string>& adds,
                          const std::vector<std::string>& deletes);
// The bytes BatchFileJson adds around and between its entries.
uint64_t BatchFileOverhead(size_t entry_count);

// `text` as a JSON string literal, quotes included.
std::string JsonString(std::string_view text);

}  // namespace sluice::client
