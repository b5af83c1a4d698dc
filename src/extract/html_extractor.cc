#include "extract/html_extractor.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

constexpr size_t kMaxTitleBytes = 1000;
// libxml2 buffers a text run, comment or tag until it has seen its end; a page whose
// unparsed backlog grows past this is cut there instead of buffering without bound.
constexpr size_t kMaxBacklogBytes = 16 << 20;
// libxml2 2.9's HTML push parser steps over NUL bytes without ever dropping them from
// its input buffer, so a page of NULs (a decompression bomb) would be held whole.
// Parsed input beyond this is released by the extractor itself.
constexpr size_t kMaxParsedBytesKept = 1 << 20;
// Deeper nesting than any real page; stops element-stack growth on hostile input.
constexpr int kMaxDepth = 8192;
// Input is handed to libxml2 in pieces of this size so that limits are checked often.
constexpr size_t kParsePieceBytes = 256 << 10;
// libxml2 2.9's push parser, in recovery mode, misreads a "</script" or "</style" that
// is cut by the end of the data pushed so far and then swallows page text up to the
// next end tag. Holding back the input from the first '<' among its last bytes makes
// sure every pushed '<' is followed by at least this many bytes.
constexpr size_t kTagLookaheadBytes = 64;
// Bytes needed to recognise a UTF-16 byte order mark.
constexpr size_t kBomBytes = 2;

constexpr int kParseOptions = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                              HTML_PARSE_NOWARNING | HTML_PARSE_NOBLANKS;

// Elements whose content is not shown as page text.
constexpr std::array<std::string_view, 7> kHiddenElements = {
    "head", "iframe", "noscript", "script", "style", "svg", "template"};

// Elements that start a new line or box in a browser: their edges separate words.
constexpr std::array<std::string_view, 55> kBlockElements = {
    "address", "article",  "aside",      "blockquote", "body",   "br",      "button", "caption",
    "center",  "col",      "dd",         "details",    "dialog", "dir",     "div",    "dl",
    "dt",      "fieldset", "figcaption", "figure",     "footer", "form",    "frame",  "h1",
    "h2",      "h3",       "h4",         "h5",         "h6",     "header",  "hgroup", "hr",
    "html",    "img",      "input",      "label",      "legend", "li",      "main",   "menu",
    "nav",     "ol",       "option",     "p",          "pre",    "section", "select", "summary",
    "table",   "tbody",    "td",         "textarea",   "tfoot",  "th",      "tr"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view AsView(const xmlChar* text) {
  return text == nullptr ? std::string_view() : reinterpret_cast<const char*>(text);
}

class HtmlExtractor final : public Extractor {
 public:
  explicit HtmlExtractor(size_t max_body_bytes) : body_(max_body_bytes) {}
  ~HtmlExtractor() override {
    if (parser_ != nullptr) htmlFreeParserCtxt(parser_);
  }
  HtmlExtractor(const HtmlExtractor&) = delete;
  HtmlExtractor& operator=(const HtmlExtractor&) = delete;

  base::Status Start();
  base::Status Write(std::string_view bytes) override;
  base::Result<ExtractedText> Finish() override;

 private:
  static HtmlExtractor& Self(void* context) {
    // libxml2 passes the parser context; its _private field points back to us.
    return *static_cast<HtmlExtractor*>(static_cast<htmlParserCtxtPtr>(context)->_private);
  }
  static void OnStartElement(void* context, const xmlChar* name, const xmlChar** attributes);
  static void OnEndElement(void* context, const xmlChar* name);
  static void OnCharacters(void* context, const xmlChar* text, int length);
  static void IgnoreError(void* /*context*/, xmlErrorPtr /*error*/) {}

  void StartElement(std::string_view name);
  void EndElement(std::string_view name);
  void Characters(std::string_view text);
  // Stops parsing for good; the text gathered so far is kept.
  void Stop(bool cut_short);
  base::Status CheckParser();
  // How much of data may be pushed now; the rest waits for more input (see
  // kTagLookaheadBytes).
  static size_t SafeToPushLength(std::string_view data);
  // Switches to UTF-16 if the page starts with its byte order mark; the parser only
  // looks for <meta charset>, which cannot be found in UTF-16 by ASCII matching.
  void ApplyByteOrderMark();

  htmlParserCtxtPtr parser_ = nullptr;
  std::string unparsed_;  // input not yet pushed to the parser
  bool bom_checked_ = false;
  TextBuilder title_{kMaxTitleBytes};
  TextBuilder body_;
  enum class TitleState { kNotSeen, kInside, kDone } title_state_ = TitleState::kNotSeen;
  int hidden_depth_ = 0;
  int svg_depth_ = 0;
  int depth_ = 0;
  bool stopped_ = false;
  bool cut_short_ = false;
  bool finished_ = false;
  base::Status failure_;
};

base::Status HtmlExtractor::Start() {
  xmlInitParser();  // idempotent; makes libxml2's one-time setup thread-safe
  htmlSAXHandler sax{};
  sax.startElement = &OnStartElement;
  sax.endElement = &OnEndElement;
  sax.characters = &OnCharacters;
  sax.cdataBlock = &OnCharacters;    // script and style content, hidden anyway
  sax.serror = &IgnoreError;         // malformed pages are normal; do not print anything
  sax.initialized = XML_SAX2_MAGIC;  // makes libxml2 use serror
  // No declared encoding, so that <meta charset> and http-equiv can still pick one...
  parser_ = htmlCreatePushParserCtxt(&sax, nullptr, nullptr, 0, nullptr, XML_CHAR_ENCODING_NONE);
  if (parser_ == nullptr) return base::ResourceExhausted("cannot create an HTML parser");
  // ...but read undeclared pages as UTF-8, where libxml2 would guess ISO-8859-1 at the
  // first non-ASCII byte. libxml2 still falls back to ISO-8859-1 from the first byte
  // that is not valid UTF-8, which reads old undeclared Latin-1 pages correctly.
  parser_->charset = XML_CHAR_ENCODING_UTF8;
  parser_->_private = this;
  htmlCtxtUseOptions(parser_, kParseOptions);
  // HTML_PARSE_NOBLANKS installs a handler that drops "ignorable" blanks; blanks still
  // separate words, so they are passed on as text.
  parser_->sax->ignorableWhitespace = &OnCharacters;
  return base::Status::Ok();
}

base::Status HtmlExtractor::Write(std::string_view bytes) {
  if (!failure_.ok()) return failure_;
  if (finished_) return base::FailedPrecondition("HTML extractor: Write after Finish");
  while (!bytes.empty() && !stopped_) {
    const size_t piece = std::min(bytes.size(), kParsePieceBytes);
    unparsed_.append(bytes.substr(0, piece));
    bytes.remove_prefix(piece);
    if (!bom_checked_) {
      if (unparsed_.size() < kBomBytes) continue;  // wait for the whole byte order mark
      ApplyByteOrderMark();
    }
    const size_t safe = SafeToPushLength(unparsed_);
    if (safe == 0) continue;
    htmlParseChunk(parser_, unparsed_.data(), static_cast<int>(safe), /*terminate=*/0);
    unparsed_.erase(0, safe);
    failure_ = CheckParser();
    if (!failure_.ok()) return failure_;
  }
  return base::Status::Ok();
}

void HtmlExtractor::ApplyByteOrderMark() {
  bom_checked_ = true;
  if (unparsed_.size() < kBomBytes) return;
  const auto first = static_cast<unsigned char>(unparsed_[0]);
  const auto second = static_cast<unsigned char>(unparsed_[1]);
  if (first == 0xff && second == 0xfe) xmlSwitchEncoding(parser_, XML_CHAR_ENCODING_UTF16LE);
  if (first == 0xfe && second == 0xff) xmlSwitchEncoding(parser_, XML_CHAR_ENCODING_UTF16BE);
}

size_t HtmlExtractor::SafeToPushLength(std::string_view data) {
  const size_t window_start = data.size() - std::min(data.size(), kTagLookaheadBytes);
  const size_t first_tag = data.find('<', window_start);
  return first_tag == std::string_view::npos ? data.size() : first_tag;
}

base::Result<ExtractedText> HtmlExtractor::Finish() {
  if (!failure_.ok()) return failure_;
  if (finished_) return base::FailedPrecondition("HTML extractor: Finish called twice");
  finished_ = true;
  if (!stopped_) {
    if (!bom_checked_) ApplyByteOrderMark();
    htmlParseChunk(parser_, unparsed_.data(), static_cast<int>(unparsed_.size()),
                   /*terminate=*/1);
    SLUICE_RETURN_IF_ERROR(CheckParser());
  }
  ExtractedText text;
  text.truncated = body_.truncated() || cut_short_;
  text.title = title_.Finish();
  text.body = body_.Finish();
  text.file_type = "html";
  return text;
}

base::Status HtmlExtractor::CheckParser() {
  if (parser_->errNo == XML_ERR_NO_MEMORY) {
    return base::ResourceExhausted("out of memory while parsing HTML");
  }
  const xmlParserInputPtr input = parser_->input;
  if (stopped_ || input == nullptr) return base::Status::Ok();
  const auto backlog = static_cast<size_t>(input->end - input->cur);
  if (backlog > kMaxBacklogBytes) {
    // An unterminated comment, tag or script, or one enormous text run.
    Stop(/*cut_short=*/true);
  } else if (static_cast<size_t>(input->cur - input->base) > kMaxParsedBytesKept &&
             backlog < kParsePieceBytes) {
    xmlParserInputShrink(input);
    // checkIndex is where the parser's last search for a delimiter stopped, counted from
    // the old buffer start: searching again from the current position is always right.
    parser_->checkIndex = 0;
  }
  return base::Status::Ok();
}

void HtmlExtractor::Stop(bool cut_short) {
  cut_short_ = cut_short_ || cut_short;
  if (stopped_) return;
  stopped_ = true;
  xmlStopParser(parser_);
}

void HtmlExtractor::OnStartElement(void* context, const xmlChar* name,
                                   const xmlChar** /*attributes*/) {
  Self(context).StartElement(AsView(name));
}

void HtmlExtractor::OnEndElement(void* context, const xmlChar* name) {
  Self(context).EndElement(AsView(name));
}

void HtmlExtractor::OnCharacters(void* context, const xmlChar* text, int length) {
  Self(context).Characters({reinterpret_cast<const char*>(text), static_cast<size_t>(length)});
}

void HtmlExtractor::StartElement(std::string_view name) {
  if (stopped_) return;
  if (++depth_ > kMaxDepth) {
    Stop(/*cut_short=*/true);
    return;
  }
  if (name == "svg") ++svg_depth_;
  if (Contains(kHiddenElements, name)) ++hidden_depth_;
  // SVG has <title> elements of its own; only the document's title counts.
  if (name == "title" && title_state_ == TitleState::kNotSeen && svg_depth_ == 0) {
    title_state_ = TitleState::kInside;
  }
  if (Contains(kBlockElements, name)) body_.Separate();
}

void HtmlExtractor::EndElement(std::string_view name) {
  if (stopped_) return;
  --depth_;
  if (name == "svg" && svg_depth_ > 0) --svg_depth_;
  if (Contains(kHiddenElements, name) && hidden_depth_ > 0) --hidden_depth_;
  if (name == "title" && title_state_ == TitleState::kInside) title_state_ = TitleState::kDone;
  if (Contains(kBlockElements, name)) body_.Separate();
}

void HtmlExtractor::Characters(std::string_view text) {
  if (stopped_) return;
  if (title_state_ == TitleState::kInside) {
    title_.Append(text);
    return;
  }
  if (hidden_depth_ > 0) return;
  body_.Append(text);
  // Nothing more can be added to the body. The title normally comes first; one that
  // would only appear after this point is not worth parsing the rest of the page for.
  if (body_.truncated()) Stop(/*cut_short=*/false);
}

}  // namespace

base::Result<std::unique_ptr<Extractor>> MakeHtmlExtractor(size_t max_body_bytes) {
  auto extractor = std::make_unique<HtmlExtractor>(max_body_bytes);
  SLUICE_RETURN_IF_ERROR(extractor->Start());
  return std::unique_ptr<Extractor>(std::move(extractor));
}

}  // namespace sluice::extract::internal
