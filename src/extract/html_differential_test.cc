// Differential test: the words Sluice's streaming extractor finds in a page are the
// words libxml2's HTML parser finds in it (htmlReadMemory builds a DOM; a walk collects
// its text, skipping the same hidden elements, with word breaks at the same block
// elements). The pages are the HTML documentation installed on the machine (skipped
// when there is none) and pages generated here from tricky fragments.
//
// Differences kept on purpose, where Sluice follows browsers (the HTML standard) rather
// than libxml2 2.9. The comparison allows the first three:
//  1. References without ';': "&copy 2024" and "&eacute" are read as browsers read them
//     (the legacy names of HTML 3.2); libxml2 leaves them as they are. Words of
//     libxml2's holding '&' are compared after the same decoding.
//  2. Block end tags with no open element ("</p>", "</div>" stray in a page) separate
//     words, as browsers do; libxml2 drops them, which can glue two words together.
//     A word of libxml2's that is two of Sluice's words glued is accepted.
//  3. Numeric references to C1 code points (&#150;) are windows-1252 punctuation, as in
//     browsers; libxml2 makes them control characters (word breaks). A word of Sluice's
//     that is libxml2's words joined by such punctuation is accepted.
// Pages holding markup where the two differ more deeply are left out of the comparison
// (html_extractor_test.cc pins what Sluice does with them):
//  4. <![CDATA[...]]> outside SVG and MathML is a bogus comment; libxml2 shows it as text.
//  5. Script content holding "<!-- <script></script> -->" is skipped whole; libxml2 ends
//     the script at the inner end tag and shows the rest of it as text.
//  6. An HTML element such as <p> inside <svg> or <math> ends them; libxml2 nests it.
//  7. <textarea>, <xmp> and <plaintext> hold text even where it looks like markup.
//  8. "<!-->" and "<!--->" are empty comments; libxml2 reads on to the next "-->".
//  9. <title> holds text; libxml2 parses markup in it (titles are then not compared).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "extract/charset.h"
#include "extract/extractor.h"
#include "extract/html_elements.h"
#include "extract/html_entities.h"
#include "extract/test_util.h"
#include "extract/utf8.h"

namespace sluice::extract {
namespace {

using internal::ElementInfo;
using internal::FindElement;

// Code points that separate words, as TextBuilder's (written again here on purpose).
bool IsSeparator(char32_t c) {
  return c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// The text with each run of separators made one space, without byte order marks.
std::string NormalizeSpaces(std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead > 0x20 && lead < 0x7f) {  // the common case, without decoding
      normalized += text[i++];
      continue;
    }
    size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    length = std::min(length, text.size() - i);
    char32_t c = length == 1 ? lead : lead & (0xff >> (length + 1));
    for (size_t k = 1; k < length; ++k) c = (c << 6) | (text[i + k] & 0x3f);
    if (IsSeparator(c)) {
      if (!normalized.empty() && normalized.back() != ' ') normalized += ' ';
    } else if (c != 0xfeff) {
      normalized.append(text.substr(i, length));
    }
    i += length;
  }
  return normalized;
}

// The words of text whose words are separated by single spaces.
std::unordered_set<std::string_view> WordsOf(std::string_view text) {
  std::unordered_set<std::string_view> words;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    if (!word.empty()) words.insert(word);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return words;
}

std::string Lower(const xmlChar* name) {
  std::string lower(reinterpret_cast<const char*>(name));
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// What libxml2 makes of a page: the text of its first <title>, and its other text.
struct Reference {
  std::string title;
  std::string body;
  bool title_seen = false;
  bool title_has_markup = false;
};

void CollectAll(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      out += reinterpret_cast<const char*>(child->content);
    } else if (child->type == XML_ELEMENT_NODE) {
      CollectAll(child, out);
    }
  }
}

void Walk(const xmlNode* node, Reference& reference) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      reference.body += reinterpret_cast<const char*>(child->content);
      continue;
    }
    if (child->type != XML_ELEMENT_NODE) continue;
    const std::string name = Lower(child->name);
    if (name == "title") {
      // The first title is the page's; others are not shown.
      if (!reference.title_seen) {
        CollectAll(child, reference.title);
        for (const xmlNode* inner = child->children; inner != nullptr; inner = inner->next) {
          reference.title_has_markup |= inner->type == XML_ELEMENT_NODE;  // difference 9
        }
      }
      reference.title_seen = true;
      continue;
    }
    const ElementInfo* info = FindElement(name);
    const uint16_t flags = info == nullptr ? 0 : info->flags;
    if ((flags & internal::kHidden) != 0) continue;
    if ((flags & internal::kBlock) != 0) reference.body += ' ';
    Walk(child, reference);
    if ((flags & internal::kBlock) != 0) reference.body += ' ';
  }
}

Reference ParseWithLibxml2(const std::string& page) {
  Reference reference;
  htmlDocPtr document = htmlReadMemory(
      page.data(), static_cast<int>(page.size()), nullptr, nullptr,
      HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
  if (document == nullptr) return reference;
  Walk(reinterpret_cast<const xmlNode*>(document), reference);
  xmlFreeDoc(document);
  return reference;
}

// Difference 1: "&copy" in libxml2's words is "©" in Sluice's.
std::string DecodeLegacyReferences(std::string_view word) {
  std::string decoded;
  size_t i = 0;
  while (i < word.size()) {
    if (word[i] == '&') {
      size_t end = i + 1;
      while (end < word.size() && std::isalnum(static_cast<unsigned char>(word[end]))) ++end;
      const auto legacy = internal::LongestLegacyReference(word.substr(i + 1, end - i - 1));
      if (legacy.length > 0) {
        char encoded[4];
        decoded.append(encoded, internal::EncodeUtf8(legacy.code_point, encoded));
        i += 1 + legacy.length;
        continue;
      }
    }
    decoded += word[i++];
  }
  return decoded;
}

std::string LowerCase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// Whether some element `open` ... `close` of the page holds one of `inner`.
bool SomeElementHolds(std::string_view page, std::string_view open, std::string_view close,
                      std::initializer_list<std::string_view> inner) {
  for (size_t at = page.find(open); at != std::string_view::npos; at = page.find(open, at + 1)) {
    const size_t end = page.find(close, at);
    const std::string_view content = page.substr(at + open.size(), end - at - open.size());
    for (std::string_view what : inner) {
      if (content.find(what) != std::string_view::npos) return true;
    }
    if (end == std::string_view::npos) break;
  }
  return false;
}

// Differences 4 to 8: the page holds markup the two read differently on purpose.
bool HasKnownDifference(std::string_view page) {
  const std::string lower = LowerCase(page);
  for (std::string_view markup :
       {"<![cdata[", "<math", "<xmp", "<plaintext", "<textarea", "<!-->", "<!--->"}) {
    if (lower.find(markup) != std::string::npos) return true;
  }
  if (SomeElementHolds(lower, "<script", "</script", {"<!--"})) return true;
  // HTML elements that end SVG content in a browser (the common ones).
  return SomeElementHolds(
      lower, "<svg", "</svg",
      {"<p>",     "<p ", "<div", "<br",     "<b>",   "<i>",  "<span", "<table", "<ul",
       "<ol",     "<li", "<pre", "<h1",     "<h2",   "<h3",  "<img",  "<em>",   "<code",
       "<strong", "<hr", "<dl",  "<center", "<font", "<tt>", "<u>"});
}

// Difference 3: the characters windows-1252 gives 0x80-0x9F.
bool IsWindows1252Punctuation(char32_t c) {
  for (unsigned byte = 0x80; byte < 0xa0; ++byte) {
    if (c == internal::Windows1252CodePoint(static_cast<unsigned char>(byte)) && c > 0xa0) {
      return true;
    }
  }
  return false;
}

// The pieces of `word` between windows-1252 punctuation; none when it has none.
std::vector<std::string_view> SplitAtPunctuation(std::string_view word) {
  std::vector<std::string_view> pieces;
  size_t piece_start = 0;
  size_t i = 0;
  while (i < word.size()) {
    const auto lead = static_cast<unsigned char>(word[i]);
    const size_t length = std::min<size_t>(lead < 0x80   ? 1
                                           : lead < 0xe0 ? 2
                                           : lead < 0xf0 ? 3
                                                         : 4,
                                           word.size() - i);
    char32_t c = length == 1 ? lead : lead & (0xff >> (length + 1));
    for (size_t k = 1; k < length; ++k) c = (c << 6) | (word[i + k] & 0x3f);
    if (IsWindows1252Punctuation(c)) {
      pieces.push_back(word.substr(piece_start, i - piece_start));
      piece_start = i + length;
    }
    i += length;
  }
  if (!pieces.empty()) pieces.push_back(word.substr(piece_start));
  return pieces;
}

struct Comparison {
  std::vector<std::string> only_libxml2;  // after the allowed differences
  std::vector<std::string> only_sluice;
  std::string libxml2_title;
  std::string sluice_title;
};

Comparison Compare(const std::string& page, size_t piece) {
  Comparison comparison;
  const Reference reference = ParseWithLibxml2(page);
  auto text = testing_util::Extract(".html", page, piece);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  if (!text.ok()) return comparison;
  const std::unordered_set<std::string_view> sluice = WordsOf(text->body);
  const std::string libxml2_text = NormalizeSpaces(reference.body);
  const std::unordered_set<std::string_view> libxml2 = WordsOf(libxml2_text);
  std::set<std::string> libxml2_decoded;  // difference 1
  for (std::string_view word : libxml2) {
    if (word.find('&') != std::string_view::npos) {
      libxml2_decoded.insert(DecodeLegacyReferences(word));
    }
  }
  // Difference 3, both ways: Sluice's "x–y" is libxml2's "x" and "y".
  std::unordered_set<std::string_view> sluice_pieces;
  std::unordered_set<std::string_view> joined_words;
  for (std::string_view word : sluice) {
    const std::vector<std::string_view> pieces = SplitAtPunctuation(word);
    const bool all_known = std::all_of(pieces.begin(), pieces.end(), [&](std::string_view part) {
      return part.empty() || libxml2.contains(part);
    });
    if (pieces.empty() || !all_known) continue;
    joined_words.insert(word);
    sluice_pieces.insert(pieces.begin(), pieces.end());
  }
  std::unordered_set<std::string_view> glued_pieces;
  for (std::string_view word : libxml2) {
    if (sluice.contains(word) || sluice_pieces.contains(word)) continue;
    if (word.find('&') != std::string::npos && sluice.contains(DecodeLegacyReferences(word))) {
      continue;
    }
    // Difference 2: a word glued by a stray block end tag is two words of Sluice's.
    bool glued = false;
    for (size_t cut = 1; cut < word.size() && !glued; ++cut) {
      glued = sluice.contains(word.substr(0, cut)) && sluice.contains(word.substr(cut));
      if (glued) {
        glued_pieces.insert(word.substr(0, cut));
        glued_pieces.insert(word.substr(cut));
      }
    }
    if (!glued) comparison.only_libxml2.emplace_back(word);
  }
  for (std::string_view word : sluice) {
    if (!libxml2.contains(word) && !libxml2_decoded.contains(std::string(word)) &&
        !joined_words.contains(word) && !glued_pieces.contains(word)) {
      comparison.only_sluice.emplace_back(word);
    }
  }
  std::sort(comparison.only_libxml2.begin(), comparison.only_libxml2.end());
  std::sort(comparison.only_sluice.begin(), comparison.only_sluice.end());
  comparison.libxml2_title = NormalizeSpaces(reference.title);
  if (comparison.libxml2_title.ends_with(' ')) comparison.libxml2_title.pop_back();
  comparison.sluice_title = reference.title_has_markup ? comparison.libxml2_title : text->title;
  return comparison;
}

std::string Describe(const Comparison& comparison) {
  std::ostringstream out;
  out << "only libxml2:";
  for (size_t i = 0; i < std::min<size_t>(20, comparison.only_libxml2.size()); ++i) {
    out << " [" << comparison.only_libxml2[i] << "]";
  }
  out << "\nonly Sluice:";
  for (size_t i = 0; i < std::min<size_t>(20, comparison.only_sluice.size()); ++i) {
    out << " [" << comparison.only_sluice[i] << "]";
  }
  out << "\ntitles: [" << comparison.libxml2_title << "] [" << comparison.sluice_title << "]";
  return out.str();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(HtmlDifferentialTest, InstalledDocumentationHasTheSameWordsAsLibxml2) {
  // Enough pages to cover many generators (DocBook, Texinfo, Sphinx, pandoc, Doxygen
  // ...), few enough for a debug build.
  constexpr size_t kMaxCorpusBytes = 40 << 20;
  std::vector<std::filesystem::path> pages;
  std::error_code error;
  const std::filesystem::path root = "/usr/share/doc";
  if (std::filesystem::is_directory(root, error)) {
    for (auto it = std::filesystem::recursive_directory_iterator(
             root, std::filesystem::directory_options::skip_permission_denied, error);
         it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (error) break;
      const std::string extension = it->path().extension().string();
      if ((extension == ".html" || extension == ".htm") && it->is_regular_file(error)) {
        pages.push_back(it->path());
      }
    }
  }
  if (pages.empty()) GTEST_SKIP() << "no HTML documentation installed under " << root;
  std::sort(pages.begin(), pages.end());
  size_t compared_bytes = 0;
  size_t compared_pages = 0;
  size_t skipped_pages = 0;
  for (const auto& path : pages) {
    const std::string page = ReadFile(path);
    if (compared_bytes + page.size() > kMaxCorpusBytes) continue;
    if (HasKnownDifference(page)) {
      ++skipped_pages;
      continue;
    }
    compared_bytes += page.size();
    ++compared_pages;
    const Comparison comparison = Compare(page, 64 << 10);
    EXPECT_TRUE(comparison.only_libxml2.empty() && comparison.only_sluice.empty() &&
                comparison.libxml2_title == comparison.sluice_title)
        << path << "\n"
        << Describe(comparison);
  }
  std::printf("compared %zu pages (%zu bytes); %zu left out (differences 4-8)\n", compared_pages,
              compared_bytes, skipped_pages);
  EXPECT_GT(compared_pages, 0u);
}

// A page made of random, nested, sometimes sloppy markup where browsers and libxml2
// agree: entities, comments, scripts and styles holding markup, attributes holding '>',
// upper-case tags, unquoted attributes, implied end tags, hidden elements.
class PageGenerator {
 public:
  explicit PageGenerator(uint32_t seed) : random_(seed) {}

  std::string Page() {
    std::string page = Pick({"<!DOCTYPE html>", "<!doctype HTML PUBLIC \"-//W3C//DTD\">", ""});
    page += "<html><head><title>" + Words(3) + " &amp; " + Words(1) + "</title>";
    page += Pick({"<meta charset=\"utf-8\">", "<meta name=description content=\"a > b\">", ""});
    page += "<style>p > a { color: red } /* <b>no</b> */</style>";
    page += "<script>var s = \"<p>not text</p>\"; if (a < b && c > d) x = '</div>';</script>";
    page += "</head>";
    page += Pick({"<body>", "<BODY class=x>", ""});
    for (int i = 0; i < 12; ++i) page += Block(0);
    page += Pick({"</body></html>", "</BODY>", ""});
    return page;
  }

 private:
  size_t Below(size_t n) { return random_() % n; }

  std::string Pick(std::initializer_list<const char*> choices) {
    return *(choices.begin() + Below(choices.size()));
  }

  std::string Word() {
    static constexpr const char* kWords[] = {"alpha",
                                             "beta",
                                             "gamma",
                                             "delta",
                                             "epsilon",
                                             "zeta",
                                             "eta",
                                             "theta",
                                             "iota",
                                             "kappa",
                                             "caf\xc3\xa9",
                                             "na\xc3\xafve",
                                             "\xe6\x97\xa5\xe6\x9c\xac",
                                             "emoji\xf0\x9f\x98\x80",
                                             "x1",
                                             "y2",
                                             "z-3",
                                             "a.b",
                                             "(paren)",
                                             "q?"};
    return kWords[Below(std::size(kWords))];
  }

  std::string Words(int n) {
    std::string words;
    for (int i = 0; i < n; ++i) words += (i > 0 ? " " : "") + Word();
    return words;
  }

  std::string Entity() {
    return Pick({"&amp;",         "&lt;",          "&gt;",       "&quot;",   "&eacute;",
                 "&nbsp;",        "&copy;",        "&#233;",     "&#x263A;", "&hellip;",
                 "&rsquo;",       "&mdash;",       "&#65;&#66;", "&Eacute;", "&euro;",
                 "&unknownname;", "AT&amp;T",      "&#x1F600;",  "a &amp b", "&copy 2024",
                 "x&#150;y",      "&#147;q&#148;", "one</p>two", "a</div>b"});
  }

  std::string Inline(int depth) {
    switch (Below(depth > 3 ? 4 : 9)) {
      case 0:
        return Words(1 + static_cast<int>(Below(4)));
      case 1:
        return " " + Entity() + " ";
      case 2:
        return "<!-- " + Words(2) + " <p>commented</p> -- " + Words(1) + " -->";
      case 3:
        return Word() + "\n\t " + Word();
      case 4:
        return "<b>" + Inline(depth + 1) + "</b>";
      case 5:
        return "<A HREF=\"/x?a=1&amp;b=2\" title='1 > 0'>" + Inline(depth + 1) + "</A>";
      case 6:
        return "<span class=a data-x=\"<p>\">" + Inline(depth + 1) + Inline(depth + 1) + "</span>";
      case 7:
        return "<em>" + Inline(depth + 1) + "</em><code>" + Word() + "</code>";
      default:
        return "<script type=\"text/javascript\">document.write('<b>hidden</b>');</script>" +
               Word();
    }
  }

  std::string Block(int depth) {
    switch (Below(depth > 3 ? 3 : 14)) {
      case 0:
        return "<p>" + Inline(0) + " " + Inline(0) + "</p>";
      case 1:
        return "<P>" + Inline(0) + "\n";  // no end tag: the next block closes it
      case 2:
        return "<h2>" + Words(2) + "</h2>";
      case 3: {
        std::string list = "<ul>";
        for (int i = 0; i < 3; ++i) list += "<li>" + Inline(1) + (Below(2) ? "</li>" : "");
        return list + "</ul>";
      }
      case 4: {
        std::string table = "<table border=1><tr><th>" + Word() + "</th></tr>";
        for (int r = 0; r < 2; ++r) {
          table += "<tr>";
          for (int c = 0; c < 2; ++c) table += "<td>" + Inline(1) + (Below(2) ? "</td>" : "");
          table += Below(2) ? "</tr>" : "";
        }
        return table + "</table>";
      }
      case 5:
        return "<div class=\"c\">" + Block(depth + 1) + Inline(0) + Block(depth + 1) + "</div>";
      case 6:
        return "<pre>" + Words(3) + "\n  " + Entity() + "</pre>";
      case 7:
        return "<blockquote>" + Block(depth + 1) + "</blockquote>";
      case 8:
        return Inline(0) + "<br>" + Inline(0) + "<hr/>";
      case 9:
        return "<noscript>" + Words(2) + "</noscript><template><p>" + Words(2) + "</p></template>";
      case 10:
        return "<svg width=10><title>" + Word() + "</title><text>" + Word() +
               "</text><path d=\"M0 0\"/></svg>" + Word();
      case 11:
        return "<dl><dt>" + Word() + "<dd>" + Inline(1) + "</dl>";
      case 12:
        return "<textarea name=t>" + Words(2) + "</textarea><select><option>" + Word() +
               "<option selected>" + Word() + "</select>";
      default:
        return "<style>.a{}</style><div>" + Inline(0) + "</div><?xml-stylesheet x?>";
    }
  }

  std::mt19937 random_;
};

TEST(HtmlDifferentialTest, GeneratedPagesHaveTheSameWordsAsLibxml2) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    const std::string page = PageGenerator(seed).Page();
    for (size_t piece : {page.size(), size_t{1} + seed % 61}) {
      const Comparison comparison = Compare(page, piece);
      ASSERT_TRUE(comparison.only_libxml2.empty() && comparison.only_sluice.empty() &&
                  comparison.libxml2_title == comparison.sluice_title)
          << "seed " << seed << " piece " << piece << "\n"
          << Describe(comparison) << "\n"
          << page;
    }
  }
}

}  // namespace
}  // namespace sluice::extract
