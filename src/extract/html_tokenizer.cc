#include "extract/html_tokenizer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "extract/html_entities.h"

namespace sluice::extract::internal {

enum class HtmlTokenizer::State : uint8_t {
  // Text.
  kData,
  kRcdata,
  kRawtext,
  kScriptData,
  kPlaintext,
  // Tags.
  kTagOpen,
  kEndTagOpen,
  kTagName,
  kBeforeAttributeName,
  kAttributeName,
  kAfterAttributeName,
  kBeforeAttributeValue,
  kAttributeValueDoubleQuoted,
  kAttributeValueSingleQuoted,
  kAttributeValueUnquoted,
  kAfterAttributeValueQuoted,
  kSelfClosingStartTag,
  // The end tag of raw text (RCDATA, RAWTEXT, script data).
  kRawLessThan,
  kRawEndTagOpen,
  kRawEndTagName,
  // Script data.
  kScriptLessThan,
  kScriptEscapeStart,
  kScriptEscapeStartDash,
  kScriptEscaped,
  kScriptEscapedDash,
  kScriptEscapedDashDash,
  kScriptEscapedLessThan,
  kScriptDoubleEscapeStart,
  kScriptDoubleEscaped,
  kScriptDoubleEscapedDash,
  kScriptDoubleEscapedDashDash,
  kScriptDoubleEscapedLessThan,
  kScriptDoubleEscapeEnd,
  // "<!": comments, DOCTYPE, CDATA; "<?" and other bogus comments.
  kMarkupDeclarationOpen,
  kCommentStart,
  kCommentStartDash,
  kComment,
  kCommentEndDash,
  kCommentEnd,
  kCommentEndBang,
  kBogusComment,
  kCdataSection,
  kCdataBracket,
  kCdataEnd,
  // Character references.
  kCharacterReference,
  kNamedReference,
  kNumericReference,
  kHexadecimalStart,
  kHexadecimal,
  kDecimal,
};

namespace {

// Past this, a numeric reference's value is out of range anyway.
constexpr uint32_t kNumericOverflow = 0x110000;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The first of `a`, `b`, `c` in [p, end), or end. Eight bytes at a time: a byte of
// `word ^ pattern` is zero where `word` has the byte; the lowest flag is always right.
const char* Find3(const char* p, const char* end, char a, char b, char c) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t kOnes = 0x0101010101010101ull;
    constexpr uint64_t kHigh = 0x8080808080808080ull;
    const uint64_t pattern_a = kOnes * static_cast<unsigned char>(a);
    const uint64_t pattern_b = kOnes * static_cast<unsigned char>(b);
    const uint64_t pattern_c = kOnes * static_cast<unsigned char>(c);
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      const uint64_t xa = word ^ pattern_a;
      const uint64_t xb = word ^ pattern_b;
      const uint64_t xc = word ^ pattern_c;
      const uint64_t found =
          (((xa - kOnes) & ~xa) | ((xb - kOnes) & ~xb) | ((xc - kOnes) & ~xc)) & kHigh;
      if (found != 0) return p + (std::countr_zero(found) >> 3);
      p += 8;
    }
  }
  while (p < end && *p != a && *p != b && *p != c) ++p;
  return p;
}

const char* Find1(const char* p, const char* end, char a) {
  const void* found = std::memchr(p, a, static_cast<size_t>(end - p));
  return found == nullptr ? end : static_cast<const char*>(found);
}

}  // namespace

bool HtmlTokenizer::IsRawState(State state) {
  return state == State::kRcdata || state == State::kRawtext;
}

void HtmlTokenizer::Feed(std::string_view bytes) {
  chunk_begin_ = bytes.data();
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end && !stopped_) {
    const char* stop = end;
    if (Bounded()) {
      const uint64_t at = offset_ + static_cast<uint64_t>(p - chunk_begin_);
      const uint64_t limit = markup_start_ + kMaxMarkupBytes;
      if (at >= limit) {
        stopped_ = true;
        handler_.Overlong();
        break;
      }
      if (limit - at < static_cast<uint64_t>(end - p)) stop = p + (limit - at);
    }
    p = Step(p, stop);
  }
  offset_ += bytes.size();
}

bool HtmlTokenizer::Bounded() const {
  switch (state_) {
    case State::kData:
    case State::kPlaintext:
    case State::kCdataSection:
    case State::kCdataBracket:
    case State::kCdataEnd:
      return false;
    case State::kCharacterReference:
    case State::kNamedReference:
    case State::kNumericReference:
    case State::kHexadecimalStart:
    case State::kHexadecimal:
    case State::kDecimal:
      return reference_return_ != State::kData;
    default:
      return true;
  }
}

const char* HtmlTokenizer::Step(const char* p, const char* end) {
  switch (state_) {
    case State::kData:
    case State::kRcdata:
    case State::kRawtext:
    case State::kScriptData:
    case State::kPlaintext:
      return StepText(p, end);
    case State::kTagOpen:
    case State::kEndTagOpen:
    case State::kTagName:
    case State::kBeforeAttributeName:
    case State::kAttributeName:
    case State::kAfterAttributeName:
    case State::kBeforeAttributeValue:
    case State::kAttributeValueDoubleQuoted:
    case State::kAttributeValueSingleQuoted:
    case State::kAttributeValueUnquoted:
    case State::kAfterAttributeValueQuoted:
    case State::kSelfClosingStartTag:
      return StepTag(p, end);
    case State::kRawLessThan:
    case State::kRawEndTagOpen:
    case State::kRawEndTagName:
      return StepRaw(p, end);
    case State::kScriptLessThan:
    case State::kScriptEscapeStart:
    case State::kScriptEscapeStartDash:
    case State::kScriptEscaped:
    case State::kScriptEscapedDash:
    case State::kScriptEscapedDashDash:
    case State::kScriptEscapedLessThan:
    case State::kScriptDoubleEscapeStart:
    case State::kScriptDoubleEscaped:
    case State::kScriptDoubleEscapedDash:
    case State::kScriptDoubleEscapedDashDash:
    case State::kScriptDoubleEscapedLessThan:
    case State::kScriptDoubleEscapeEnd:
      return StepScript(p, end);
    case State::kMarkupDeclarationOpen:
    case State::kCommentStart:
    case State::kCommentStartDash:
    case State::kComment:
    case State::kCommentEndDash:
    case State::kCommentEnd:
    case State::kCommentEndBang:
    case State::kBogusComment:
    case State::kCdataSection:
    case State::kCdataBracket:
    case State::kCdataEnd:
      return StepDeclaration(p, end);
    case State::kCharacterReference:
    case State::kNamedReference:
    case State::kNumericReference:
    case State::kHexadecimalStart:
    case State::kHexadecimal:
    case State::kDecimal:
      return StepReference(p, end);
  }
  return end;
}

const char* HtmlTokenizer::StepText(const char* p, const char* end) {
  switch (state_) {
    case State::kData:
    case State::kRcdata: {
      // NUL bytes are dropped, as browsers do in page text.
      const char* q = Find3(p, end, '<', '&', '\0');
      if (q > p) handler_.Text({p, static_cast<size_t>(q - p)});
      if (q == end) return end;
      if (*q == '<') {
        handler_.Boundary();
        if (state_ == State::kData) {
          MarkupStartsAt(q);
          state_ = State::kTagOpen;
          // Straight on into the tag, within the bound that starts at its '<'.
          const char* bound = q + std::min<uint64_t>(kMaxMarkupBytes, end - q);
          return StepTag(q + 1, bound);
        } else {
          raw_state_ = state_;
          state_ = State::kRawLessThan;
        }
      } else if (*q == '&') {
        handler_.Boundary();
        reference_return_ = state_;
        state_ = State::kCharacterReference;
      } else {
        while (q < end && *q == '\0') ++q;  // a run of NULs (a page of zeros) at once
        return q;
      }
      return q + 1;
    }
    case State::kRawtext: {
      const char* q = Find1(p, end, '<');
      if (q > p) handler_.Text({p, static_cast<size_t>(q - p)});
      if (q == end) return end;
      handler_.Boundary();
      raw_state_ = State::kRawtext;
      state_ = State::kRawLessThan;
      return q + 1;
    }
    case State::kScriptData: {
      // Script content is never text: it is skipped without being reported.
      const char* q = Find1(p, end, '<');
      if (q == end) return end;
      state_ = State::kScriptLessThan;
      return q + 1;
    }
    default:  // kPlaintext
      handler_.Text({p, static_cast<size_t>(end - p)});
      return end;
  }
}

void HtmlTokenizer::StartTag(bool end) {
  tag_.end = end;
  tag_.self_closing = false;
  tag_.long_name = false;
  tag_.hash = 2166136261u;
  tag_.name_size = 0;
  tag_.has_charset = tag_.has_http_equiv = tag_.has_content = tag_.has_name = false;
  tag_.charset.clear();
  tag_.http_equiv.clear();
  tag_.content.clear();
  tag_.meta_name.clear();
}

void HtmlTokenizer::AddNameByte(char c) {
  c = Lower(c);
  tag_.hash = (tag_.hash ^ static_cast<unsigned char>(c)) * 16777619u;
  if (tag_.name_size < HtmlTag::kMaxNameBytes) {
    tag_.name_bytes[tag_.name_size++] = c;
  } else {
    tag_.long_name = true;
  }
}

void HtmlTokenizer::StartAttribute() {
  attribute_ = Attribute::kOther;
  attribute_name_size_ = 0;
}

void HtmlTokenizer::EndAttributeName() {
  attribute_ = Attribute::kOther;
  if (!capture_attributes_) return;
  const std::string_view name(attribute_name_, attribute_name_size_);
  // The first attribute of each name counts, as in browsers.
  if (name == "charset" && !tag_.has_charset) {
    tag_.has_charset = true;
    attribute_ = Attribute::kCharset;
  } else if (name == "http-equiv" && !tag_.has_http_equiv) {
    tag_.has_http_equiv = true;
    attribute_ = Attribute::kHttpEquiv;
  } else if (name == "content" && !tag_.has_content) {
    tag_.has_content = true;
    attribute_ = Attribute::kContent;
  } else if (name == "name" && !tag_.has_name) {
    tag_.has_name = true;
    attribute_ = Attribute::kName;
  }
}

void HtmlTokenizer::AddAttributeValue(std::string_view bytes) {
  std::string* value = nullptr;
  switch (attribute_) {
    case Attribute::kOther:
      return;
    case Attribute::kCharset:
      value = &tag_.charset;
      break;
    case Attribute::kHttpEquiv:
      value = &tag_.http_equiv;
      break;
    case Attribute::kContent:
      value = &tag_.content;
      break;
    case Attribute::kName:
      value = &tag_.meta_name;
      break;
  }
  const size_t room = HtmlTag::kMaxValueBytes - std::min(HtmlTag::kMaxValueBytes, value->size());
  value->append(bytes.substr(0, room));
}

void HtmlTokenizer::EmitTag() {
  state_ = State::kData;
  if (tag_.end) {
    handler_.EndTag(tag_);
    return;
  }
  const ContentModel model = handler_.StartTag(tag_);
  if (model == ContentModel::kData) return;
  // The element's name is what its end tag must say.
  raw_name_size_ = tag_.name_size;
  std::memcpy(raw_name_, tag_.name_bytes, tag_.name_size);
  switch (model) {
    case ContentModel::kRcdata:
      state_ = State::kRcdata;
      break;
    case ContentModel::kRawtext:
      state_ = State::kRawtext;
      break;
    case ContentModel::kScriptData:
      state_ = State::kScriptData;
      break;
    case ContentModel::kPlaintext:
      state_ = State::kPlaintext;
      break;
    case ContentModel::kData:
      break;
  }
}

// Loops over the states of one tag, so that a whole tag is usually read in one call.
const char* HtmlTokenizer::StepTag(const char* p, const char* end) {
  while (p < end) {
    const char c = *p;
    switch (state_) {
      case State::kTagOpen:
        if (IsAlpha(c)) {
          StartTag(/*end=*/false);
          state_ = State::kTagName;
          continue;
        }
        if (c == '/') {
          state_ = State::kEndTagOpen;
          ++p;
          continue;
        }
        if (c == '!') {
          declaration_size_ = 0;
          state_ = State::kMarkupDeclarationOpen;
          return p + 1;
        }
        if (c == '?') {
          state_ = State::kBogusComment;  // <?xml ...>, a processing instruction
          return p + 1;
        }
        handler_.Text("<");  // "a < b": the '<' is text
        state_ = State::kData;
        return p;
      case State::kEndTagOpen:
        if (IsAlpha(c)) {
          StartTag(/*end=*/true);
          state_ = State::kTagName;
          continue;
        }
        state_ = c == '>' ? State::kData : State::kBogusComment;  // "</>" is dropped
        return c == '>' ? p + 1 : p;
      case State::kTagName: {
        // The name's hash and bytes are kept in registers while it is read.
        const char* q = p;
        uint32_t hash = tag_.hash;
        size_t size = tag_.name_size;
        for (; q < end; ++q) {
          const char b = Lower(*q);
          if (IsSpace(b) || b == '/' || b == '>') break;
          hash = (hash ^ static_cast<unsigned char>(b)) * 16777619u;
          if (size < HtmlTag::kMaxNameBytes) {
            tag_.name_bytes[size++] = b;
          } else {
            tag_.long_name = true;
          }
        }
        tag_.hash = hash;
        tag_.name_size = size;
        if (q == end) return end;
        capture_attributes_ = !tag_.end && !tag_.long_name && tag_.name() == "meta";
        if (*q == '>') {
          EmitTag();
          return q + 1;
        }
        state_ = *q == '/' ? State::kSelfClosingStartTag : State::kBeforeAttributeName;
        p = q + 1;
        continue;
      }
      case State::kBeforeAttributeName:
        if (IsSpace(c)) {
          ++p;
          continue;
        }
        if (c == '/' || c == '>') {
          state_ = State::kAfterAttributeName;
          continue;
        }
        StartAttribute();
        state_ = State::kAttributeName;
        if (c == '=') {
          attribute_name_[attribute_name_size_++] = c;  // "<a =x>": the name is "="
          ++p;
        }
        continue;
      case State::kAttributeName: {
        const char* q = p;
        if (capture_attributes_) {
          for (; q < end; ++q) {
            const char b = *q;
            if (IsSpace(b) || b == '/' || b == '>' || b == '=') break;
            if (attribute_name_size_ < sizeof(attribute_name_)) {
              attribute_name_[attribute_name_size_++] = Lower(b);
            } else {
              attribute_name_[0] = '\0';  // too long to be a name we read
            }
          }
        } else {
          while (q < end && !IsSpace(*q) && *q != '/' && *q != '>' && *q != '=') ++q;
        }
        if (q == end) return end;
        EndAttributeName();
        if (*q == '=') {
          state_ = State::kBeforeAttributeValue;
          p = q + 1;
        } else {
          state_ = State::kAfterAttributeName;
          p = q;
        }
        continue;
      }
      case State::kAfterAttributeName:
        if (IsSpace(c)) {
          ++p;
        } else if (c == '/') {
          state_ = State::kSelfClosingStartTag;
          ++p;
        } else if (c == '=') {
          state_ = State::kBeforeAttributeValue;
          ++p;
        } else if (c == '>') {
          EmitTag();
          return p + 1;
        } else {
          StartAttribute();
          state_ = State::kAttributeName;
        }
        continue;
      case State::kBeforeAttributeValue:
        if (IsSpace(c)) {
          ++p;
        } else if (c == '"' || c == '\'') {
          state_ =
              c == '"' ? State::kAttributeValueDoubleQuoted : State::kAttributeValueSingleQuoted;
          ++p;
        } else if (c == '>') {
          EmitTag();
          return p + 1;
        } else {
          state_ = State::kAttributeValueUnquoted;
        }
        continue;
      case State::kAttributeValueDoubleQuoted:
      case State::kAttributeValueSingleQuoted: {
        const char quote = state_ == State::kAttributeValueDoubleQuoted ? '"' : '\'';
        const char* q = Find1(p, end, quote);
        if (attribute_ != Attribute::kOther) AddAttributeValue({p, static_cast<size_t>(q - p)});
        if (q == end) return end;
        state_ = State::kAfterAttributeValueQuoted;
        p = q + 1;
        continue;
      }
      case State::kAttributeValueUnquoted: {
        const char* q = p;
        while (q < end && !IsSpace(*q) && *q != '>') ++q;
        if (attribute_ != Attribute::kOther) AddAttributeValue({p, static_cast<size_t>(q - p)});
        if (q == end) return end;
        if (*q == '>') {
          EmitTag();
          return q + 1;
        }
        state_ = State::kBeforeAttributeName;
        p = q + 1;
        continue;
      }
      case State::kAfterAttributeValueQuoted:
        if (IsSpace(c)) {
          state_ = State::kBeforeAttributeName;
          ++p;
        } else if (c == '/') {
          state_ = State::kSelfClosingStartTag;
          ++p;
        } else if (c == '>') {
          EmitTag();
          return p + 1;
        } else {
          state_ = State::kBeforeAttributeName;
        }
        continue;
      case State::kSelfClosingStartTag:
        if (c == '>') {
          tag_.self_closing = true;
          EmitTag();
          return p + 1;
        }
        state_ = State::kBeforeAttributeName;
        continue;
      default:
        return p;
    }
  }
  return p;
}

void HtmlTokenizer::EmitPending() {
  // Candidate end tags inside <script> are not text; in other raw text they are.
  if (IsRawState(raw_state_)) handler_.Text({pending_, pending_size_});
  pending_size_ = 0;
}

const char* HtmlTokenizer::StepRaw(const char* p, const char* /*end*/) {
  const char c = *p;
  switch (state_) {
    case State::kRawLessThan:
      if (c == '/') {
        pending_[0] = '<';
        pending_[1] = '/';
        pending_size_ = 2;
        state_ = State::kRawEndTagOpen;
        return p + 1;
      }
      if (IsRawState(raw_state_)) handler_.Text("<");
      state_ = raw_state_;
      return p;
    case State::kRawEndTagOpen:
      if (IsAlpha(c)) {
        raw_matched_ = 0;
        state_ = State::kRawEndTagName;
        return p;
      }
      EmitPending();
      state_ = raw_state_;
      return p;
    case State::kRawEndTagName:
      if (raw_matched_ < raw_name_size_) {
        if (Lower(c) == raw_name_[raw_matched_]) {
          pending_[pending_size_++] = c;
          ++raw_matched_;
          return p + 1;
        }
      } else if (IsSpace(c) || c == '/' || c == '>') {
        // The end tag of the raw-text element; its attributes, if any, are read as usual.
        pending_size_ = 0;
        StartTag(/*end=*/true);
        for (size_t i = 0; i < raw_name_size_; ++i) AddNameByte(raw_name_[i]);
        capture_attributes_ = false;
        if (c == '>') {
          EmitTag();
        } else {
          state_ = c == '/' ? State::kSelfClosingStartTag : State::kBeforeAttributeName;
        }
        return p + 1;
      }
      EmitPending();
      state_ = raw_state_;
      return p;
    default:
      return p + 1;
  }
}

const char* HtmlTokenizer::StepScript(const char* p, const char* end) {
  const char c = *p;
  switch (state_) {
    case State::kScriptLessThan:
      if (c == '/') {
        pending_size_ = 0;
        raw_state_ = State::kScriptData;
        state_ = State::kRawEndTagOpen;
        return p + 1;
      }
      state_ = c == '!' ? State::kScriptEscapeStart : State::kScriptData;
      return c == '!' ? p + 1 : p;
    case State::kScriptEscapeStart:
      state_ = c == '-' ? State::kScriptEscapeStartDash : State::kScriptData;
      return c == '-' ? p + 1 : p;
    case State::kScriptEscapeStartDash:
      state_ = c == '-' ? State::kScriptEscapedDashDash : State::kScriptData;
      return c == '-' ? p + 1 : p;
    case State::kScriptEscaped: {
      const char* q = Find3(p, end, '-', '<', '-');
      if (q == end) return end;
      state_ = *q == '-' ? State::kScriptEscapedDash : State::kScriptEscapedLessThan;
      return q + 1;
    }
    case State::kScriptEscapedDash:
    case State::kScriptEscapedDashDash:
      if (c == '-') {
        state_ = State::kScriptEscapedDashDash;
      } else if (c == '<') {
        state_ = State::kScriptEscapedLessThan;
      } else if (c == '>' && state_ == State::kScriptEscapedDashDash) {
        state_ = State::kScriptData;  // "-->"
      } else {
        state_ = State::kScriptEscaped;
      }
      return p + 1;
    case State::kScriptEscapedLessThan:
      if (c == '/') {
        pending_size_ = 0;
        raw_state_ = State::kScriptEscaped;
        state_ = State::kRawEndTagOpen;
        return p + 1;
      }
      if (IsAlpha(c)) {
        script_word_size_ = 0;
        state_ = State::kScriptDoubleEscapeStart;
        return p;
      }
      state_ = State::kScriptEscaped;
      return p;
    case State::kScriptDoubleEscapeStart:
    case State::kScriptDoubleEscapeEnd: {
      // "<script" inside <!-- --> starts a nested script, "</script" ends it.
      const bool starting = state_ == State::kScriptDoubleEscapeStart;
      const State inside = starting ? State::kScriptEscaped : State::kScriptDoubleEscaped;
      if (IsSpace(c) || c == '/' || c == '>') {
        const bool script = std::string_view(script_word_, script_word_size_) == "script";
        state_ = script == starting ? State::kScriptDoubleEscaped : State::kScriptEscaped;
        return p + 1;
      }
      if (IsAlpha(c)) {
        if (script_word_size_ < sizeof(script_word_)) {
          script_word_[script_word_size_++] = Lower(c);
        } else {
          script_word_[0] = '\0';  // longer than "script"
        }
        return p + 1;
      }
      state_ = inside;
      return p;
    }
    case State::kScriptDoubleEscaped: {
      const char* q = Find3(p, end, '-', '<', '-');
      if (q == end) return end;
      state_ = *q == '-' ? State::kScriptDoubleEscapedDash : State::kScriptDoubleEscapedLessThan;
      return q + 1;
    }
    case State::kScriptDoubleEscapedDash:
    case State::kScriptDoubleEscapedDashDash:
      if (c == '-') {
        state_ = State::kScriptDoubleEscapedDashDash;
      } else if (c == '<') {
        state_ = State::kScriptDoubleEscapedLessThan;
      } else if (c == '>' && state_ == State::kScriptDoubleEscapedDashDash) {
        state_ = State::kScriptData;
      } else {
        state_ = State::kScriptDoubleEscaped;
      }
      return p + 1;
    case State::kScriptDoubleEscapedLessThan:
      if (c == '/') {
        script_word_size_ = 0;
        state_ = State::kScriptDoubleEscapeEnd;
        return p + 1;
      }
      state_ = State::kScriptDoubleEscaped;
      return p;
    default:
      return p + 1;
  }
}

const char* HtmlTokenizer::StepDeclaration(const char* p, const char* end) {
  const char c = *p;
  switch (state_) {
    case State::kMarkupDeclarationOpen: {
      declaration_[declaration_size_++] = c;
      const std::string_view seen(declaration_, declaration_size_);
      auto starts = [&seen](std::string_view word, bool any_case) {
        if (seen.size() > word.size()) return false;
        for (size_t i = 0; i < seen.size(); ++i) {
          if ((any_case ? Lower(seen[i]) : seen[i]) != word[i]) return false;
        }
        return true;
      };
      if (seen == "--") {
        state_ = State::kCommentStart;
      } else if (starts("doctype", true) && seen.size() == 7) {
        state_ = State::kBogusComment;  // nothing in a DOCTYPE matters here
      } else if (seen == "[CDATA[") {
        state_ = handler_.AllowsCdata() ? State::kCdataSection : State::kBogusComment;
      } else if (!starts("--", false) && !starts("doctype", true) && !starts("[CDATA[", false)) {
        state_ = State::kBogusComment;
        return p;  // this byte may be the '>' that ends it
      }
      return p + 1;
    }
    case State::kCommentStart:
    case State::kCommentStartDash:
      if (c == '>') {
        state_ = State::kData;  // "<!-->" and "<!--->" are whole comments
        return p + 1;
      }
      if (c == '-') {
        state_ = state_ == State::kCommentStart ? State::kCommentStartDash : State::kCommentEnd;
        return p + 1;
      }
      state_ = State::kComment;
      return p;
    case State::kComment: {
      const char* q = Find1(p, end, '-');
      if (q == end) return end;
      state_ = State::kCommentEndDash;
      return q + 1;
    }
    case State::kCommentEndDash:
      state_ = c == '-' ? State::kCommentEnd : State::kComment;
      return c == '-' ? p + 1 : p;
    case State::kCommentEnd:
      if (c == '>') {
        state_ = State::kData;
      } else if (c == '!') {
        state_ = State::kCommentEndBang;
      } else if (c != '-') {
        state_ = State::kComment;
        return p;
      }
      return p + 1;
    case State::kCommentEndBang:
      if (c == '>') {
        state_ = State::kData;  // "--!>"
        return p + 1;
      }
      state_ = c == '-' ? State::kCommentEndDash : State::kComment;
      return c == '-' ? p + 1 : p;
    case State::kBogusComment: {
      const char* q = Find1(p, end, '>');
      if (q == end) return end;
      state_ = State::kData;
      return q + 1;
    }
    case State::kCdataSection: {
      const char* q = Find1(p, end, ']');
      if (q > p) handler_.Text({p, static_cast<size_t>(q - p)});
      if (q == end) return end;
      state_ = State::kCdataBracket;
      return q + 1;
    }
    case State::kCdataBracket:
      if (c == ']') {
        state_ = State::kCdataEnd;
        return p + 1;
      }
      handler_.Text("]");
      state_ = State::kCdataSection;
      return p;
    case State::kCdataEnd:
      if (c == ']') {
        handler_.Text("]");
        return p + 1;
      }
      if (c == '>') {
        state_ = State::kData;
        return p + 1;
      }
      handler_.Text("]]");
      state_ = State::kCdataSection;
      return p;
    default:
      return p + 1;
  }
}

const char* HtmlTokenizer::StepReference(const char* p, const char* end) {
  const char c = *p;
  switch (state_) {
    case State::kCharacterReference:
      if (IsAlnum(c)) {
        reference_size_ = 0;
        state_ = State::kNamedReference;
        return p;
      }
      if (c == '#') {
        state_ = State::kNumericReference;
        return p + 1;
      }
      handler_.Text("&");  // "a & b"
      state_ = reference_return_;
      return p;
    case State::kNamedReference: {
      const char* q = p;
      for (; q < end && IsAlnum(*q); ++q) {
        if (reference_size_ == sizeof(reference_)) {
          // No reference is this long: it is text, and so is the rest of the word.
          handler_.Text("&");
          handler_.Text({reference_, reference_size_});
          state_ = reference_return_;
          return q;
        }
        reference_[reference_size_++] = *q;
      }
      if (q == end) return end;
      state_ = reference_return_;
      return ResolveNamed(static_cast<unsigned char>(*q)) ? q + 1 : q;
    }
    case State::kNumericReference:
      if (c == 'x' || c == 'X') {
        hex_marker_ = c;
        state_ = State::kHexadecimalStart;
        return p + 1;
      }
      if (IsDigit(c)) {
        reference_value_ = 0;
        state_ = State::kDecimal;
        return p;
      }
      handler_.Text("&#");
      state_ = reference_return_;
      return p;
    case State::kHexadecimalStart:
      if (IsHexDigit(c)) {
        reference_value_ = 0;
        state_ = State::kHexadecimal;
        return p;
      }
      handler_.Text("&#");
      handler_.Text({&hex_marker_, 1});
      state_ = reference_return_;
      return p;
    case State::kHexadecimal:
    case State::kDecimal: {
      const bool hex = state_ == State::kHexadecimal;
      const char* q = p;
      for (; q < end && (hex ? IsHexDigit(*q) : IsDigit(*q)); ++q) {
        const char d = Lower(*q);
        const uint32_t digit = IsDigit(d) ? d - '0' : d - 'a' + 10;
        reference_value_ = std::min(kNumericOverflow, reference_value_ * (hex ? 16 : 10) + digit);
      }
      if (q == end) return end;
      EmitNumeric();
      return *q == ';' ? q + 1 : q;  // the ';' is optional
    }
    default:
      return p + 1;
  }
}

bool HtmlTokenizer::ResolveNamed(int next) {
  const std::string_view name(reference_, reference_size_);
  if (next == ';') {
    if (const char32_t value = NamedReference(name); value != 0) {
      handler_.CodePoint(value);
      return true;
    }
  }
  const LegacyReference legacy = LongestLegacyReference(name);
  if (legacy.length == 0) {
    handler_.Text("&");
    handler_.Text(name);
    return false;
  }
  handler_.CodePoint(legacy.code_point);
  if (legacy.length < name.size()) {
    handler_.Text(name.substr(legacy.length));
    return false;
  }
  return next == ';';  // &AMP; &COPY; ...
}

void HtmlTokenizer::EmitNumeric() {
  state_ = reference_return_;
  handler_.CodePoint(NumericReference(reference_value_));
}

void HtmlTokenizer::Finish() {
  if (stopped_) return;
  switch (state_) {
    case State::kTagOpen:
      handler_.Text("<");
      break;
    case State::kEndTagOpen:
      handler_.Text("</");
      break;
    case State::kRawLessThan:
      if (IsRawState(raw_state_)) handler_.Text("<");
      break;
    case State::kRawEndTagOpen:
    case State::kRawEndTagName:
      EmitPending();
      break;
    case State::kCharacterReference:
      handler_.Text("&");
      break;
    case State::kNamedReference:
      ResolveNamed(-1);
      break;
    case State::kNumericReference:
      handler_.Text("&#");
      break;
    case State::kHexadecimalStart:
      handler_.Text("&#");
      handler_.Text({&hex_marker_, 1});
      break;
    case State::kHexadecimal:
    case State::kDecimal:
      EmitNumeric();
      break;
    case State::kCdataBracket:
      handler_.Text("]");
      break;
    case State::kCdataEnd:
      handler_.Text("]]");
      break;
    default:
      break;  // a tag or comment cut off by the end of the page is dropped
  }
  stopped_ = true;
}

}  // namespace sluice::extract::internal
