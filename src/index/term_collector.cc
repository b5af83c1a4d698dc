#include "index/term_collector.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <utility>

namespace sluice::index {
namespace {

// TermGenerator's default maximum word length, in bytes; longer words are not indexed at all.
constexpr size_t kMaxWordBytes = 64;
// Returned by CheckInfix for characters that are dropped from inside a word (zero-width ones).
constexpr unsigned kIgnore = std::numeric_limits<unsigned>::max();

// A character of the text and its length in bytes.
struct Char {
  unsigned code = 0;
  size_t length = 0;
};

// The character at text[pos] as Xapian::Utf8Iterator reads it (an invalid byte reads as the
// Latin-1 character of that value). At the end of the text: code 0, no word character.
Char CharAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return {};
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x80) return {byte, 1};
  Xapian::Utf8Iterator it(text.data() + pos, text.size() - pos);
  const unsigned code = *it;
  ++it;
  return {code, static_cast<size_t>(it.raw() - (text.data() + pos))};
}

bool IsAsciiUpper(unsigned ch) { return ch >= 'A' && ch <= 'Z'; }

bool IsWordChar(unsigned ch) {
  if (ch >= 0x80) return Xapian::Unicode::is_wordchar(ch);
  return (ch >= 'a' && ch <= 'z') || IsAsciiUpper(ch) || (ch >= '0' && ch <= '9') || ch == '_';
}

// The lower-cased character when `ch` is a word character, else 0.
unsigned LowerWordChar(unsigned ch) {
  if (!IsWordChar(ch)) return 0;
  if (ch >= 0x80) return Xapian::Unicode::tolower(ch);
  return IsAsciiUpper(ch) ? ch - 'A' + 'a' : ch;
}

bool IsDigit(unsigned ch) {
  if (ch < 0x80) return ch >= '0' && ch <= '9';
  return Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
}

bool IsZeroWidth(unsigned ch) {
  return (ch >= 0x200b && ch <= 0x200d) || ch == 0x2060 || ch == 0xfeff;
}

// What a character between two letters adds to the word ("AT&T", "don't"), 0 when it ends the
// word, kIgnore when it is skipped.
unsigned CheckInfix(unsigned ch) {
  if (ch == '\'' || ch == '&' || ch == 0xb7 || ch == 0x5f4 || ch == 0x2027) return ch;
  if (ch == 0x2019 || ch == 0x201b) return '\'';  // typographic apostrophes
  return IsZeroWidth(ch) ? kIgnore : 0;
}

// The same between two digits ("3.14", "1,000").
unsigned CheckInfixDigit(unsigned ch) {
  switch (ch) {
    case ',':
    case '.':
    case ';':
    case 0x037e:
    case 0x0589:
    case 0x060d:
    case 0x07f8:
    case 0x2044:
    case 0xfe10:
    case 0xfe13:
    case 0xfe14:
      return ch;
    default:
      return IsZeroWidth(ch) ? kIgnore : 0;
  }
}

void AppendUtf8(std::string& out, unsigned ch) {
  if (ch < 0x80) {
    out.push_back(static_cast<char>(ch));
  } else {
    Xapian::Unicode::append_utf8(out, ch);
  }
}

// Calls on_word(word) for each word of `text`, split and lower-cased by the rules of Xapian
// 1.4's TermGenerator (without CJK n-grams): acronyms such as "U.N." become "un"; "'", "&" and a
// few other characters join letters ("don't", "at&t"); ".", "," and ";" join digits ("3.14");
// up to three trailing "+" or "#" stay ("c++", "c#") unless a word character follows.
// The differential tests in term_collector_test.cc pin this to the installed Xapian.
template <typename OnWord>
void ForEachWord(std::string_view text, OnWord&& on_word) {
  std::string word;
  size_t pos = 0;
  Char c = CharAt(text, 0);
  auto advance = [&] {
    pos += c.length;
    c = CharAt(text, pos);
  };
  while (true) {
    unsigned ch = 0;
    while ((ch = LowerWordChar(c.code)) == 0) {
      if (pos >= text.size()) return;
      advance();
    }
    word.clear();

    if (IsAsciiUpper(c.code)) {
      // Initials such as "U.N." or "U.N": ASCII capitals joined by ".".
      size_t end = pos;
      bool more = false;
      do {
        word.push_back(static_cast<char>(text[end++] - 'A' + 'a'));
        more = end < text.size() && text[end] == '.';
        if (more) ++end;
      } while (more && end < text.size() && IsAsciiUpper(static_cast<unsigned char>(text[end])));
      if (word.size() > 1 && !IsWordChar(CharAt(text, end).code)) {
        pos = end;
        c = CharAt(text, pos);
        on_word(word);
        continue;
      }
      word.clear();
    }

    while (true) {
      unsigned previous = 0;
      do {
        AppendUtf8(word, ch);
        previous = ch;
        advance();
        ch = LowerWordChar(c.code);
      } while (ch != 0);
      // `c` ends the word unless it joins it to a following word character.
      const Char next = CharAt(text, pos + c.length);
      const unsigned next_ch = LowerWordChar(next.code);
      if (next_ch == 0) break;
      const unsigned infix =
          IsDigit(previous) && IsDigit(next.code) ? CheckInfixDigit(c.code) : CheckInfix(c.code);
      if (infix == 0) break;
      if (infix != kIgnore) AppendUtf8(word, infix);
      ch = next_ch;
      pos += c.length;
      c = next;
    }

    const size_t length = word.size();
    for (int suffixes = 1; c.code == '+' || c.code == '#'; ++suffixes) {
      if (suffixes > 3) {
        word.resize(length);
        break;
      }
      word.push_back(static_cast<char>(c.code));
      advance();
    }
    // "fish+chips" is "fish" and "chips", not "fish+" and "chips".
    if (IsWordChar(c.code)) word.resize(length);
    on_word(word);
  }
}

// TermGenerator's STEM_SOME stems only words that start with a letter (not with a digit, "_"
// or a mark).
bool ShouldStem(std::string_view word) {
  Xapian::Utf8Iterator it(word.data(), word.size());
  switch (Xapian::Unicode::get_category(*it)) {
    case Xapian::Unicode::LOWERCASE_LETTER:
    case Xapian::Unicode::TITLECASE_LETTER:
    case Xapian::Unicode::MODIFIER_LETTER:
    case Xapian::Unicode::OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool TermCollector::MatchesTermGenerator() {
  // Sluice never calls setenv, so reading the variable Xapian itself reads cannot race.
  return std::getenv("XAPIAN_CJK_NGRAM") == nullptr;  // NOLINT(concurrency-mt-unsafe)
}

void TermCollector::IndexText(std::string_view text, Xapian::termcount wdf_inc,
                              std::string_view prefix) {
  ForEachWord(text, [&](const std::string& word) { AddWord(prefix, word, wdf_inc); });
}

void TermCollector::IncreaseTermpos() {
  term_at_position_.resize(term_at_position_.size() + 100, kNoTerm);
}

void TermCollector::AddWord(std::string_view prefix, const std::string& word,
                            Xapian::termcount wdf_inc) {
  if (word.size() > kMaxWordBytes) return;  // no position either, as in TermGenerator
  key_.assign(prefix);
  key_.append(word);
  auto [it, inserted] = terms_.try_emplace(key_);
  TermInfo& term = it->second;
  if (inserted) {
    term.number = static_cast<uint32_t>(terms_.size() - 1);
    term.prefix_size = static_cast<uint32_t>(prefix.size());
  }
  term.wdf += wdf_inc;
  ++term.occurrences;
  term_at_position_.push_back(term.number);
}

void TermCollector::AddTo(Xapian::Document& document) const {
  // Group the positions by term: term number n's positions, ascending, start at offset[n].
  std::vector<size_t> offset(terms_.size(), 0);
  for (const auto& [term, info] : terms_) offset[info.number] = info.occurrences;
  size_t total = 0;
  for (size_t& start : offset) total += std::exchange(start, total);
  std::vector<Xapian::termpos> positions(total);
  for (size_t position = 1; position < term_at_position_.size(); ++position) {
    const uint32_t number = term_at_position_[position];
    if (number != kNoTerm) positions[offset[number]++] = static_cast<Xapian::termpos>(position);
  }
  // Now offset[n] is where the positions of term number n end.

  // Xapian looks the term up in the document's std::map for every position; adding the most
  // frequent terms first, and the stems last, keeps that map small for most lookups.
  std::vector<const std::pair<const std::string, TermInfo>*> by_frequency;
  by_frequency.reserve(terms_.size());
  for (const auto& entry : terms_) by_frequency.push_back(&entry);
  std::sort(by_frequency.begin(), by_frequency.end(), [](const auto* a, const auto* b) {
    return a->second.occurrences > b->second.occurrences;
  });
  for (const auto* entry : by_frequency) {
    const auto& [term, info] = *entry;
    const size_t end = offset[info.number];
    const size_t begin = end - info.occurrences;
    // Positions in ascending order are appended, not merged; the wdf comes with the first.
    document.add_posting(term, positions[begin], info.wdf);
    for (size_t i = begin + 1; i < end; ++i) document.add_posting(term, positions[i], 0);
  }
  for (const auto& [term, info] : terms_) {
    const std::string word = term.substr(info.prefix_size);
    if (!ShouldStem(word)) continue;
    const std::string stem = stemmer_(word);
    if (stem.empty()) continue;
    std::string stemmed_term = "Z";
    stemmed_term.append(term, 0, info.prefix_size).append(stem);
    document.add_term(stemmed_term, info.wdf);
  }
}

}  // namespace sluice::index
