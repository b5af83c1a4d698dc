// A streaming HTML tokenizer: the HTML standard's tokenizer states, reduced to what text
// extraction needs. It is fed a page's bytes in pieces of any size and reports text,
// character references and tags to a handler as it goes, holding nothing but a few
// bytes of state between pieces (constant memory). Markup must be ASCII-compatible
// (UTF-8, windows-1252, Shift_JIS ...); text is passed on undecoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::extract::internal {

// How the content of the element a start tag opens is tokenized (chosen by the handler).
enum class ContentModel : uint8_t {
  kData,        // markup
  kRcdata,      // text and character references up to the end tag: <title>, <textarea>
  kRawtext,     // text up to the end tag: <style>, <xmp>, <iframe>, <noscript>
  kScriptData,  // <script>: up to the end tag, stepping over <!-- <script></script> -->
  kPlaintext,   // <plaintext>: the rest of the page is text
};

struct HtmlTag {
  static constexpr size_t kMaxNameBytes = 15;     // longer names are kept as a hash only
  static constexpr size_t kMaxValueBytes = 1024;  // of the <meta> attributes kept

  // The lower-case name; a prefix of it when long_name.
  std::string_view name() const { return {name_bytes, name_size}; }

  bool end = false;
  bool self_closing = false;
  bool long_name = false;
  uint32_t hash = 2166136261u;  // FNV-1a of the whole lower-case name
  char name_bytes[kMaxNameBytes] = {};
  size_t name_size = 0;
  // For <meta> start tags only: the attributes that declare the page's encoding or describe
  // it (name="description" content="..."), the first of each name, cut at kMaxValueBytes.
  bool has_charset = false;
  bool has_http_equiv = false;
  bool has_content = false;
  bool has_name = false;
  std::string charset;
  std::string http_equiv;
  std::string content;
  std::string meta_name;
};

class HtmlTokenHandler {
 public:
  virtual ~HtmlTokenHandler() = default;
  // Text of the page in its own encoding, in pieces of any size (never markup).
  virtual void Text(std::string_view bytes) = 0;
  // A character reference in text (&amp; &#233; ...).
  virtual void CodePoint(char32_t code_point) = 0;
  // Markup or a character reference begins: the text run before it has ended.
  virtual void Boundary() = 0;
  // Returns how the element's content is to be tokenized.
  virtual ContentModel StartTag(const HtmlTag& tag) = 0;
  virtual void EndTag(const HtmlTag& tag) = 0;
  // Whether <![CDATA[...]]> is a text section here (in SVG and MathML) rather than a
  // bogus comment.
  virtual bool AllowsCdata() = 0;
  // A tag, comment, DOCTYPE or raw-text element (<script>, <style>, <title> ...) went on
  // for more than kMaxMarkupBytes: the page is broken or hostile, and tokenizing stopped.
  virtual void Overlong() = 0;
};

class HtmlTokenizer {
 public:
  static constexpr uint64_t kMaxMarkupBytes = 16 << 20;

  explicit HtmlTokenizer(HtmlTokenHandler& handler) : handler_(handler) {}

  void Feed(std::string_view bytes);
  // The page ended: whatever is pending (a '<' or a reference at the very end) is reported.
  void Finish();
  // No more events, from within a handler call too.
  void Stop() { stopped_ = true; }

 private:
  enum class State : uint8_t;

  // Runs the current state over [p, end), returning where it stopped.
  const char* Step(const char* p, const char* end);
  const char* StepText(const char* p, const char* end);
  const char* StepTag(const char* p, const char* end);
  const char* StepRaw(const char* p, const char* end);
  const char* StepScript(const char* p, const char* end);
  const char* StepDeclaration(const char* p, const char* end);
  const char* StepReference(const char* p, const char* end);

  bool Bounded() const;
  // RCDATA or RAWTEXT, whose candidate end tags are text when they turn out not to be.
  static bool IsRawState(State state);
  void MarkupStartsAt(const char* p) {
    markup_start_ = offset_ + static_cast<uint64_t>(p - chunk_begin_);
  }
  void StartTag(bool end);
  void AddNameByte(char c);
  void StartAttribute();
  void EndAttributeName();
  void AddAttributeValue(std::string_view bytes);
  void EmitTag();
  // The bytes of a raw-text end tag that turned out not to be one are text again.
  void EmitPending();
  // A named reference ended before `next` (or at the end of the page: next < 0);
  // returns whether `next`, a ';', was part of it.
  bool ResolveNamed(int next);
  void EmitNumeric();

  HtmlTokenHandler& handler_;
  State state_{};
  bool stopped_ = false;
  // Where the current chunk starts in the page, and where the current markup began.
  const char* chunk_begin_ = nullptr;
  uint64_t offset_ = 0;
  uint64_t markup_start_ = 0;

  HtmlTag tag_;
  bool capture_attributes_ = false;  // a <meta> start tag: its attribute values are kept
  enum class Attribute : uint8_t { kOther, kCharset, kHttpEquiv, kContent, kName } attribute_{};
  char attribute_name_[12] = {};
  size_t attribute_name_size_ = 0;

  // Raw text: the element whose end tag ends it, the state to go back to, and the bytes
  // of a candidate end tag read so far ("</scr").
  State raw_state_{};
  char raw_name_[HtmlTag::kMaxNameBytes] = {};
  size_t raw_name_size_ = 0;
  size_t raw_matched_ = 0;
  char pending_[HtmlTag::kMaxNameBytes + 2] = {};
  size_t pending_size_ = 0;
  // <script> content: the name after "<" or "</" inside <!-- -->.
  char script_word_[8] = {};
  size_t script_word_size_ = 0;

  // "<!" declarations: the bytes after "<!" read so far.
  char declaration_[8] = {};
  size_t declaration_size_ = 0;

  // Character references.
  State reference_return_{};
  char reference_[32] = {};
  size_t reference_size_ = 0;
  char hex_marker_ = 'x';
  uint32_t reference_value_ = 0;
};

}  // namespace sluice::extract::internal
