#include "extract/xml_extractor.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "extract/text_builder.h"
#include "extract/xml_entities.h"

namespace sluice::extract::internal {
namespace {

// xmlParseChunk takes an int length.
constexpr size_t kMaxChunkBytes = size_t{1} << 20;
// Parser options: no network, no errors on stderr. Without XML_PARSE_NOENT, XML_PARSE_DTDLOAD
// and XML_PARSE_DTDVALID no entity is substituted and no external subset or entity is loaded;
// without XML_PARSE_HUGE libxml2 keeps its depth and size limits.
// libxml2's message in a warning, at most.
constexpr size_t kMaxMessageBytes = 300;
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

class XmlExtractor final : public Extractor {
 public:
  XmlExtractor(std::string file_type, size_t max_body_bytes)
      : file_type_(std::move(file_type)), body_(max_body_bytes) {}
  ~XmlExtractor() override {
    if (context_ == nullptr) return;
    // libxml2 makes a document to hold a DTD's declarations even for SAX; the context does not
    // free it.
    if (context_->myDoc != nullptr) xmlFreeDoc(context_->myDoc);
    xmlFreeParserCtxt(context_);
  }
  XmlExtractor(const XmlExtractor&) = delete;
  XmlExtractor& operator=(const XmlExtractor&) = delete;

  base::Status Init() {
    // Only the callbacks that carry text are set, entity declarations are not recorded, and
    // every entity reference expands to nothing (EmptyEntity).
    handler_.initialized = XML_SAX2_MAGIC;
    handler_.getEntity = &GetEntity;
    handler_.getParameterEntity = &GetParameterEntity;
    handler_.startElementNs = &StartElement;
    handler_.endElementNs = &EndElement;
    handler_.characters = &Characters;
    handler_.cdataBlock = &Characters;
    context_ = xmlCreatePushParserCtxt(&handler_, this, nullptr, 0, nullptr);
    if (context_ == nullptr) return base::ResourceExhausted("XML extractor: out of memory");
    xmlCtxtUseOptions(context_, kParseOptions);
    return base::Status::Ok();
  }

  base::Status Write(std::string_view bytes) override {
    if (finished_) return base::FailedPrecondition("XML extractor: Write after Finish");
    while (!bytes.empty() && !stopped_) {
      const std::string_view chunk = bytes.substr(0, kMaxChunkBytes);
      bytes.remove_prefix(chunk.size());
      Parse(chunk, /*terminate=*/false);
    }
    return base::Status::Ok();
  }

  base::Result<ExtractedText> Finish() override {
    if (finished_) return base::FailedPrecondition("XML extractor: Finish called twice");
    finished_ = true;
    if (!stopped_) Parse({}, /*terminate=*/true);
    ExtractedText text;
    text.body = body_.Finish();
    text.truncated = body_.truncated();
    text.file_type = std::move(file_type_);
    if (!problem_.empty()) text.warnings.push_back(std::move(problem_));
    return text;
  }

 private:
  static XmlExtractor& Self(void* context) { return *static_cast<XmlExtractor*>(context); }
  static void StartElement(void* context, const xmlChar* /*local_name*/, const xmlChar* /*prefix*/,
                           const xmlChar* /*uri*/, int /*namespace_count*/,
                           const xmlChar** /*namespaces*/, int /*attribute_count*/,
                           int /*defaulted_count*/, const xmlChar** /*attributes*/) {
    Self(context).body_.Separate();
  }
  static void EndElement(void* context, const xmlChar* /*local_name*/, const xmlChar* /*prefix*/,
                         const xmlChar* /*uri*/) {
    Self(context).body_.Separate();
  }
  static xmlEntityPtr GetEntity(void* context, const xmlChar* /*name*/) {
    return Self(context).empty_entity_.general();
  }
  static xmlEntityPtr GetParameterEntity(void* context, const xmlChar* /*name*/) {
    return Self(context).empty_entity_.parameter();
  }
  static void Characters(void* context, const xmlChar* text, int length) {
    Self(context).body_.Append(
        std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(length)));
  }

  void Parse(std::string_view chunk, bool terminate) {
    const int result =
        xmlParseChunk(context_, chunk.data(), static_cast<int>(chunk.size()), terminate ? 1 : 0);
    if (result == XML_ERR_OK && context_->wellFormed != 0) return;
    // A fatal error: libxml2 stops calling back, so the text so far is all there is.
    stopped_ = true;
    const xmlError* error = xmlCtxtGetLastError(context_);
    // libxml2's messages quote the document's bytes, which need not be UTF-8.
    TextBuilder message(kMaxMessageBytes);
    message.Append(error != nullptr && error->message != nullptr
                       ? std::string_view(error->message)
                       : "error " + std::to_string(result));
    const int line = error != nullptr ? error->line : 0;
    problem_ = "XML is not well-formed at line " + std::to_string(line) + " (" + message.Finish() +
               "): the text after it was not extracted";
  }

  std::string file_type_;
  TextBuilder body_;
  xmlSAXHandler handler_{};
  EmptyEntity empty_entity_;
  xmlParserCtxtPtr context_ = nullptr;
  std::string problem_;
  bool stopped_ = false;
  bool finished_ = false;
};

}  // namespace

base::Result<std::unique_ptr<Extractor>> MakeXmlExtractor(std::string file_type,
                                                          size_t max_body_bytes) {
  auto extractor = std::make_unique<XmlExtractor>(std::move(file_type), max_body_bytes);
  SLUICE_RETURN_IF_ERROR(extractor->Init());
  return std::unique_ptr<Extractor>(std::move(extractor));
}

}  // namespace sluice::extract::internal
