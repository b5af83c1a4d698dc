#include "index/search.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <xapian.h>

#include "index/stored_fields.h"
#include "index/text.h"
#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

constexpr unsigned kQueryFlags =
    Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
    Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
    Xapian::QueryParser::FLAG_PURE_NOT;
// A wildcard such as "a*" could otherwise expand to every term in the index.
constexpr Xapian::termcount kMaxWildcardExpansion = 1024;
// How often a read starts over after a writer's commits overtook it (see ReadSources).
constexpr int kReadAttempts = 5;
constexpr std::string_view kOmission = "...";

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// Adds the index in each existing directory to `db`; returns false when none exists yet.
bool OpenSources(const std::vector<std::filesystem::path>& dirs, Xapian::Database* db) {
  bool any = false;
  for (const std::filesystem::path& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) continue;
    try {
      db->add_database(Xapian::Database(dir.string()));
      any = true;
    } catch (const Xapian::DatabaseNotFoundError&) {
      // The directory exists but its writer has not created the index yet: nothing to find.
    }
  }
  return any;
}

// Opens the indexes in `dirs` and runs `read(db)` (which returns base::Status) on them. A reader
// fails with DatabaseModifiedError when a writer commits twice while it opens or reads; opening
// again picks up the latest commit. Call inside CallXapian, which reports the last failure.
template <typename Read>
base::Status ReadSources(const std::vector<std::filesystem::path>& dirs, Read&& read) {
  for (int attempt = 1;; ++attempt) {
    try {
      Xapian::Database db;
      if (!OpenSources(dirs, &db)) return base::Status::Ok();  // nothing indexed yet
      return read(db);
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt == kReadAttempts) throw;
    }
  }
}

// For a query made only of exclusions ("-draft -old"), the same words without their "-";
// nullopt otherwise. Xapian reads such a query as if the "-" were absent, whereas a user means
// "everything except". Quoted phrases count as one word.
std::optional<std::string> ExcludedWordsOnly(std::string_view q) {
  std::string words;
  bool in_quotes = false;
  bool at_word_start = true;
  for (char c : q) {
    const bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!in_quotes && is_space) {
      at_word_start = true;
      words.push_back(' ');
      continue;
    }
    if (at_word_start) {
      if (c != '-') return std::nullopt;
      at_word_start = false;
      continue;
    }
    if (c == '"') in_quotes = !in_quotes;
    words.push_back(c);
  }
  return words;
}

Xapian::Query ParseWords(Xapian::QueryParser& parser, const std::string& q) {
  try {
    return parser.parse_query(q, kQueryFlags);
  } catch (const Xapian::QueryParserError&) {
    // End users type things like "fish AND"; read such a query as plain words.
    return parser.parse_query(q, 0);
  }
}

Xapian::Query ParseUserQuery(const std::string& q, const Xapian::Database& db) {
  Xapian::QueryParser parser;
  parser.set_database(db);  // for wildcard expansion
  parser.set_stemmer(EnglishStemmer());
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_default_op(Xapian::Query::OP_AND);
  parser.add_prefix("title", std::string(kTitlePrefix));
  parser.set_max_expansion(kMaxWildcardExpansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  if (std::optional<std::string> excluded = ExcludedWordsOnly(q)) {
    parser.set_default_op(Xapian::Query::OP_OR);  // -a -b excludes items with a or b
    return Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll,
                         ParseWords(parser, *excluded));
  }
  return ParseWords(parser, q);
}

// What counts as a query word when highlighting a title.
struct HighlightTerms {
  std::unordered_set<std::string> terms;       // as in the parsed query, stemmed ones "Z"-prefixed
  std::vector<std::string> wildcard_prefixes;  // lower case, from "prefix*" in the query text
};

// The word characters just before each "*" in the query text, lower-cased: the parsed query
// keeps a wildcard as an unexpanded pattern that does not list its terms.
std::vector<std::string> WildcardPrefixes(std::string_view q) {
  std::vector<std::string> prefixes;
  std::string word;
  for (Xapian::Utf8Iterator it(q.data(), q.size()), end; it != end; ++it) {
    if (Xapian::Unicode::is_wordchar(*it)) {
      Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(*it));
      continue;
    }
    if (*it == '*' && !word.empty()) prefixes.push_back(word);
    word.clear();
  }
  return prefixes;
}

HighlightTerms CollectHighlightTerms(const Xapian::Query& query, std::string_view q) {
  HighlightTerms highlight;
  for (auto it = query.get_unique_terms_begin(); it != query.get_unique_terms_end(); ++it) {
    highlight.terms.insert(*it);
  }
  highlight.wildcard_prefixes = WildcardPrefixes(q);
  return highlight;
}

bool IsQueryWord(const std::string& word, const HighlightTerms& highlight,
                 const Xapian::Stem& stemmer) {
  const auto& terms = highlight.terms;
  const std::string prefix(kTitlePrefix);
  if (terms.contains(word) || terms.contains(prefix + word)) return true;
  const std::string stem = stemmer(word);
  if (terms.contains("Z" + stem) || terms.contains("Z" + prefix + stem)) return true;
  for (const std::string& wildcard : highlight.wildcard_prefixes) {
    if (word.starts_with(wildcard)) return true;
  }
  return false;
}

// Byte offset and length of every word of the title that the query looks for.
std::vector<std::pair<uint32_t, uint32_t>> HighlightTitle(const std::string& title,
                                                          const HighlightTerms& highlight,
                                                          const Xapian::Stem& stemmer) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  if (highlight.terms.empty() && highlight.wildcard_prefixes.empty()) return spans;
  Xapian::Utf8Iterator it(title), end;
  auto offset = [&] { return title.size() - it.left(); };
  while (it != end) {
    if (!Xapian::Unicode::is_wordchar(*it)) {
      ++it;
      continue;
    }
    const size_t start = offset();
    std::string word;
    for (; it != end && Xapian::Unicode::is_wordchar(*it); ++it) {
      Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(*it));
    }
    if (IsQueryWord(word, highlight, stemmer)) {
      spans.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(offset() - start));
    }
  }
  return spans;
}

// Plain-text excerpt of about `length` bytes: around the query's matches, or the start of the
// text for an empty query. Never longer than length + 3 * kOmission.size().
std::string MakeExcerpt(const Xapian::MSet& mset, const std::string& text, bool match_all,
                        uint32_t length, const Xapian::Stem& stemmer) {
  if (length == 0 || text.empty()) return "";
  if (match_all) {
    // Collapsing whitespace shrinks the text, so start from more than `length` bytes.
    std::string_view head(text.data(), Utf8BoundaryAtOrBefore(text, size_t{length} * 4));
    return ShortenAtWord(CollapseWhitespace(head), length);
  }
  // Empty highlight markers give plain text; the snippet is still HTML-escaped, hence Unescape.
  // Without SNIPPET_EXHAUSTIVE Xapian stops at the first good snippet instead of scanning the
  // whole stored text (up to 1 MiB) for every hit.
  std::string snippet = mset.snippet(text, length, stemmer, Xapian::MSet::SNIPPET_BACKGROUND_MODEL,
                                     "", "", std::string(kOmission));
  // The snippet may overshoot by a word and carries omission markers at either end.
  return ShortenAtWord(CollapseWhitespace(UnescapeHtml(snippet)), length + 2 * kOmission.size());
}

base::Status RunSearch(const Xapian::Database& db, const SearchRequest& request,
                       SearchResponse* out) {
  const bool match_all = IsBlank(request.q);
  const Xapian::Stem stemmer = EnglishStemmer();
  const Xapian::Query query =
      match_all ? Xapian::Query(Xapian::Query::MatchAll) : ParseUserQuery(request.q, db);
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  if (match_all || request.sort_by_date) {
    enquire.set_sort_by_value_then_relevance(kDateSlot, /*reverse=*/true);  // newest first
  }
  // Asking Xapian to check every document makes total_count exact rather than estimated. That
  // costs a full evaluation of the query, which is cheap at the sizes Sluice serves today.
  const Xapian::doccount doc_count = db.get_doccount();
  const Xapian::MSet mset =
      enquire.get_mset(request.first_result,
                       std::min<Xapian::doccount>(request.number_of_results, doc_count), doc_count);
  const HighlightTerms highlight =
      match_all ? HighlightTerms{} : CollectHighlightTerms(query, request.q);

  SearchResponse response;
  response.total_count = mset.get_matches_estimated();
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    auto item = DecodeStoredFields(it.get_document().get_data());
    if (!item.ok()) return item.status().WithContext("document " + std::to_string(*it));
    SearchHit hit = std::move(item->fields);
    hit.score = it.get_weight();
    hit.percent_score = mset.convert_to_percent(it);
    hit.excerpt = MakeExcerpt(mset, item->body, match_all, request.excerpt_length, stemmer);
    hit.title_highlights = HighlightTitle(hit.title, highlight, stemmer);
    response.hits.push_back(std::move(hit));
  }
  *out = std::move(response);
  return base::Status::Ok();
}

// The stored item whose uri is exactly `uri`, if any.
base::Status FindItem(const Xapian::Database& db, std::string_view uri,
                      std::optional<StoredItem>* out) {
  out->reset();
  const std::string term = UniqueTerm(uri);
  for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
    Xapian::Document document = db.get_document(*it);
    if (document.get_value(kUriSlot) != uri) continue;  // a long uri whose hash collided
    auto item = DecodeStoredFields(document.get_data());
    if (!item.ok()) return item.status().WithContext("document " + std::to_string(*it));
    *out = std::move(item).value();
    break;
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<SearchResponse> Search(const std::vector<std::filesystem::path>& source_dirs,
                                    const SearchRequest& request) {
  SearchResponse response;
  SLUICE_RETURN_IF_ERROR(CallXapian("search for \"" + request.q + "\"", [&] {
    return ReadSources(
        source_dirs, [&](const Xapian::Database& db) { return RunSearch(db, request, &response); });
  }));
  return response;
}

base::Result<std::optional<StoredItem>> GetItem(const std::filesystem::path& source_dir,
                                                std::string_view uri) {
  std::optional<StoredItem> item;
  SLUICE_RETURN_IF_ERROR(
      CallXapian("get item " + std::string(uri) + " from " + source_dir.string(), [&] {
        return ReadSources({source_dir},
                           [&](const Xapian::Database& db) { return FindItem(db, uri, &item); });
      }));
  return item;
}

}  // namespace sluice::index
