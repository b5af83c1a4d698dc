#include "extract/office_extractor.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "extract/text_builder.h"
#include "extract/xml_entities.h"

namespace sluice::extract::internal {
namespace {

// libzip inflates and libxml2 parses this much at a time: memory stays constant whatever the
// size of a part.
constexpr size_t kChunkBytes = 64 << 10;
// Entries up to this size may expand more than max_expansion_ratio: small XML compresses well.
constexpr uint64_t kRatioExemptBytes = 1 << 20;
// A property (title, author ...) is cut at this size; the body has its own cap.
constexpr size_t kMaxPropertyBytes = 64 << 10;
// A file name or parser message in an error or warning is cut at this size.
constexpr size_t kMaxShownBytes = 200;
constexpr size_t kMaxWarnings = 20;
// Lists read from the package (relationships, sheets, slides) keep this many entries; a
// property keeps this many values. Real documents stay far below; hostile ones stay bounded.
constexpr size_t kMaxListed = 100'000;
constexpr size_t kMaxPropertyValues = 100;

constexpr std::string_view kNotOffice =
    "a zip archive, but not an Office Open XML or OpenDocument file";

using Names = std::span<const std::string_view>;

bool Contains(Names names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = AsciiLower(c);
  return lower;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "8 MiB" for whole mebibytes, else "123 bytes".
std::string DescribeBytes(uint64_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// Entry names and parser messages come from the file: in messages they are shown with their
// UTF-8 repaired, control characters as spaces, and cut short.
std::string Printable(std::string_view raw) {
  TextBuilder builder(kMaxShownBytes);
  builder.Append(raw);
  const bool cut = builder.truncated();
  std::string shown = builder.Finish();
  if (cut) shown += "...";
  return shown;
}

// The warnings of one package, the first kMaxWarnings of them (a package can refer to any
// number of missing parts).
class Warnings {
 public:
  void Add(std::string warning) {
    if (warnings_.size() < kMaxWarnings) {
      warnings_.push_back(std::move(warning));
    } else {
      ++left_out_;
    }
  }
  std::vector<std::string> Take() {
    if (left_out_ > 0) warnings_.push_back(std::to_string(left_out_) + " more warnings left out");
    return std::move(warnings_);
  }

 private:
  std::vector<std::string> warnings_;
  size_t left_out_ = 0;
};

// Orders part names as people number them: "slide9.xml" before "slide10.xml".
bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      size_t i_end = i;
      size_t j_end = j;
      while (i_end < a.size() && IsDigit(a[i_end])) ++i_end;
      while (j_end < b.size() && IsDigit(b[j_end])) ++j_end;
      std::string_view x = a.substr(i, i_end - i);
      std::string_view y = b.substr(j, j_end - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
      continue;
    }
    const char x = AsciiLower(a[i]);
    const char y = AsciiLower(b[j]);
    if (x != y) return x < y;
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

// ---------------------------------------------------------------------------------------------
// The zip archive, read through libzip with the limits that stop zip bombs.

struct ZipCloser {
  void operator()(zip_t* zip) const { zip_discard(zip); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string ZipErrorText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

base::Status ZipOpenError(int code) {
  switch (code) {
    case ZIP_ER_NOZIP:
      return base::InvalidArgument(
          "not a zip archive, so not an Office Open XML or OpenDocument file");
    case ZIP_ER_MEMORY:
      return base::ResourceExhausted("out of memory while reading the zip archive's directory");
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
    case ZIP_ER_OPEN:
      return base::IoError("cannot read the zip archive: " + ZipErrorText(code));
    default:
      return base::InvalidArgument("damaged zip archive: " + ZipErrorText(code));
  }
}

// An error of libzip while reading entry `name`, as a Status a person can act on.
base::Status ZipEntryError(std::string_view name, zip_error_t* error) {
  const std::string where = "zip entry '" + Printable(name) + "'";
  switch (zip_error_code_zip(error)) {
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
    case ZIP_ER_ENCRNOTSUPP:
      return base::InvalidArgument(where + " is encrypted: password-protected documents " +
                                   "cannot be extracted");
    case ZIP_ER_COMPNOTSUPP:
      return base::InvalidArgument(where + " uses a compression method that is not supported");
    case ZIP_ER_MEMORY:
      return base::ResourceExhausted("out of memory while reading " + where);
    default:
      return base::InvalidArgument(where + " is damaged: " + zip_error_strerror(error));
  }
}

// Microsoft's compound file format starts with this signature; Office encrypts documents
// into one.
bool IsCompoundFile(int fd) {
  constexpr std::string_view kSignature = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
  char head[8];
  return pread(fd, head, sizeof(head), 0) == sizeof(head) &&
         std::string_view(head, sizeof(head)) == kSignature;
}

class ZipPackage {
 public:
  // Opens the archive in the regular file at `fd`; `fd` stays open and ours to close.
  static base::Result<std::unique_ptr<ZipPackage>> Open(int fd, const ZipLimits& limits) {
    struct stat info {};
    if (fstat(fd, &info) != 0) return base::ErrnoError("stat the item's file", errno);
    if (info.st_size == 0) {
      // libzip takes an empty file for an empty archive.
      return base::InvalidArgument("empty file, not an Office Open XML or OpenDocument file");
    }
    const int copy = dup(fd);  // libzip closes the descriptor it is given
    if (copy < 0) return base::ErrnoError("duplicate the item's file descriptor", errno);
    int code = 0;
    zip_t* zip = zip_fdopen(copy, ZIP_RDONLY, &code);
    if (zip == nullptr) {
      close(copy);  // libzip took it only if it succeeded
      if (code == ZIP_ER_NOZIP && IsCompoundFile(fd)) {
        return base::InvalidArgument(
            "an OLE compound file (a legacy .doc, .xls or .ppt, or a password-protected Office "
            "document), not an Office Open XML or OpenDocument file");
      }
      return ZipOpenError(code);
    }
    std::unique_ptr<ZipPackage> package(new ZipPackage(zip, limits));
    SLUICE_RETURN_IF_ERROR(package->IndexNames());
    return package;
  }

  // The entry with this name, ignoring letter case (part names are case-insensitive in OPC).
  std::optional<zip_uint64_t> Find(std::string_view name) const {
    const auto it = by_lower_name_.find(AsciiLower(name));
    if (it == by_lower_name_.end()) return std::nullopt;
    return it->second;
  }
  const std::string& Name(zip_uint64_t index) const { return names_[index]; }
  const std::vector<std::string>& names() const { return names_; }

  // Inflates entry `index` and hands its bytes to `sink` a chunk at a time, counting every
  // byte against the limits; `sink` returns false when it wants no more.
  base::Status Read(zip_uint64_t index, const std::function<bool(std::string_view)>& sink) {
    const std::string& name = names_[index];
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(zip_.get(), index, 0, &stat) != 0) {
      return ZipEntryError(name, zip_get_error(zip_.get()));
    }
    const uint64_t compressed = (stat.valid & ZIP_STAT_COMP_SIZE) != 0 ? stat.comp_size : 0;
    // The declared size rejects a bomb before inflating it; the bytes actually inflated are
    // checked again below, since a declared size can lie.
    if ((stat.valid & ZIP_STAT_SIZE) != 0) {
      SLUICE_RETURN_IF_ERROR(CheckRatio(name, stat.size, compressed));
      SLUICE_RETURN_IF_ERROR(CheckTotal(name, stat.size));
    }
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(zip_.get(), index, 0));
    if (file == nullptr) return ZipEntryError(name, zip_get_error(zip_.get()));
    buffer_.resize(kChunkBytes);
    uint64_t inflated = 0;
    for (;;) {
      const zip_int64_t n = zip_fread(file.get(), buffer_.data(), buffer_.size());
      if (n < 0) return ZipEntryError(name, zip_file_get_error(file.get()));
      if (n == 0) return base::Status::Ok();
      const auto size = static_cast<uint64_t>(n);
      SLUICE_RETURN_IF_ERROR(CheckTotal(name, size));
      inflated += size;
      total_inflated_ += size;
      SLUICE_RETURN_IF_ERROR(CheckRatio(name, inflated, compressed));
      if (!sink({buffer_.data(), static_cast<size_t>(size)})) return base::Status::Ok();
    }
  }

  // Reads a small entry whole (ODF's "mimetype"), up to `max_bytes`.
  base::Result<std::string> ReadSmall(zip_uint64_t index, size_t max_bytes) {
    std::string bytes;
    SLUICE_RETURN_IF_ERROR(Read(index, [&](std::string_view chunk) {
      bytes.append(chunk.substr(0, max_bytes - bytes.size()));
      return bytes.size() < max_bytes;
    }));
    return bytes;
  }

 private:
  ZipPackage(zip_t* zip, const ZipLimits& limits) : zip_(zip), limits_(limits) {}

  base::Status IndexNames() {
    const zip_int64_t count = zip_get_num_entries(zip_.get(), 0);
    if (count < 0) return base::InvalidArgument("damaged zip archive: no entry count");
    if (static_cast<uint64_t>(count) > limits_.max_entries) {
      return base::ResourceExhausted(
          "zip archive has " + std::to_string(count) + " entries, more than the " +
          std::to_string(limits_.max_entries) + " allowed (max_entries)");
    }
    names_.reserve(static_cast<size_t>(count));
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
      const char* name = zip_get_name(zip_.get(), i, 0);
      names_.emplace_back(name != nullptr ? name : "");
      if (name != nullptr) by_lower_name_.emplace(AsciiLower(names_.back()), i);
    }
    return base::Status::Ok();
  }

  // An entry that expands to `size` bytes from `compressed` ones: allowed up to 1 MiB, then up
  // to max_expansion_ratio times.
  base::Status CheckRatio(const std::string& name, uint64_t size, uint64_t compressed) const {
    const uint64_t ratio = std::max<uint64_t>(limits_.max_expansion_ratio, 1);
    // size > ratio * compressed, without overflow.
    if (size > kRatioExemptBytes && compressed <= (size - 1) / ratio) {
      return base::ResourceExhausted("zip entry '" + Printable(name) + "' expands more than " +
                                     std::to_string(ratio) + " times (max_expansion_ratio)");
    }
    return base::Status::Ok();
  }

  // `more` bytes of entry `name` are about to be inflated, beyond those already counted.
  base::Status CheckTotal(const std::string& name, uint64_t more) const {
    const uint64_t limit = limits_.max_uncompressed_bytes;
    if (total_inflated_ > limit || more > limit - total_inflated_) {
      return base::ResourceExhausted("zip archive expands to more than " + DescribeBytes(limit) +
                                     " (max_uncompressed_bytes) at entry '" + Printable(name) +
                                     "'");
    }
    return base::Status::Ok();
  }

  std::unique_ptr<zip_t, ZipCloser> zip_;
  ZipLimits limits_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, zip_uint64_t> by_lower_name_;
  uint64_t total_inflated_ = 0;
  std::string buffer_;
};

// ---------------------------------------------------------------------------------------------
// XML, streamed through libxml2's SAX2 push parser.

// The attributes of a start tag, as libxml2 gives them: (local name, prefix, URI, value,
// value end) for each.
class Attributes {
 public:
  Attributes(const xmlChar** attributes, int count) : attributes_(attributes), count_(count) {}

  // The value of the attribute without a namespace called `local_name`.
  std::string_view Plain(std::string_view local_name) const { return Find(local_name, false); }
  // The value of a namespaced attribute called `local_name` (r:id, meta:page-count).
  std::string_view Namespaced(std::string_view local_name) const { return Find(local_name, true); }

 private:
  std::string_view Find(std::string_view local_name, bool namespaced) const {
    for (int i = 0; i < count_; ++i) {
      const xmlChar** attribute = attributes_ + static_cast<ptrdiff_t>(i) * 5;
      if ((attribute[2] != nullptr) != namespaced) continue;
      if (reinterpret_cast<const char*>(attribute[0]) != local_name) continue;
      return {reinterpret_cast<const char*>(attribute[3]),
              static_cast<size_t>(attribute[4] - attribute[3])};
    }
    return {};
  }

  const xmlChar** attributes_;
  int count_;
};

// Receives the elements and text of one part.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(std::string_view name, std::string_view uri, const Attributes& attributes) = 0;
  virtual void End(std::string_view name) = 0;
  virtual void Text(std::string_view text) = 0;
  // True once the handler needs nothing more (the body is full).
  virtual bool Done() const { return false; }
};

// libxml2 reports some errors (a broken byte sequence in a declared encoding) through its
// per-thread generic handlers rather than the parser's: they are silenced while a part is
// parsed, then given back as they were.
class QuietLibxml2Errors {
 public:
  QuietLibxml2Errors()
      : generic_(xmlGenericError),
        generic_context_(xmlGenericErrorContext),
        structured_(xmlStructuredError),
        structured_context_(xmlStructuredErrorContext) {
    xmlSetGenericErrorFunc(nullptr, &IgnoreGeneric);
    xmlSetStructuredErrorFunc(nullptr, &IgnoreStructured);
  }
  ~QuietLibxml2Errors() {
    xmlSetGenericErrorFunc(generic_context_, generic_);
    xmlSetStructuredErrorFunc(structured_context_, structured_);
  }
  QuietLibxml2Errors(const QuietLibxml2Errors&) = delete;
  QuietLibxml2Errors& operator=(const QuietLibxml2Errors&) = delete;

 private:
  static void IgnoreGeneric(void* /*context*/, const char* /*format*/, ...) {}
  static void IgnoreStructured(void* /*context*/, xmlErrorPtr /*error*/) {}

  xmlGenericErrorFunc generic_;
  void* generic_context_;
  xmlStructuredErrorFunc structured_;
  void* structured_context_;
};

// One part through libxml2's push parser: no network, no DTD, no entity expansion (an entity
// reference other than the five predefined ones ends the well-formed part), and no output.
class XmlPushParser {
 public:
  explicit XmlPushParser(XmlHandler& handler) : handler_(handler) {}
  ~XmlPushParser() {
    if (context_ == nullptr) return;
    if (context_->myDoc != nullptr) xmlFreeDoc(context_->myDoc);  // never built; to be sure
    xmlFreeParserCtxt(context_);
  }
  XmlPushParser(const XmlPushParser&) = delete;
  XmlPushParser& operator=(const XmlPushParser&) = delete;

  // Returns false once parsing stopped: a fatal XML error, or the handler is done.
  bool Feed(std::string_view chunk) {
    if (context_ == nullptr) {
      // The first bytes tell libxml2 the encoding.
      const size_t head = std::min<size_t>(chunk.size(), 4);
      xmlSAXHandler sax = MakeSaxHandler();  // copied by libxml2
      context_ = xmlCreatePushParserCtxt(&sax, this, chunk.data(), static_cast<int>(head), nullptr);
      if (context_ == nullptr) {
        error_ = "out of memory";
        return false;
      }
      xmlCtxtUseOptions(context_, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
      chunk.remove_prefix(head);
    }
    NoteHalt(xmlParseChunk(context_, chunk.data(), static_cast<int>(chunk.size()), 0));
    return !Stopped();
  }

  // The end of the part: what is still open is a truncated part.
  void Finish() {
    if (context_ != nullptr && !Stopped()) NoteHalt(xmlParseChunk(context_, nullptr, 0, 1));
  }

  // The first fatal error, with its line ("line 3: ..."), or empty.
  const std::string& error() const { return error_; }

 private:
  // A parser that stopped without reporting a fatal error to OnError: libxml2 halts on a
  // conversion error of the declared encoding and only tells its generic handler.
  void NoteHalt(int code) {
    if (code == 0 || !error_.empty() || context_->disableSAX == 0) return;
    error_ = "line " + std::to_string(xmlSAX2GetLineNumber(context_)) + ": " +
             (code == XML_ERR_INVALID_ENCODING ? std::string("bytes not in the declared encoding")
                                               : "error " + std::to_string(code));
  }

  bool Stopped() const {
    return context_->disableSAX != 0 || context_->instate == XML_PARSER_EOF || handler_.Done();
  }

  static xmlSAXHandler MakeSaxHandler() {
    xmlSAXHandler sax{};
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = &OnStart;
    sax.endElementNs = &OnEnd;
    sax.characters = &OnText;
    sax.ignorableWhitespace = &OnText;
    sax.cdataBlock = &OnText;
    sax.serror = &OnError;
    // No entityDecl, resolveEntity or externalSubset: declared entities are not even recorded,
    // and every reference expands to nothing (EmptyEntity).
    sax.getEntity = &OnEntity;
    sax.getParameterEntity = &OnParameterEntity;
    return sax;
  }

  static XmlPushParser& Self(void* context) { return *static_cast<XmlPushParser*>(context); }
  static std::string_view View(const xmlChar* s) {
    return s == nullptr ? std::string_view() : reinterpret_cast<const char*>(s);
  }

  static void OnStart(void* context, const xmlChar* local_name, const xmlChar* /*prefix*/,
                      const xmlChar* uri, int /*namespace_count*/, const xmlChar** /*namespaces*/,
                      int attribute_count, int /*defaulted*/, const xmlChar** attributes) {
    Self(context).handler_.Start(View(local_name), View(uri),
                                 Attributes(attributes, attribute_count));
  }
  static void OnEnd(void* context, const xmlChar* local_name, const xmlChar* /*prefix*/,
                    const xmlChar* /*uri*/) {
    Self(context).handler_.End(View(local_name));
  }
  static xmlEntityPtr OnEntity(void* context, const xmlChar* /*name*/) {
    return Self(context).empty_entity_.general();
  }
  static xmlEntityPtr OnParameterEntity(void* context, const xmlChar* /*name*/) {
    return Self(context).empty_entity_.parameter();
  }
  static void OnText(void* context, const xmlChar* text, int length) {
    Self(context).handler_.Text({reinterpret_cast<const char*>(text), static_cast<size_t>(length)});
  }
  static void OnError(void* context, xmlErrorPtr error) {
    XmlPushParser& self = Self(context);
    if (error == nullptr || error->level != XML_ERR_FATAL || !self.error_.empty()) return;
    std::string message = error->message != nullptr ? error->message : "unknown error";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    self.error_ = "line " + std::to_string(error->line) + ": " + Printable(message);
  }

  XmlHandler& handler_;
  xmlParserCtxtPtr context_ = nullptr;
  std::string error_;
  EmptyEntity empty_entity_;
};

// Parses entry `index` with `handler`. A part that is not well-formed keeps the text read
// before the error, and says so in `warnings`; limits and damaged entries fail.
base::Status ParsePart(ZipPackage& package, zip_uint64_t index, XmlHandler& handler,
                       Warnings& warnings) {
  const QuietLibxml2Errors quiet;
  XmlPushParser parser(handler);
  bool stopped = false;
  SLUICE_RETURN_IF_ERROR(package.Read(index, [&](std::string_view chunk) {
    stopped = !parser.Feed(chunk);
    return !stopped;
  }));
  if (!stopped) parser.Finish();
  if (!parser.error().empty()) {
    warnings.Add("'" + Printable(package.Name(index)) + "' is not well-formed XML (" +
                 parser.error() + "): its text after that point is left out");
  }
  return base::Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Text.

// What the elements of a part mean for its text, by local name.
struct TextRules {
  Names text;        // their character data is text (w:t, a:t)
  Names separators;  // their start and end separate words (paragraphs, cells, breaks)
  Names skipped;     // nothing inside them is text (mc:Fallback repeats mc:Choice)
  std::string_view skipped_namespace;  // nor inside elements of this namespace
  // When set, all character data inside this element is text (ODF's office:body), not only
  // that of `text` elements.
  std::string_view text_scope;
};

constexpr std::string_view kDublinCore = "http://purl.org/dc/elements/1.1/";

// WordprocessingML and DrawingML (docx, pptx): runs of w:t / a:t in paragraphs and cells;
// mc:Fallback repeats what mc:Choice holds.
constexpr std::string_view kRunText[] = {"t"};
constexpr std::string_view kDrawingSeparators[] = {"p", "tab", "br", "cr", "tc"};
constexpr std::string_view kDrawingSkipped[] = {"Fallback"};
constexpr TextRules kDrawingTextRules{kRunText, kDrawingSeparators, kDrawingSkipped, {}, {}};

// xl/sharedStrings.xml, one string per si, and cell comments; phonetic runs repeat the text.
constexpr std::string_view kSharedStringSeparators[] = {"si", "comment"};
constexpr std::string_view kSharedStringSkipped[] = {"rPh", "phoneticPr", "Fallback"};
constexpr TextRules kSharedStringRules{
    kRunText, kSharedStringSeparators, kSharedStringSkipped, {}, {}};

// A worksheet's cells: see WorksheetHandler for which values are text.
constexpr std::string_view kCellSeparators[] = {"c", "row"};
constexpr std::string_view kCellSkipped[] = {"rPh", "f", "extLst", "headerFooter", "Fallback"};
constexpr TextRules kWorksheetRules{kRunText, kCellSeparators, kCellSkipped, {}, {}};

// ODF content.xml: everything in office:body but change tracking, embedded binaries, note
// numbers and the author and date of comments (Dublin Core elements).
constexpr std::string_view kOdfSeparators[] = {
    "p",          "h",         "s",          "tab",
    "line-break", "list-item", "table-cell", "covered-table-cell",
    "table-row",  "note-body", "frame",      "annotation"};
constexpr std::string_view kOdfSkipped[] = {"tracked-changes", "binary-data", "note-citation",
                                            "creator-initials"};
constexpr TextRules kOdfTextRules{{}, kOdfSeparators, kOdfSkipped, kDublinCore, "body"};

class TextHandler : public XmlHandler {
 public:
  TextHandler(const TextRules& rules, TextBuilder& out) : rules_(rules), out_(out) {}

  void Start(std::string_view name, std::string_view uri, const Attributes& attributes) override {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return;
    }
    if (Contains(rules_.skipped, name) ||
        (!rules_.skipped_namespace.empty() && uri == rules_.skipped_namespace)) {
      skip_depth_ = 1;
      return;
    }
    if (scope_depth_ > 0) {
      ++scope_depth_;
    } else if (!rules_.text_scope.empty() && name == rules_.text_scope) {
      scope_depth_ = 1;
    }
    if (text_depth_ > 0) {
      ++text_depth_;
    } else if (IsText(name, attributes)) {
      text_depth_ = 1;
    }
    if (Contains(rules_.separators, name)) out_.Separate();
  }

  void End(std::string_view name) override {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return;
    }
    if (scope_depth_ > 0) --scope_depth_;
    if (text_depth_ > 0) --text_depth_;
    if (Contains(rules_.separators, name)) out_.Separate();
  }

  void Text(std::string_view text) override {
    if (skip_depth_ == 0 && (text_depth_ > 0 || scope_depth_ > 0)) out_.Append(text);
  }

  bool Done() const override { return out_.truncated(); }

 protected:
  // Whether the character data of this element is text.
  virtual bool IsText(std::string_view name, const Attributes& /*attributes*/) {
    return Contains(rules_.text, name);
  }

 private:
  const TextRules& rules_;
  TextBuilder& out_;
  int skip_depth_ = 0;   // inside a skipped element
  int scope_depth_ = 0;  // inside text_scope
  int text_depth_ = 0;   // inside a text element
};

// A worksheet: inline strings, and the values of cells holding numbers, dates or formula
// strings. Shared strings (t="s") are indexes into sharedStrings.xml, read on its own.
class WorksheetHandler final : public TextHandler {
 public:
  explicit WorksheetHandler(TextBuilder& out) : TextHandler(kWorksheetRules, out) {}

 protected:
  bool IsText(std::string_view name, const Attributes& attributes) override {
    if (name == "c") {
      cell_type_ = attributes.Plain("t");
      return false;
    }
    if (name == "v") {
      return cell_type_.empty() || cell_type_ == "n" || cell_type_ == "str" || cell_type_ == "d";
    }
    return TextHandler::IsText(name, attributes);
  }

 private:
  std::string cell_type_;
};

// ---------------------------------------------------------------------------------------------
// Package structure: content types, relationships, properties.

// [Content_Types].xml: the content type of each part named by an Override.
class ContentTypesHandler final : public XmlHandler {
 public:
  void Start(std::string_view name, std::string_view /*uri*/,
             const Attributes& attributes) override {
    if (name != "Override" || overrides.size() >= kMaxListed) return;
    std::string_view part = attributes.Plain("PartName");
    if (part.starts_with('/')) part.remove_prefix(1);
    overrides.emplace_back(std::string(part), AsciiLower(attributes.Plain("ContentType")));
  }
  void End(std::string_view /*name*/) override {}
  void Text(std::string_view /*text*/) override {}

  std::vector<std::pair<std::string, std::string>> overrides;  // part name, content type
};

struct Relationship {
  std::string id;
  std::string type;
  std::string target;  // the part it points at, resolved from the package root
};

bool IsType(const Relationship& relationship, std::string_view suffix) {
  return relationship.type.ends_with(suffix);
}

// "word/document.xml" + "../media/x.png" -> "media/x.png"; "/x" is from the root. Targets
// are URIs: percent escapes are decoded, a fragment is dropped.
std::string ResolveTarget(std::string_view source, std::string_view target) {
  target = target.substr(0, target.find('#'));
  std::string decoded;
  for (size_t i = 0; i < target.size(); ++i) {
    auto hex = [](char c) {
      if (IsDigit(c)) return c - '0';
      c = AsciiLower(c);
      return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    if (target[i] == '%' && i + 2 < target.size() && hex(target[i + 1]) >= 0 &&
        hex(target[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(hex(target[i + 1]) * 16 + hex(target[i + 2])));
      i += 2;
    } else {
      decoded.push_back(target[i]);
    }
  }
  std::string path;
  if (!decoded.starts_with('/')) {
    const size_t slash = source.rfind('/');
    if (slash != std::string_view::npos) path = source.substr(0, slash + 1);
  }
  path += decoded;
  std::vector<std::string_view> segments;
  std::string_view rest = path;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string resolved;
  for (const std::string_view segment : segments) {
    if (!resolved.empty()) resolved.push_back('/');
    resolved.append(segment);
  }
  return resolved;
}

class RelationshipsHandler final : public XmlHandler {
 public:
  explicit RelationshipsHandler(std::string source) : source_(std::move(source)) {}
  void Start(std::string_view name, std::string_view /*uri*/,
             const Attributes& attributes) override {
    if (name != "Relationship" || attributes.Plain("TargetMode") == "External" ||
        relationships.size() >= kMaxListed) {
      return;
    }
    relationships.push_back({std::string(attributes.Plain("Id")),
                             std::string(attributes.Plain("Type")),
                             ResolveTarget(source_, attributes.Plain("Target"))});
  }
  void End(std::string_view /*name*/) override {}
  void Text(std::string_view /*text*/) override {}

  std::vector<Relationship> relationships;

 private:
  std::string source_;
};

// The text of the elements whose local names are listed (core.xml, app.xml, meta.xml), and
// ODF's page count attribute.
class PropertiesHandler final : public XmlHandler {
 public:
  explicit PropertiesHandler(std::vector<std::string_view> wanted) : wanted_(std::move(wanted)) {}

  void Start(std::string_view name, std::string_view /*uri*/,
             const Attributes& attributes) override {
    if (name == "document-statistic") {
      const std::string_view pages = attributes.Namespaced("page-count");
      if (!pages.empty() && values["page-count"].empty()) values["page-count"].emplace_back(pages);
    }
    if (depth_ > 0) {
      ++depth_;
    } else if (Contains(wanted_, name)) {
      depth_ = 1;
      current_.assign(name);
      value_.clear();
    }
  }
  void End(std::string_view /*name*/) override {
    if (depth_ == 0 || --depth_ > 0) return;
    auto& named = values[current_];
    if (named.size() < kMaxPropertyValues) named.push_back(std::move(value_));
    value_.clear();
  }
  void Text(std::string_view text) override {
    if (depth_ > 0) value_.append(text.substr(0, kMaxPropertyBytes - value_.size()));
  }

  std::map<std::string, std::vector<std::string>, std::less<>> values;

 private:
  std::vector<std::string_view> wanted_;
  int depth_ = 0;
  std::string current_;
  std::string value_;
};

// Whitespace collapsed and trimmed, UTF-8 repaired, capped.
std::string CleanProperty(std::string_view raw) {
  TextBuilder builder(kMaxPropertyBytes);
  builder.Append(raw);
  return builder.Finish();
}

bool ParseNumber(std::string_view& s, size_t digits, int& value) {
  if (s.size() < digits) return false;
  value = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (!IsDigit(s[i])) return false;
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(digits);
  return true;
}

bool Consume(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// W3C date-time ("2024-03-02T12:30:00+02:00", "2024-03-01T10:00:00.123Z", ODF's local
// "2024-03-01T10:00:00.123456789", or a bare date) as ISO 8601 UTC "2024-03-02T10:30:00Z".
// A time without a zone is taken as UTC.
std::optional<std::string> NormalizeDate(std::string_view s) {
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ParseNumber(s, 4, year) || !Consume(s, '-') || !ParseNumber(s, 2, month) ||
      !Consume(s, '-') || !ParseNumber(s, 2, day)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  seconds offset{0};
  if (Consume(s, 'T') || Consume(s, ' ')) {
    if (!ParseNumber(s, 2, hour) || !Consume(s, ':') || !ParseNumber(s, 2, minute)) {
      return std::nullopt;
    }
    if (Consume(s, ':') && !ParseNumber(s, 2, second)) return std::nullopt;
    if (Consume(s, '.') || Consume(s, ',')) {
      while (!s.empty() && IsDigit(s.front())) s.remove_prefix(1);
    }
    if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
    if (!Consume(s, 'Z') && !s.empty()) {
      const bool negative = s.front() == '-';
      int offset_hours = 0, offset_minutes = 0;
      if (!(Consume(s, '+') || Consume(s, '-')) || !ParseNumber(s, 2, offset_hours)) {
        return std::nullopt;
      }
      Consume(s, ':');
      if (!s.empty() && !ParseNumber(s, 2, offset_minutes)) return std::nullopt;
      offset = hours(offset_hours) + minutes(offset_minutes);
      if (negative) offset = -offset;
    }
  }
  if (!s.empty()) return std::nullopt;
  const auto utc =
      std::chrono::sys_days(date) + hours(hour) + minutes(minute) + seconds(second) - offset;
  const auto utc_day = std::chrono::floor<days>(utc);
  const std::chrono::year_month_day utc_date(utc_day);
  const std::chrono::hh_mm_ss time(utc - utc_day);
  if (static_cast<int>(utc_date.year()) < 1 || static_cast<int>(utc_date.year()) > 9999) {
    return std::nullopt;
  }
  char text[32];
  snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(utc_date.year()),
           static_cast<unsigned>(utc_date.month()), static_cast<unsigned>(utc_date.day()),
           static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
           static_cast<int>(time.seconds().count()));
  return std::string(text);
}

// ---------------------------------------------------------------------------------------------
// The formats.

enum class Format { kDocx, kXlsx, kPptx, kOdt, kOds, kOdp };

std::string_view FileType(Format format) {
  switch (format) {
    case Format::kDocx:
      return "docx";
    case Format::kXlsx:
      return "xlsx";
    case Format::kPptx:
      return "pptx";
    case Format::kOdt:
      return "odt";
    case Format::kOds:
      return "ods";
    case Format::kOdp:
      return "odp";
  }
  return "";
}

struct MainPartType {
  std::string_view content_type;
  Format format;
};

// The content types of the main part of each format and its variants (templates, macros,
// slide shows), lower-cased.
constexpr MainPartType kMainPartTypes[] = {
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
     Format::kDocx},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
     Format::kDocx},
    {"application/vnd.ms-word.document.macroenabled.main+xml", Format::kDocx},
    {"application/vnd.ms-word.template.macroenabledtemplate.main+xml", Format::kDocx},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", Format::kXlsx},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
     Format::kXlsx},
    {"application/vnd.ms-excel.sheet.macroenabled.main+xml", Format::kXlsx},
    {"application/vnd.ms-excel.template.macroenabled.main+xml", Format::kXlsx},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
     Format::kPptx},
    {"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
     Format::kPptx},
    {"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
     Format::kPptx},
    {"application/vnd.ms-powerpoint.presentation.macroenabled.main+xml", Format::kPptx},
    {"application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml", Format::kPptx},
    {"application/vnd.ms-powerpoint.template.macroenabled.main+xml", Format::kPptx},
};

struct OdfType {
  std::string_view mime_type;
  Format format;
};
constexpr OdfType kOdfTypes[] = {
    {"application/vnd.oasis.opendocument.text", Format::kOdt},
    {"application/vnd.oasis.opendocument.text-template", Format::kOdt},
    {"application/vnd.oasis.opendocument.spreadsheet", Format::kOds},
    {"application/vnd.oasis.opendocument.spreadsheet-template", Format::kOds},
    {"application/vnd.oasis.opendocument.presentation", Format::kOdp},
    {"application/vnd.oasis.opendocument.presentation-template", Format::kOdp},
};

// Reads one package: the format's parts in reading order into one body, and the properties.
class OfficeReader {
 public:
  OfficeReader(ZipPackage& package, size_t max_body_bytes)
      : package_(package), body_(max_body_bytes) {}

  base::Result<ExtractedText> Run() {
    SLUICE_RETURN_IF_ERROR(Detect());
    result_.file_type = FileType(format_);
    switch (format_) {
      case Format::kDocx:
        SLUICE_RETURN_IF_ERROR(ReadOoxmlProperties("Pages"));
        SLUICE_RETURN_IF_ERROR(ReadDocx());
        break;
      case Format::kXlsx:
        SLUICE_RETURN_IF_ERROR(ReadOoxmlProperties(""));
        SLUICE_RETURN_IF_ERROR(ReadXlsx());
        break;
      case Format::kPptx:
        SLUICE_RETURN_IF_ERROR(ReadOoxmlProperties("Slides"));
        SLUICE_RETURN_IF_ERROR(ReadPptx());
        break;
      case Format::kOdt:
      case Format::kOds:
      case Format::kOdp:
        SLUICE_RETURN_IF_ERROR(ReadOdfProperties());
        SLUICE_RETURN_IF_ERROR(ReadOdfText());
        break;
    }
    result_.warnings = warnings_.Take();
    result_.truncated = body_.truncated();
    result_.body = body_.Finish();
    return std::move(result_);
  }

 private:
  // The format, from ODF's "mimetype" or from the main part named in [Content_Types].xml.
  base::Status Detect() {
    std::string mimetype;
    if (const auto index = package_.Find("mimetype")) {
      SLUICE_ASSIGN_OR_RETURN(std::string raw, package_.ReadSmall(*index, 256));
      mimetype = AsciiLower(CleanProperty(raw));
      for (const OdfType& odf : kOdfTypes) {
        if (mimetype != odf.mime_type) continue;
        format_ = odf.format;
        return base::Status::Ok();
      }
    }
    if (const auto content_types = package_.Find("[Content_Types].xml")) {
      ContentTypesHandler types;
      SLUICE_RETURN_IF_ERROR(ParsePart(package_, *content_types, types, warnings_));
      for (const auto& [part, type] : types.overrides) {
        for (const MainPartType& main : kMainPartTypes) {
          if (type != main.content_type || !package_.Find(part)) continue;
          format_ = main.format;
          main_part_ = part;
          return base::Status::Ok();
        }
      }
      // A [Content_Types].xml that lists no main part: the usual places.
      constexpr std::pair<std::string_view, Format> kUsualMainParts[] = {
          {"word/document.xml", Format::kDocx},
          {"xl/workbook.xml", Format::kXlsx},
          {"ppt/presentation.xml", Format::kPptx}};
      for (const auto& [part, format] : kUsualMainParts) {
        if (!package_.Find(part)) continue;
        format_ = format;
        main_part_ = part;
        return base::Status::Ok();
      }
    }
    std::string message(kNotOffice);
    if (!mimetype.empty()) message += " (its mimetype is '" + Printable(mimetype) + "')";
    return base::InvalidArgument(std::move(message));
  }

  // The relationships of `part`, from its .rels part; none when it has none.
  base::Result<std::vector<Relationship>> Relationships(std::string_view part) {
    const size_t slash = part.rfind('/');
    const std::string_view folder =
        slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1);
    const std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
    const std::string rels = std::string(folder) + "_rels/" + std::string(file) + ".rels";
    RelationshipsHandler handler{std::string(part)};
    if (const auto index = package_.Find(rels)) {
      SLUICE_RETURN_IF_ERROR(ParsePart(package_, *index, handler, warnings_));
    }
    return std::move(handler.relationships);
  }

  // Appends the text of `part` (once, however often it is referred to); a missing part is a
  // warning.
  base::Status ReadText(std::string_view part, TextHandler& handler) {
    const auto index = package_.Find(part);
    if (!index) {
      warnings_.Add("part '" + Printable(part) + "' is referred to but missing");
      return base::Status::Ok();
    }
    if (!read_.insert(*index).second || body_.truncated()) return base::Status::Ok();
    body_.Separate();
    return ParsePart(package_, *index, handler, warnings_);
  }
  base::Status ReadText(std::string_view part, const TextRules& rules) {
    TextHandler handler(rules, body_);
    return ReadText(part, handler);
  }

  // docProps/core.xml and docProps/app.xml (its `count_element` is the page or slide count).
  base::Status ReadOoxmlProperties(std::string_view count_element) {
    SLUICE_ASSIGN_OR_RETURN(const auto relationships, Relationships(""));
    std::string core = "docProps/core.xml";
    std::string app = "docProps/app.xml";
    for (const Relationship& relationship : relationships) {
      if (IsType(relationship, "/metadata/core-properties")) core = relationship.target;
      if (IsType(relationship, "relationships/extended-properties")) app = relationship.target;
    }
    PropertiesHandler properties(
        {"title", "creator", "subject", "keywords", "description", "created", "modified"});
    if (const auto index = package_.Find(core)) {
      SLUICE_RETURN_IF_ERROR(ParsePart(package_, *index, properties, warnings_));
    }
    auto& values = properties.values;
    SetTitle(First(values, "title"));
    AddField("author", First(values, "creator"));
    AddField("subject", First(values, "subject"));
    // Keywords are typed as one list: "budget, 2024; draft".
    std::vector<std::string> keywords;
    std::string_view list = First(values, "keywords");
    while (!list.empty()) {
      const size_t end = list.find_first_of(",;");
      keywords.emplace_back(list.substr(0, end));
      list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    }
    AddFields("keywords", keywords);
    AddField("description", First(values, "description"));
    AddDate("created", First(values, "created"));
    AddDate("modified", First(values, "modified"));
    if (!count_element.empty()) {
      if (const auto index = package_.Find(app)) {
        PropertiesHandler counts({count_element});
        SLUICE_RETURN_IF_ERROR(ParsePart(package_, *index, counts, warnings_));
        AddCount(First(counts.values, count_element));
      }
    }
    return base::Status::Ok();
  }

  base::Status ReadDocx() {
    SLUICE_RETURN_IF_ERROR(ReadText(main_part_, kDrawingTextRules));
    SLUICE_ASSIGN_OR_RETURN(auto relationships, Relationships(main_part_));
    std::sort(relationships.begin(), relationships.end(),
              [](const Relationship& a, const Relationship& b) {
                return NaturalLess(a.target, b.target);
              });
    // After the body: headers, footers, notes and comments.
    for (const std::string_view kind :
         {"relationships/header", "relationships/footer", "relationships/footnotes",
          "relationships/endnotes", "relationships/comments"}) {
      for (const Relationship& relationship : relationships) {
        if (IsType(relationship, kind)) {
          SLUICE_RETURN_IF_ERROR(ReadText(relationship.target, kDrawingTextRules));
        }
      }
    }
    return base::Status::Ok();
  }

  // The workbook's sheets in its order, each with its name.
  class WorkbookHandler final : public XmlHandler {
   public:
    void Start(std::string_view name, std::string_view /*uri*/,
               const Attributes& attributes) override {
      if (name != "sheet" || sheets.size() >= kMaxListed) return;
      sheets.emplace_back(std::string(attributes.Plain("name")),
                          std::string(attributes.Namespaced("id")));
    }
    void End(std::string_view /*name*/) override {}
    void Text(std::string_view /*text*/) override {}

    std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  };

  base::Status ReadXlsx() {
    WorkbookHandler workbook;
    SLUICE_RETURN_IF_ERROR(ParsePart(package_, *package_.Find(main_part_), workbook, warnings_));
    SLUICE_ASSIGN_OR_RETURN(const auto relationships, Relationships(main_part_));
    for (const Relationship& relationship : relationships) {
      if (IsType(relationship, "relationships/sharedStrings")) {
        SLUICE_RETURN_IF_ERROR(ReadText(relationship.target, kSharedStringRules));
      }
    }
    const auto worksheets = ById(relationships, "relationships/worksheet");
    for (const auto& [name, id] : workbook.sheets) {
      if (body_.truncated()) break;
      body_.Separate();
      body_.Append(name);
      if (const auto it = worksheets.find(id); it != worksheets.end()) {
        SLUICE_RETURN_IF_ERROR(ReadSheet(*it->second));
      }
    }
    if (workbook.sheets.empty()) {
      // No sheet list: the worksheets as numbered.
      for (const std::string& name : PartsIn("xl/worksheets/")) {
        SLUICE_RETURN_IF_ERROR(ReadSheet(name));
      }
    }
    return base::Status::Ok();
  }

  base::Status ReadSheet(const std::string& part) {
    if (IsRead(part)) return base::Status::Ok();  // listed twice
    WorksheetHandler cells(body_);
    SLUICE_RETURN_IF_ERROR(ReadText(part, cells));
    SLUICE_ASSIGN_OR_RETURN(const auto relationships, Relationships(part));
    for (const Relationship& relationship : relationships) {
      if (IsType(relationship, "relationships/comments")) {
        SLUICE_RETURN_IF_ERROR(ReadText(relationship.target, kSharedStringRules));
      }
    }
    return base::Status::Ok();
  }

  // The slides of the presentation in its order (p:sldIdLst).
  class PresentationHandler final : public XmlHandler {
   public:
    void Start(std::string_view name, std::string_view /*uri*/,
               const Attributes& attributes) override {
      if (name == "sldId" && slide_ids.size() < kMaxListed) {
        slide_ids.emplace_back(attributes.Namespaced("id"));
      }
    }
    void End(std::string_view /*name*/) override {}
    void Text(std::string_view /*text*/) override {}

    std::vector<std::string> slide_ids;
  };

  base::Status ReadPptx() {
    PresentationHandler presentation;
    SLUICE_RETURN_IF_ERROR(
        ParsePart(package_, *package_.Find(main_part_), presentation, warnings_));
    SLUICE_ASSIGN_OR_RETURN(const auto relationships, Relationships(main_part_));
    const auto by_id = ById(relationships, "relationships/slide");
    std::vector<std::string> slides;
    for (const std::string& id : presentation.slide_ids) {
      if (const auto it = by_id.find(id); it != by_id.end()) slides.push_back(*it->second);
    }
    if (slides.empty()) slides = PartsIn("ppt/slides/");  // no slide list: as numbered
    for (const std::string& slide : slides) {
      if (body_.truncated()) break;
      if (IsRead(slide)) continue;  // listed twice
      SLUICE_RETURN_IF_ERROR(ReadText(slide, kDrawingTextRules));
      SLUICE_ASSIGN_OR_RETURN(const auto slide_relationships, Relationships(slide));
      for (const Relationship& relationship : slide_relationships) {
        if (IsType(relationship, "relationships/notesSlide")) {
          SLUICE_RETURN_IF_ERROR(ReadText(relationship.target, kDrawingTextRules));
        }
      }
    }
    return base::Status::Ok();
  }

  // The targets of the relationships of this type, by id.
  static std::unordered_map<std::string_view, const std::string*> ById(
      const std::vector<Relationship>& relationships, std::string_view type) {
    std::unordered_map<std::string_view, const std::string*> targets;
    for (const Relationship& relationship : relationships) {
      if (IsType(relationship, type)) targets.emplace(relationship.id, &relationship.target);
    }
    return targets;
  }

  // Whether the text of `part` is already in the body.
  bool IsRead(std::string_view part) const {
    const auto index = package_.Find(part);
    return index && read_.contains(*index);
  }

  // The XML parts directly in `folder` (lower-case, with its slash), in natural order.
  std::vector<std::string> PartsIn(std::string_view folder) const {
    std::vector<std::string> parts;
    for (const std::string& name : package_.names()) {
      const std::string lower = AsciiLower(name);
      if (lower.starts_with(folder) && lower.ends_with(".xml") &&
          lower.find('/', folder.size()) == std::string::npos) {
        parts.push_back(name);
      }
    }
    std::sort(parts.begin(), parts.end(), NaturalLess);
    return parts;
  }

  base::Status ReadOdfProperties() {
    const auto index = package_.Find("meta.xml");
    if (!index) return base::Status::Ok();
    PropertiesHandler properties({"title", "initial-creator", "creator", "subject", "keyword",
                                  "description", "creation-date", "date"});
    SLUICE_RETURN_IF_ERROR(ParsePart(package_, *index, properties, warnings_));
    auto& values = properties.values;
    SetTitle(First(values, "title"));
    const std::string_view initial_creator = First(values, "initial-creator");
    AddField("author", initial_creator.empty() ? First(values, "creator") : initial_creator);
    AddField("subject", First(values, "subject"));
    if (const auto keywords = values.find("keyword"); keywords != values.end()) {
      AddFields("keywords", keywords->second);
    }
    AddField("description", First(values, "description"));
    AddDate("created", First(values, "creation-date"));
    AddDate("modified", First(values, "date"));
    AddCount(First(values, "page-count"));
    return base::Status::Ok();
  }

  // META-INF/manifest.xml, for whether content.xml is encrypted.
  class ManifestHandler final : public XmlHandler {
   public:
    void Start(std::string_view name, std::string_view /*uri*/,
               const Attributes& attributes) override {
      if (name == "file-entry") in_content_ = attributes.Namespaced("full-path") == "content.xml";
      if (name == "encryption-data" && in_content_) content_encrypted = true;
    }
    void End(std::string_view name) override {
      if (name == "file-entry") in_content_ = false;
    }
    void Text(std::string_view /*text*/) override {}

    bool content_encrypted = false;

   private:
    bool in_content_ = false;
  };

  base::Status ReadOdfText() {
    if (const auto manifest = package_.Find("META-INF/manifest.xml")) {
      ManifestHandler handler;
      SLUICE_RETURN_IF_ERROR(ParsePart(package_, *manifest, handler, warnings_));
      if (handler.content_encrypted) {
        return base::InvalidArgument(
            "the OpenDocument file is password-protected: its text cannot be extracted");
      }
    }
    if (!package_.Find("content.xml")) {
      return base::InvalidArgument("damaged OpenDocument file: it has no content.xml");
    }
    return ReadText("content.xml", kOdfTextRules);
  }

  static std::string_view First(
      const std::map<std::string, std::vector<std::string>, std::less<>>& values,
      std::string_view name) {
    const auto it = values.find(name);
    return it == values.end() || it->second.empty() ? std::string_view() : it->second.front();
  }

  void SetTitle(std::string_view raw) { result_.title = CleanProperty(raw); }

  void AddFields(std::string name, const std::vector<std::string>& raw_values) {
    std::vector<std::string> values;
    for (const std::string& raw : raw_values) {
      std::string value = CleanProperty(raw);
      if (!value.empty()) values.push_back(std::move(value));
    }
    if (!values.empty()) result_.fields.emplace_back(std::move(name), std::move(values));
  }
  void AddField(std::string name, std::string_view raw) {
    AddFields(std::move(name), {std::string(raw)});
  }
  void AddDate(std::string name, std::string_view raw) {
    if (auto date = NormalizeDate(CleanProperty(raw))) {
      result_.fields.emplace_back(std::move(name), std::vector<std::string>{std::move(*date)});
    }
  }
  void AddCount(std::string_view raw) {
    const std::string count = CleanProperty(raw);
    if (count.empty() || count.size() > 9 || !std::all_of(count.begin(), count.end(), IsDigit)) {
      return;
    }
    result_.fields.emplace_back("pagecount", std::vector<std::string>{count});
  }

  ZipPackage& package_;
  TextBuilder body_;
  ExtractedText result_;
  Warnings warnings_;
  Format format_ = Format::kDocx;
  std::string main_part_;
  std::unordered_set<zip_uint64_t> read_;  // parts whose text is in the body
};

}  // namespace

base::Result<ExtractedText> ExtractOffice(int fd, const ZipLimits& limits, size_t max_body_bytes) {
  xmlInitParser();  // idempotent; the parser options are set per context, never globally
  SLUICE_ASSIGN_OR_RETURN(auto package, ZipPackage::Open(fd, limits));
  OfficeReader reader(*package, max_body_bytes);
  return reader.Run();
}

}  // namespace sluice::extract::internal
