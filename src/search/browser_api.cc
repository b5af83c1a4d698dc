#include "search/browser_api.h"

#include <algorithm>
#include <cctype>
#include <variant>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "codec/base64.h"
#include "codec/compression.h"
#include "codec/decompressor.h"
#include "index/search.h"
#include "pipeline/applier.h"
#include "push/errors.h"
#include "search/json_fields.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

// The original bytes are answered in one response; larger originals are refused (413).
constexpr uint64_t kMaxOriginalBytes = uint64_t{64} * 1024 * 1024;
constexpr size_t kReadChunkBytes = size_t{256} * 1024;
// Keys of the journaled body that hold the item's content rather than fields.
constexpr std::string_view kContentKeys[] = {"data", "compressedbinarydata"};

json::object ItemJson(const store::Item& item) {
  return json::object{{"uri", item.uri},
                      {"title", item.title.empty() ? item.uri : item.title},
                      {"fileType", item.file_type},
                      {"size", item.size},
                      {"indexedDate", item.indexed_ms},
                      {"state", store::ItemStateName(item.state)},
                      {"reason", item.reason},
                      {"orderingId", std::to_string(item.ordering_id)}};
}

// The journaled operation behind the item's current version and its (canonical, lower-cased)
// body; nullopt when the journal no longer has it.
struct Pushed {
  store::Operation op;
  json::object body;
};

std::optional<Pushed> LoadPushed(store::StateStore& store, const store::Item& item) {
  if (item.op_seq == 0) return std::nullopt;
  auto op = store.GetOperation(item.op_seq);
  if (!op.ok() || !*op) return std::nullopt;
  Pushed out{std::move(**op), {}};
  json::error_code ec;
  json::value parsed = json::parse(out.op.payload, ec);
  if (!ec && parsed.is_object()) out.body = std::move(parsed.as_object());
  return out;
}

// Keys that may view all content (admin implies it).
bool IsViewer(const store::ApiKey& key) {
  return push::HasPrivilege(key, push::kPrivilegeViewAllContent);
}

// An item whose pushed body names permissions is secured content: only keys that may view all
// content read its text, fields and original here, as the Search API trims it for the others.
// The 403 to send when `key` may not.
std::optional<http::Response> RefuseSecured(const store::ApiKey& key, const store::Item& item,
                                            const std::optional<Pushed>& pushed) {
  if (!pushed || IsViewer(key)) return std::nullopt;
  const json::value* p = pushed->body.if_contains("permissions");
  if (p == nullptr || !p->is_array() || p->as_array().empty()) return std::nullopt;
  return push::CoveoError(403, "ACCESS_DENIED",
                          "Item '" + item.uri +
                              "' has a permission model; only a key with the 'viewallcontent' or "
                              "'admin' privilege may read its content here.");
}

// Where the item's original bytes are, as its pushed body says.
enum class ContentKind { kNone, kData, kInline, kContainer };

ContentKind KindOf(const json::object& body) {
  if (!StringMember(body, "compressedbinarydatafileid").empty()) return ContentKind::kContainer;
  if (body.contains("compressedbinarydata")) return ContentKind::kInline;
  if (body.contains("data")) return ContentKind::kData;
  return ContentKind::kNone;
}

// The pushed body as the Item JSON tab shows it: the content keys become a note of their size.
json::object BodyWithoutContent(const json::object& body) {
  json::object out = body;
  for (auto key : kContentKeys) {
    if (const json::value* v = body.if_contains(key); v != nullptr && v->is_string()) {
      out[key] = "(" + std::to_string(v->as_string().size()) + " characters; see the original)";
    }
  }
  return out;
}

// A download name from the item's URI: its last path segment, made of safe characters only,
// with the pushed file extension.
std::string FileName(const std::string& uri, const std::string& extension,
                     std::string_view suffix) {
  std::string path = uri.substr(0, uri.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string last = path.substr(path.find_last_of('/') + 1);
  std::string name;
  for (char c : last) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    name += safe ? c : '_';
  }
  if (name.size() > 100) name.resize(100);
  if (name.empty() || name.find_first_not_of("._") == std::string::npos) name = "item";
  bool safe_extension = extension.size() > 1 && extension.size() <= 16 &&
                        std::all_of(extension.begin() + 1, extension.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c));
                        });
  if (safe_extension && !name.ends_with(extension)) name += extension;
  return name + std::string(suffix);
}

std::string_view CompressedSuffix(codec::Compression compression) {
  switch (compression) {
    case codec::Compression::kZlib:
      return ".zlib";
    case codec::Compression::kGzip:
      return ".gz";
    case codec::Compression::kDeflate:
      return ".deflate";
    case codec::Compression::kLzma:
      return ".xz";
    case codec::Compression::kUncompressed:
      return "";
  }
  return "";
}

// What the item's original is and whether Sluice can still answer it.
json::object OriginalJson(const std::optional<Pushed>& pushed, blob::BlobStore& blobs) {
  if (!pushed) {
    return json::object{{"available", false},
                        {"kind", "unknown"},
                        {"reason", "The journaled push of this version is no longer stored."}};
  }
  const json::object& body = pushed->body;
  json::object out{{"available", true},
                   {"compressionType", StringMember(body, "compressiontype")},
                   {"fileExtension", StringMember(body, "fileextension")}};
  switch (KindOf(body)) {
    case ContentKind::kNone:
      out["available"] = false;
      out["kind"] = "none";
      out["reason"] = "The item was pushed without content (fields only).";
      break;
    case ContentKind::kData:
      out["kind"] = "data";
      out["compressionType"] = "UNCOMPRESSED";
      break;
    case ContentKind::kInline:
      out["kind"] = "compressedBinaryData";
      break;
    case ContentKind::kContainer: {
      std::string file_id = StringMember(body, "compressedbinarydatafileid");
      out["kind"] = "compressedBinaryDataFileId";
      out["fileId"] = file_id;
      if (!blobs.Stat(store::ContainerBlobKey(file_id)).ok()) {
        out["available"] = false;
        out["reason"] =
            "The item was pushed by reference to file container '" + file_id +
            "'; Sluice deletes a container's bytes once the item is processed, so only its "
            "extracted text (the Quick View) remains.";
      }
      break;
    }
  }
  return out;
}

// Collects what a decompressor hands over, refusing more than kMaxOriginalBytes.
struct Collector {
  std::string bytes;
  base::Status Add(std::string_view chunk) {
    if (bytes.size() + chunk.size() > kMaxOriginalBytes) {
      return base::ResourceExhausted("the original is larger than " +
                                     std::to_string(kMaxOriginalBytes >> 20) +
                                     " MiB, the most the Content Browser downloads");
    }
    bytes.append(chunk);
    return base::Status::Ok();
  }
};

// The content bytes of the pushed body: decompressed, or as pushed when `as_pushed`.
base::Result<std::string> ReadContent(const json::object& body, blob::BlobStore& blobs,
                                      bool as_pushed) {
  Collector out;
  const ContentKind kind = KindOf(body);
  if (kind == ContentKind::kData) {
    SLUICE_RETURN_IF_ERROR(out.Add(StringMember(body, "data")));
    return std::move(out.bytes);
  }
  SLUICE_ASSIGN_OR_RETURN(codec::Compression compression,
                          codec::ParseCompression(StringMember(body, "compressiontype")));
  if (as_pushed) compression = codec::Compression::kUncompressed;
  auto decompressor = codec::MakeDecompressor(compression, kMaxOriginalBytes,
                                              [&out](std::string_view c) { return out.Add(c); });
  if (kind == ContentKind::kInline) {
    SLUICE_ASSIGN_OR_RETURN(std::string raw,
                            codec::DecodeBase64Strict(StringMember(body, "compressedbinarydata")));
    SLUICE_RETURN_IF_ERROR(decompressor->Write(raw));
  } else {
    SLUICE_ASSIGN_OR_RETURN(
        auto reader,
        blobs.Open(store::ContainerBlobKey(StringMember(body, "compressedbinarydatafileid"))));
    std::string buf(kReadChunkBytes, '\0');
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(buf.data(), buf.size()));
      if (n == 0) break;
      SLUICE_RETURN_IF_ERROR(decompressor->Write(std::string_view(buf.data(), n)));
    }
  }
  SLUICE_RETURN_IF_ERROR(decompressor->Finish());
  return std::move(out.bytes);
}

http::Response Download(std::string bytes, const std::string& file_name) {
  http::Response res;
  res.content_type = "application/octet-stream";
  res.body = std::move(bytes);
  // Pushed bytes are untrusted: never rendered by the browser on this origin.
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace

BrowserApi::BrowserApi(store::StateStore& store, blob::BlobStore& blobs,
                       std::filesystem::path index_root, index::CommitGate& commit_gate)
    : store_(store),
      blobs_(blobs),
      index_root_(std::move(index_root)),
      commit_gate_(commit_gate),
      access_(store) {}

void BrowserApi::Register(http::Router& router) {
  std::string org = "/api/v1/organizations/{org}";
  router.Add("GET", org + "/session", [this](http::Request& r) { return Session(r); });
  router.Add("GET", org + "/sources", [this](http::Request& r) { return ListSources(r); });
  router.Add("GET", org + "/sources/{source}/items",
             [this](http::Request& r) { return ListItems(r); });
  router.Add("GET", org + "/sources/{source}/items/detail",
             [this](http::Request& r) { return ItemDetail(r); });
  router.Add("GET", org + "/sources/{source}/items/original",
             [this](http::Request& r) { return ItemOriginal(r); });
  router.Add("GET", org + "/logs", [this](http::Request& r) { return Logs(r); });
}

// The signed-in key as the console needs it: which actions to offer, which sources it may see.
http::Response BrowserApi::Session(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Authenticate(request, org);
  if (!access.key) return access.error;
  const store::ApiKey& key = *access.key;
  json::array privileges;
  for (const auto& p : key.privileges) privileges.emplace_back(p);
  json::array sources;
  for (const auto& s : key.source_ids) sources.emplace_back(s);
  json::object out{{"organizationId", key.organization_id}, {"keyId", key.id},
                   {"displayName", key.display_name},       {"privileges", std::move(privileges)},
                   {"sourceIds", std::move(sources)},       {"viewAllContent", IsViewer(key)}};
  return http::Response::Json(200, json::serialize(out));
}

http::Response BrowserApi::ListSources(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  auto sources = store_.ListSources(org);
  if (!sources.ok()) return push::FromStatus(sources.status());
  const auto& scope = access.key->source_ids;
  json::array out;
  for (const auto& s : *sources) {
    if (!scope.empty() && std::find(scope.begin(), scope.end(), s.id) == scope.end()) continue;
    auto counts = store_.CountItems(org, s.id);
    if (!counts.ok()) return push::FromStatus(counts.status());
    // The newest log line is the source's last activity (a push processed, failed or deleted).
    store::LogQuery last;
    last.organization_id = org;
    last.sources.include.push_back(s.id);
    last.limit = 1;
    auto logs = store_.QueryLogs(last);
    if (!logs.ok()) return push::FromStatus(logs.status());
    json::value last_activity = nullptr;
    if (!logs->empty()) last_activity = base::FormatIso8601Ms(logs->front().datetime_ms);
    out.push_back(json::object{{"id", s.id},
                               {"name", s.name},
                               {"type", s.type},
                               {"status", s.status},
                               {"visibility", s.visibility},
                               {"createdDate", base::FormatIso8601Ms(s.created_ms)},
                               {"itemCount", counts->indexed},
                               {"failedCount", counts->failed},
                               {"lastActivity", std::move(last_activity)}});
  }
  return http::Response::Json(200, json::serialize(json::object{{"sources", std::move(out)}}));
}

std::variant<store::ApiKey, http::Response> BrowserApi::CheckSource(const http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  const std::string& source = request.path_params.at("source");
  auto found = store_.GetSource(org, source);
  if (!found.ok()) return push::FromStatus(found.status());
  if (!*found) {
    return push::CoveoError(
        404, "SOURCE_DOES_NOT_EXIST",
        "Source '" + source + "' does not exist in organization '" + org + "'.");
  }
  return std::move(*access.key);
}

std::variant<BrowserApi::FoundItem, http::Response> BrowserApi::FindItem(
    const http::Request& request) {
  const std::string& org = request.path_params.at("org");
  const std::string& source = request.path_params.at("source");
  auto key = CheckSource(request);
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto uri = request.Query("uri");
  if (!uri) return push::CoveoError(412, "MISSING_PARAMETER", "Parameter 'uri' is missing.");
  auto item = store_.GetItem(org, source, *uri);
  if (!item.ok()) return push::FromStatus(item.status());
  if (!*item || (*item)->state == store::ItemState::kDeleted) {
    return push::CoveoError(404, "ITEM_NOT_FOUND",
                            "No item '" + *uri + "' in source '" + source + "'.");
  }
  return FoundItem{std::move(std::get<store::ApiKey>(key)), std::move(**item)};
}

http::Response BrowserApi::ListItems(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  const std::string& source = request.path_params.at("source");
  auto key = CheckSource(request);
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  // The list names every item, secured ones included, which the Search API would trim.
  if (!IsViewer(std::get<store::ApiKey>(key))) {
    return push::CoveoError(403, "ACCESS_DENIED",
                            "Listing a source's items shows secured items too; it needs a key "
                            "with the 'viewallcontent' or 'admin' privilege. /rest/search/v2 "
                            "shows what this key may see.");
  }
  uint32_t offset = ParseCount(request.Query("offset"), 0, UINT32_MAX);
  uint32_t limit = ParseCount(request.Query("limit"), 50, 1000);
  auto items = store_.ListItems(org, source, offset, limit);
  auto counts = store_.CountItems(org, source);
  if (!items.ok()) return push::FromStatus(items.status());
  if (!counts.ok()) return push::FromStatus(counts.status());
  json::array out;
  for (const auto& item : *items) out.push_back(ItemJson(item));
  return http::Response::Json(
      200, json::serialize(json::object{{"totalCount", counts->indexed + counts->failed},
                                        {"items", std::move(out)}}));
}

http::Response BrowserApi::ItemDetail(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  const std::string& source = request.path_params.at("source");
  auto found = FindItem(request);
  if (auto* error = std::get_if<http::Response>(&found)) return *error;
  const auto& [key, item] = std::get<FoundItem>(found);
  auto pushed = LoadPushed(store_, item);
  if (auto refused = RefuseSecured(key, item, pushed)) return *refused;
  json::object out = ItemJson(item);
  out["fields"] = json::object();
  out["text"] = "";
  out["textTruncated"] = false;
  out["permissions"] = nullptr;
  out["pushedBody"] = nullptr;
  if (pushed) {
    if (const json::value* p = pushed->body.if_contains("permissions")) out["permissions"] = *p;
    out["pushedBody"] = BodyWithoutContent(pushed->body);
    out["operation"] = json::object{{"kind", store::OperationKindName(pushed->op.kind)},
                                    {"receivedDate", base::FormatIso8601Ms(pushed->op.received_ms)},
                                    {"requestId", pushed->op.request_id}};
  }
  out["original"] = OriginalJson(pushed, blobs_);
  auto stored =
      index::GetItem(pipeline::SourceIndexDir(index_root_, org, source), item.uri, &commit_gate_);
  if (stored.ok() && *stored) {
    json::object fields = MetadataObject((*stored)->fields.metadata);
    fields["title"] = (*stored)->fields.title;
    fields["filetype"] = (*stored)->fields.file_type;
    fields["size"] = (*stored)->fields.size;
    fields["date"] = (*stored)->fields.date_ms;
    fields["indexeddate"] = (*stored)->fields.indexed_ms;
    fields["permanentid"] = (*stored)->fields.permanent_id;
    fields["clickableuri"] = (*stored)->fields.click_uri;
    out["fields"] = std::move(fields);
    out["text"] = (*stored)->body;
    out["textTruncated"] = (*stored)->body_truncated;
  }
  return http::Response::Json(200, json::serialize(out));
}

// The item's original bytes, decompressed (or as pushed with ?as=pushed), as a download.
http::Response BrowserApi::ItemOriginal(http::Request& request) {
  auto found = FindItem(request);
  if (auto* error = std::get_if<http::Response>(&found)) return *error;
  const auto& [key, item] = std::get<FoundItem>(found);
  auto pushed = LoadPushed(store_, item);
  if (auto refused = RefuseSecured(key, item, pushed)) return *refused;
  json::object original = OriginalJson(pushed, blobs_);
  if (!original.at("available").as_bool()) {
    int status = original.at("kind") == "compressedBinaryDataFileId" ? 410 : 404;
    return push::CoveoError(status, "ORIGINAL_NOT_AVAILABLE",
                            std::string(original.at("reason").as_string()));
  }
  const bool as_pushed = request.Query("as").value_or("") == "pushed";
  auto bytes = ReadContent(pushed->body, blobs_, as_pushed);
  if (!bytes.ok()) {
    if (bytes.status().code() == base::StatusCode::kResourceExhausted) {
      return push::CoveoError(413, "ORIGINAL_TOO_LARGE", bytes.status().message() + ".");
    }
    return push::CoveoError(422, "ORIGINAL_UNREADABLE",
                            "The pushed content does not decode: " + bytes.status().message() +
                                ". Add ?as=pushed to download the bytes as they were pushed.");
  }
  std::string suffix;
  if (as_pushed && KindOf(pushed->body) != ContentKind::kData) {
    auto compression = codec::ParseCompression(StringMember(pushed->body, "compressiontype"));
    if (compression.ok()) suffix = CompressedSuffix(*compression);
  }
  std::string extension = StringMember(pushed->body, "fileextension");
  if (extension.empty() && KindOf(pushed->body) == ContentKind::kData) extension = ".txt";
  return Download(std::move(*bytes), FileName(item.uri, extension, suffix));
}

http::Response BrowserApi::Logs(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  store::LogQuery query;
  query.organization_id = org;
  if (auto source = request.Query("source")) query.sources.include.push_back(*source);
  query.document_id = request.Query("documentId");
  query.offset = ParseCount(request.Query("offset"), 0, UINT32_MAX);
  query.limit = ParseCount(request.Query("limit"), 100, 1000);
  auto logs = store_.QueryLogs(query);
  if (!logs.ok()) return push::FromStatus(logs.status());
  json::array out;
  for (const auto& l : *logs) {
    out.push_back(json::object{{"datetime", base::FormatIso8601Ms(l.datetime_ms)},
                               {"documentId", l.document_id},
                               {"sourceId", l.source_id},
                               {"operation", l.operation},
                               {"task", l.task},
                               {"result", l.result},
                               {"reason", l.reason},
                               {"requestId", l.request_id}});
  }
  return http::Response::Json(200, json::serialize(json::object{{"entries", std::move(out)}}));
}

}  // namespace sluice::search
