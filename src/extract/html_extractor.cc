#include "extract/html_extractor.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "extract/charset.h"
#include "extract/html_elements.h"
#include "extract/html_tokenizer.h"
#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

constexpr size_t kMaxTitleBytes = 1000;
// Deeper nesting than any real page: elements below it are not tracked (their text is still
// read), which bounds the element stack on hostile input.
constexpr size_t kMaxDepth = 8192;
// A UTF-16 page is converted to UTF-8 this much at a time, so that memory stays
// constant whatever the size of a Write.
constexpr size_t kUtf16SliceBytes = 64 << 10;
// Enough to recognise a byte order mark (UTF-8's has three bytes).
constexpr size_t kBomBytes = 3;
// libxml2's end-tag priorities above the default 100 (see ElementInfo::priority).
constexpr std::array<uint8_t, 5> kPriorityLevels = {150, 160, 170, 180, 190};

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The charset named by a Content-Type value such as "text/html; charset=iso-8859-1"
// (the HTML standard's algorithm for <meta http-equiv=content-type>); empty if none.
std::string_view CharsetFromContentType(std::string_view content) {
  size_t at = 0;
  while (true) {
    size_t found = std::string_view::npos;
    for (size_t i = at; i + 7 <= content.size(); ++i) {
      if (EqualsIgnoringCase(content.substr(i, 7), "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    size_t i = found + 7;
    while (i < content.size() && IsSpace(content[i])) ++i;
    if (i >= content.size() || content[i] != '=') {
      at = found + 7;
      continue;
    }
    ++i;
    while (i < content.size() && IsSpace(content[i])) ++i;
    if (i >= content.size()) return {};
    if (content[i] == '"' || content[i] == '\'') {
      const size_t close = content.find(content[i], i + 1);
      if (close == std::string_view::npos) return {};
      return content.substr(i + 1, close - i - 1);
    }
    size_t end = i;
    while (end < content.size() && !IsSpace(content[end]) && content[end] != ';') ++end;
    return content.substr(i, end - i);
  }
}

class HtmlExtractor final : public Extractor, private HtmlTokenHandler {
 public:
  explicit HtmlExtractor(size_t max_body_bytes) : body_(max_body_bytes), tokenizer_(*this) {
    top_by_element_.assign(ElementCount(), -1);
    top_at_level_.fill(-1);
  }

  base::Status Write(std::string_view bytes) override;
  base::Result<ExtractedText> Finish() override;

 private:
  // An element on the stack of open elements.
  struct OpenElement {
    const ElementInfo* info;  // nullptr: not one of the elements Sluice knows
    uint32_t hash;            // of the name, to match end tags of unknown elements
    int32_t previous_same;    // the open element of the same name below, or -1
    int32_t previous_level;   // the open element of the same priority below, or -1
    bool foreign;             // SVG or MathML
    bool hidden;
  };
  enum class TitleState { kNotSeen, kInside, kDone };

  // HtmlTokenHandler.
  void Text(std::string_view bytes) override;
  void CodePoint(char32_t code_point) override;
  void Boundary() override { decoder_.EndRun(); }
  ContentModel StartTag(const HtmlTag& tag) override;
  void EndTag(const HtmlTag& tag) override;
  bool AllowsCdata() override { return InForeignContent(); }
  void Overlong() override { Stop(/*cut_short=*/true); }

  // Looks at the start of the page for a byte order mark, then tokenizes.
  void Start(std::string_view bytes);
  void Tokenize(std::string_view bytes);
  // The text that `Text` goes to now, or nullptr when it is not shown.
  TextBuilder* Destination();
  void HandleMeta(const HtmlTag& tag);

  bool InForeignContent() const {
    return !open_.empty() && open_.back().foreign &&
           (open_.back().info == nullptr || (open_.back().info->flags & kIntegrationPoint) == 0);
  }
  int32_t& TopOf(const ElementInfo* info, uint32_t hash);
  static int LevelOf(const ElementInfo* info);
  void Push(const ElementInfo* info, uint32_t hash, bool foreign, bool hidden);
  void Pop();
  // Closes the open element `info` (or the unknown one of name `hash`) and everything
  // opened inside it, unless an element of higher priority is in the way.
  void Close(const ElementInfo* info, uint32_t hash);
  // A word break in the body; hidden content breaks no words.
  void Separate() {
    if (!stopped_ && hidden_depth_ == 0) body_.Separate();
  }
  // Stops extracting for good; the text gathered so far is kept.
  void Stop(bool cut_short);

  TextDecoder decoder_;
  TextBuilder title_{kMaxTitleBytes};
  TextBuilder body_;
  HtmlTokenizer tokenizer_;

  std::string start_;  // the first bytes, until a byte order mark is ruled in or out
  bool started_ = false;
  std::unique_ptr<Utf16ToUtf8> utf16_;
  std::string utf8_;  // a slice of a UTF-16 page, converted

  std::vector<OpenElement> open_;
  std::vector<int32_t> top_by_element_;
  std::unordered_map<uint32_t, int32_t> top_of_unknown_;
  std::array<int32_t, kPriorityLevels.size()> top_at_level_{};
  size_t hidden_depth_ = 0;
  // The raw-text element (<title>, <script>, <textarea> ...) being read, if any.
  const ElementInfo* raw_ = nullptr;
  TitleState title_state_ = TitleState::kNotSeen;
  bool title_is_ours_ = false;  // raw_ is the page's title (the first <title>)

  ExtractedFields fields_;  // from <meta name=... content=...>

  bool stopped_ = false;
  bool cut_short_ = false;
  bool finished_ = false;
};

base::Status HtmlExtractor::Write(std::string_view bytes) {
  if (finished_) return base::FailedPrecondition("HTML extractor: Write after Finish");
  if (stopped_ || bytes.empty()) return base::Status::Ok();
  if (started_) {
    Tokenize(bytes);
    return base::Status::Ok();
  }
  const size_t wanted = std::min(bytes.size(), kBomBytes - start_.size());
  start_.append(bytes.substr(0, wanted));
  if (start_.size() < kBomBytes) return base::Status::Ok();
  std::string start = std::move(start_);
  start_.clear();
  Start(start);
  Tokenize(bytes.substr(wanted));
  return base::Status::Ok();
}

void HtmlExtractor::Start(std::string_view bytes) {
  started_ = true;
  if (bytes.starts_with("\xff\xfe") || bytes.starts_with("\xfe\xff")) {
    // UTF-16 is converted to UTF-8 before it is tokenized; its markup is not ASCII.
    utf16_ = std::make_unique<Utf16ToUtf8>(/*big_endian=*/bytes[0] == '\xfe');
    decoder_.SettleUtf8();
    bytes.remove_prefix(2);
  } else if (bytes.starts_with("\xef\xbb\xbf")) {
    decoder_.SettleUtf8();  // a byte order mark overrides <meta charset>, as in browsers
    bytes.remove_prefix(3);
  }
  Tokenize(bytes);
}

void HtmlExtractor::Tokenize(std::string_view bytes) {
  if (utf16_ == nullptr) {
    tokenizer_.Feed(bytes);
    return;
  }
  while (!bytes.empty() && !stopped_) {
    const std::string_view slice = bytes.substr(0, kUtf16SliceBytes);
    bytes.remove_prefix(slice.size());
    utf8_.clear();
    utf16_->Convert(slice, utf8_);
    tokenizer_.Feed(utf8_);
  }
}

base::Result<ExtractedText> HtmlExtractor::Finish() {
  if (finished_) return base::FailedPrecondition("HTML extractor: Finish called twice");
  finished_ = true;
  if (!started_) {
    std::string start = std::move(start_);
    Start(start);
  }
  if (!stopped_) {
    if (utf16_ != nullptr) {
      utf8_.clear();
      utf16_->Finish(utf8_);
      tokenizer_.Feed(utf8_);
    }
    tokenizer_.Finish();
    decoder_.EndRun();
  }
  ExtractedText text;
  text.truncated = body_.truncated() || cut_short_;
  text.title = title_.Finish();
  text.body = body_.Finish();
  text.file_type = "html";
  text.fields = std::move(fields_);
  return text;
}

void HtmlExtractor::Stop(bool cut_short) {
  cut_short_ = cut_short_ || cut_short;
  if (stopped_) return;
  decoder_.EndRun();
  stopped_ = true;
  tokenizer_.Stop();
}

TextBuilder* HtmlExtractor::Destination() {
  if (stopped_) return nullptr;
  if (raw_ != nullptr) {
    if ((raw_->flags & kTitle) != 0) return title_is_ours_ ? &title_ : nullptr;
    if ((raw_->flags & kHidden) != 0) return nullptr;  // <script>, <style> ...
  }
  return hidden_depth_ > 0 ? nullptr : &body_;
}

void HtmlExtractor::Text(std::string_view bytes) {
  TextBuilder* destination = Destination();
  if (destination == nullptr) return;
  decoder_.Decode(bytes, *destination);
  // Nothing more can be added to the body. The title normally comes first; one that
  // would only appear after this point is not worth parsing the rest of the page for.
  if (body_.truncated()) Stop(/*cut_short=*/false);
}

void HtmlExtractor::CodePoint(char32_t code_point) {
  TextBuilder* destination = Destination();
  if (destination == nullptr) return;
  decoder_.EndRun();
  destination->AppendCodePoint(code_point);
  if (body_.truncated()) Stop(/*cut_short=*/false);
}

ContentModel HtmlExtractor::StartTag(const HtmlTag& tag) {
  if (stopped_) return ContentModel::kData;
  const ElementInfo* info = FindElement(tag);
  const uint16_t flags = info == nullptr ? 0 : info->flags;
  if (InForeignContent()) {
    if ((flags & kBreakout) == 0) {
      // SVG and MathML elements: no raw text, and "/>" closes them.
      const bool svg = info != nullptr && info->name == "svg";
      if (!tag.self_closing) Push(info, tag.hash, /*foreign=*/true, /*hidden=*/svg);
      return ContentModel::kData;
    }
    // An HTML element in SVG or MathML closes them, as in browsers.
    while (InForeignContent()) Pop();
  }
  if (info == nullptr) {
    if (!tag.self_closing) Push(nullptr, tag.hash, /*foreign=*/false, /*hidden=*/false);
    return ContentModel::kData;
  }
  if ((flags & kDocument) != 0) {
    // <html>, <head>, <body> are implied anyway; they are not kept on the stack.
    if ((flags & kBlock) != 0) Separate();
    return ContentModel::kData;
  }
  if ((flags & kMeta) != 0) HandleMeta(tag);
  // End tags pages leave out: a <p> before a block, an <li> before the next one ...
  while (!open_.empty() && open_.back().info != nullptr &&
         (open_.back().info->closed_by & info->closes) != 0) {
    Pop();
  }
  if ((flags & kAnchor) != 0) Close(info, tag.hash);  // links do not nest
  if ((flags & kBlock) != 0) Separate();
  if ((flags & kVoid) != 0) return ContentModel::kData;
  if ((flags & kForeignRoot) != 0) {
    if (!tag.self_closing) Push(info, tag.hash, /*foreign=*/true, (flags & kHidden) != 0);
    return ContentModel::kData;
  }
  if (tag.self_closing) {
    // "<div/>", "<script/>": opened and closed at once, as libxml2 reads XHTML.
    if ((flags & kBlock) != 0) Separate();
    return ContentModel::kData;
  }
  if (info->content != ContentModel::kData) {
    raw_ = info;
    if ((flags & kTitle) != 0) {
      // Only the first title counts, and not one inside <template>: a browser shows neither
      // other titles nor template content.
      title_is_ours_ = title_state_ == TitleState::kNotSeen && hidden_depth_ == 0;
      if (title_is_ours_) title_state_ = TitleState::kInside;
    }
    return info->content;
  }
  Push(info, tag.hash, /*foreign=*/false, (flags & kHidden) != 0);
  return ContentModel::kData;
}

void HtmlExtractor::EndTag(const HtmlTag& tag) {
  if (stopped_) return;
  if (raw_ != nullptr) {
    // The tokenizer reports no other end tag inside raw text.
    if ((raw_->flags & kTitle) != 0 && title_is_ours_) title_state_ = TitleState::kDone;
    if ((raw_->flags & kBlock) != 0) Separate();
    raw_ = nullptr;
    title_is_ours_ = false;
    return;
  }
  const ElementInfo* info = FindElement(tag);
  const uint16_t flags = info == nullptr ? 0 : info->flags;
  // A block's end tag separates words even when nothing is open ("</p>", "</br>").
  if ((flags & kBlock) != 0) Separate();
  if ((flags & kDocument) != 0) return;
  Close(info, tag.hash);
}

void HtmlExtractor::HandleMeta(const HtmlTag& tag) {
  if (tag.has_name && tag.has_content) {
    const std::string_view name = Trim(tag.meta_name);
    for (std::string_view field : {"description", "keywords", "author"}) {
      if (!EqualsIgnoringCase(name, field)) continue;
      // The value is in the page's encoding, as the text around it.
      TextBuilder value(HtmlTag::kMaxValueBytes * 3);
      decoder_.EndRun();
      decoder_.Decode(tag.content, value);
      decoder_.EndRun();
      std::string decoded = value.Finish();
      if (!decoded.empty()) fields_.emplace_back(std::string(field), std::vector{decoded});
    }
  }
  if (tag.has_charset && decoder_.Declare(tag.charset)) return;
  if (tag.has_http_equiv && tag.has_content &&
      EqualsIgnoringCase(Trim(tag.http_equiv), "content-type")) {
    const std::string_view charset = CharsetFromContentType(tag.content);
    if (!charset.empty()) decoder_.Declare(charset);
  }
}

int32_t& HtmlExtractor::TopOf(const ElementInfo* info, uint32_t hash) {
  if (info != nullptr) return top_by_element_[ElementIndex(*info)];
  return top_of_unknown_.try_emplace(hash, -1).first->second;
}

int HtmlExtractor::LevelOf(const ElementInfo* info) {
  if (info == nullptr || info->priority == 100) return -1;
  const auto* level = std::find(kPriorityLevels.begin(), kPriorityLevels.end(), info->priority);
  return level == kPriorityLevels.end() ? -1 : static_cast<int>(level - kPriorityLevels.begin());
}

void HtmlExtractor::Push(const ElementInfo* info, uint32_t hash, bool foreign, bool hidden) {
  if (open_.size() >= kMaxDepth) return;
  const auto index = static_cast<int32_t>(open_.size());
  int32_t& top = TopOf(info, hash);
  const int32_t previous_same = top;
  top = index;
  int32_t previous_level = -1;
  if (const int level = LevelOf(info); level >= 0) {
    previous_level = top_at_level_[level];
    top_at_level_[level] = index;
  }
  if (hidden) ++hidden_depth_;
  open_.push_back(OpenElement{info, hash, previous_same, previous_level, foreign, hidden});
}

void HtmlExtractor::Pop() {
  const OpenElement element = open_.back();
  open_.pop_back();
  if (element.info != nullptr) {
    top_by_element_[ElementIndex(*element.info)] = element.previous_same;
  } else if (element.previous_same < 0) {
    top_of_unknown_.erase(element.hash);
  } else {
    top_of_unknown_[element.hash] = element.previous_same;
  }
  if (const int level = LevelOf(element.info); level >= 0) {
    top_at_level_[level] = element.previous_level;
  }
  if (element.hidden) --hidden_depth_;
  if (element.info != nullptr && (element.info->flags & kBlock) != 0) Separate();
}

void HtmlExtractor::Close(const ElementInfo* info, uint32_t hash) {
  int32_t index = -1;
  if (info != nullptr) {
    index = top_by_element_[ElementIndex(*info)];
  } else if (const auto found = top_of_unknown_.find(hash); found != top_of_unknown_.end()) {
    index = found->second;
  }
  if (index < 0) return;  // not open: a stray end tag is dropped
  const uint8_t priority = info == nullptr ? 100 : info->priority;
  for (size_t level = 0; level < kPriorityLevels.size(); ++level) {
    if (kPriorityLevels[level] > priority && top_at_level_[level] > index) return;
  }
  while (static_cast<int32_t>(open_.size()) > index) Pop();
}

}  // namespace

base::Result<std::unique_ptr<Extractor>> MakeHtmlExtractor(size_t max_body_bytes) {
  return std::unique_ptr<Extractor>(std::make_unique<HtmlExtractor>(max_body_bytes));
}

}  // namespace sluice::extract::internal
