#include "index/search.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <xapian.h>

#include "base/ascii.h"
#include "base/clock.h"
#include "index/facet_counter.h"
#include "index/field_query.h"
#include "index/field_value.h"
#include "index/permission_model.h"
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
// The query-parser prefix that stands for a field expression cut out of the query text.
constexpr std::string_view kFieldExpressionPrefix = "sluicefieldexpression";
// The sort key of an item without a value in an ascending sort: after every sortable_serialise
// output, so such items come last.
const std::string kMissingLast(16, '\xff');

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// The source indexes of one search, read as one database.
struct Sources {
  Xapian::Database db;
  bool any = false;  // false when no directory holds an index yet
  FieldSlots slots;  // the field slots all of them agree on
};

// The slots of `all` indexes together. IndexWriter gives a field the same slot in every index of
// an organization; a name whose slot differs anyway, or that shares its slot with another name
// in some index, is left out, so that its comparisons find nothing rather than wrong items.
FieldSlots MergeFieldSlots(const std::vector<FieldSlots>& all) {
  FieldSlots merged;
  std::map<uint32_t, std::string> owners;
  std::unordered_set<std::string> conflicting;
  for (const FieldSlots& slots : all) {
    for (const auto& [name, slot] : slots) {
      auto [known, added] = merged.emplace(name, slot);
      if (!added && known->second.slot != slot.slot) conflicting.insert(name);
      auto [owner, owned] = owners.emplace(slot.slot, name);
      if (!owned && owner->second != name) {
        conflicting.insert(name);
        conflicting.insert(owner->second);
      }
    }
  }
  for (const std::string& name : conflicting) merged.erase(name);
  return merged;
}

// Adds the index in each existing directory to out->db, with its field slots.
base::Status OpenSources(const std::vector<std::filesystem::path>& dirs, Sources* out) {
  std::vector<FieldSlots> slots;
  for (const std::filesystem::path& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) continue;
    try {
      Xapian::Database db(dir.string());
      auto decoded = DecodeFieldSlots(db.get_metadata(std::string(kFieldSlotsKey)));
      if (!decoded.ok()) return decoded.status().WithContext(dir.string());
      slots.push_back(std::move(decoded).value());
      out->db.add_database(db);
      out->any = true;
    } catch (const Xapian::DatabaseNotFoundError&) {
      // The directory exists but its writer has not created the index yet: nothing to find.
    }
  }
  out->slots = MergeFieldSlots(slots);
  return base::Status::Ok();
}

// Opens the indexes in `dirs` and runs `read(db, slots)` (which returns base::Status) on them. A
// reader fails with DatabaseModifiedError when a writer commits twice while it opens or reads;
// opening again picks up the latest commit. The last attempt holds `gate`'s commits back, so
// only writers outside it can make that one fail too. Call inside CallXapian, which reports the
// last failure.
template <typename Read>
base::Status ReadSources(const std::vector<std::filesystem::path>& dirs, CommitGate* gate,
                         Read&& read) {
  for (int attempt = 1;; ++attempt) {
    std::unique_lock<std::shared_mutex> commits_held;
    if (attempt == kReadAttempts && gate != nullptr) commits_held = gate->HoldCommits();
    try {
      Sources sources;
      SLUICE_RETURN_IF_ERROR(OpenSources(dirs, &sources));
      if (!sources.any) return base::Status::Ok();  // nothing indexed yet
      return read(sources.db, sources.slots);
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt == kReadAttempts) throw;
    } catch (const Xapian::DocNotFoundError&) {
      // A document the match has just found cannot be gone unless the writer's commits
      // overtook this reader; glass sometimes reports that as a missing document.
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

// Where a query's quotes or parentheses first go wrong ("(" never closed, a ")" without its
// "(", a '"' never closed), or "" when they balance.
std::string BracketProblem(std::string_view text) {
  std::vector<size_t> open;
  size_t quote = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      quote = quote == std::string_view::npos ? i : std::string_view::npos;
    } else if (quote != std::string_view::npos) {
      continue;
    } else if (c == '(') {
      open.push_back(i);
    } else if (c == ')') {
      if (open.empty()) return "the \")\" at character " + std::to_string(i + 1) + " has no \"(\"";
      open.pop_back();
    }
  }
  if (quote != std::string_view::npos) {
    return "the quote at character " + std::to_string(quote + 1) + " is never closed";
  }
  if (!open.empty()) {
    return "the \"(\" at character " + std::to_string(open.back() + 1) + " is never closed";
  }
  return "";
}

// How ParseUserQuery treats text Xapian's parser rejects.
enum class Strictness {
  kLenient,  // read it as plain words, as an end user meant them ("fish AND")
  kStrict,   // InvalidArgument: aq, cq, lq and dq are written by programs
};

base::Result<Xapian::Query> ParseWords(Xapian::QueryParser& parser, const std::string& text,
                                       Strictness strictness) {
  if (strictness == Strictness::kStrict) {
    if (std::string problem = BracketProblem(text); !problem.empty()) {
      return base::InvalidArgument(problem);
    }
  }
  try {
    return parser.parse_query(text, kQueryFlags);
  } catch (const Xapian::QueryParserError& error) {
    if (strictness == Strictness::kStrict) {
      return base::InvalidArgument("the query does not parse (" + error.get_msg() + ")");
    }
    return parser.parse_query(text, 0);
  }
}

// Hands the query parser back the query of each field expression cut out of the text.
class FieldExpressionProcessor : public Xapian::FieldProcessor {
 public:
  explicit FieldExpressionProcessor(std::vector<Xapian::Query> queries)
      : queries_(std::move(queries)) {}

  Xapian::Query operator()(const std::string& index) override {
    size_t i = 0;
    const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), i);
    // Only a user who types the placeholder prefix can make this miss.
    if (ec != std::errc() || end != index.data() + index.size() || i >= queries_.size()) {
      return MatchNothingQuery();
    }
    return queries_[i];
  }

 private:
  std::vector<Xapian::Query> queries_;
};

base::Result<Xapian::Query> ParseUserQuery(const FieldQueryText& text, const FieldSlots& slots,
                                           const Xapian::Database& db, Strictness strictness,
                                           Xapian::Query::op default_op) {
  if (!text.error.empty()) return base::InvalidArgument(text.error);
  std::vector<Xapian::Query> field_queries;
  for (const FieldExpression& expression : text.expressions) {
    field_queries.push_back(FieldExpressionQuery(expression, slots));
  }
  FieldExpressionProcessor processor(std::move(field_queries));
  const std::string& q = text.text;
  Xapian::QueryParser parser;
  parser.add_prefix(std::string(kFieldExpressionPrefix), &processor);
  parser.set_database(db);  // for wildcard expansion
  parser.set_stemmer(EnglishStemmer());
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_default_op(default_op);
  parser.add_prefix("title", std::string(kTitlePrefix));
  parser.set_max_expansion(kMaxWildcardExpansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  if (std::optional<std::string> excluded = ExcludedWordsOnly(q)) {
    parser.set_default_op(Xapian::Query::OP_OR);  // -a -b excludes items with a or b
    SLUICE_ASSIGN_OR_RETURN(Xapian::Query words, ParseWords(parser, *excluded, strictness));
    return Xapian::Query(Xapian::Query::OP_AND_NOT, MatchAllQuery(), words);
  }
  return ParseWords(parser, q, strictness);
}

// q read without query syntax: its words, all required; operators and "@" are plain text.
Xapian::Query ParsePlainWords(const std::string& q, const Xapian::Database& db) {
  Xapian::QueryParser parser;
  parser.set_database(db);
  parser.set_stemmer(EnglishStemmer());
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_default_op(Xapian::Query::OP_AND);
  return parser.parse_query(q, 0);
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

// Offset and length, in UTF-16 code units as JavaScript clients index strings, of every word of
// `text` (a title or an excerpt) that the query looks for.
std::vector<std::pair<uint32_t, uint32_t>> Highlight(const std::string& text,
                                                     const HighlightTerms& highlight,
                                                     const Xapian::Stem& stemmer) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  if (highlight.terms.empty() && highlight.wildcard_prefixes.empty()) return spans;
  uint32_t units = 0;  // UTF-16 code units before `it`
  auto advance = [&](Xapian::Utf8Iterator& it) {
    units += *it > 0xffff ? 2 : 1;  // characters beyond the BMP take a surrogate pair
    ++it;
  };
  Xapian::Utf8Iterator it(text), end;
  while (it != end) {
    if (!Xapian::Unicode::is_wordchar(*it)) {
      advance(it);
      continue;
    }
    const uint32_t start = units;
    std::string word;
    while (it != end && Xapian::Unicode::is_wordchar(*it)) {
      Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(*it));
      advance(it);
    }
    if (IsQueryWord(word, highlight, stemmer)) spans.emplace_back(start, units - start);
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
  // whole stored text (up to 1 MiB) for every hit. Without SNIPPET_BACKGROUND_MODEL the
  // snippet is chosen by the query's words alone: the model looked up the frequency of every
  // word of the text in the index, a third of the time of a whole search.
  std::string snippet =
      mset.snippet(text, length, stemmer, /*flags=*/0, "", "", std::string(kOmission));
  // The snippet may overshoot by a word and carries omission markers at either end.
  return ShortenAtWord(CollapseWhitespace(UnescapeHtml(snippet)), length + 2 * kOmission.size());
}

// q, aq, cq and lq parsed and ANDed (then ORed with dq), and the words they hold besides
// field expressions.
struct ParsedRequest {
  Xapian::Query query = MatchAllQuery();
  std::string words;       // for highlighting
  bool has_words = false;  // false: nothing to rank by relevance
};

base::Result<ParsedRequest> ParseRequest(const SearchRequest& request, const FieldSlots& slots,
                                         const Xapian::Database& db) {
  ParsedRequest parsed;
  std::vector<Xapian::Query> all;
  struct Part {
    std::string_view name;
    const std::string* text;
    Strictness strictness;
    Xapian::Query::op default_op;
  };
  const Part parts[] = {{"q", &request.q, Strictness::kLenient, Xapian::Query::OP_AND},
                        {"aq", &request.aq, Strictness::kStrict, Xapian::Query::OP_AND},
                        {"cq", &request.cq, Strictness::kStrict, Xapian::Query::OP_AND},
                        // A large query is a passage of text: any of its words may match.
                        {"lq", &request.lq, Strictness::kStrict, Xapian::Query::OP_OR},
                        {"dq", &request.dq, Strictness::kStrict, Xapian::Query::OP_AND}};
  std::optional<Xapian::Query> disjunction;
  const int64_t now_ms = request.now_ms != 0 ? request.now_ms : base::SystemClock().NowMs();
  for (const Part& part : parts) {
    if (IsBlank(*part.text)) continue;
    if (part.name == "q" && !request.enable_query_syntax) {
      all.push_back(ParsePlainWords(*part.text, db));
      parsed.has_words = true;
      parsed.words += *part.text + " ";
      continue;
    }
    const FieldQueryText text = ExtractFieldExpressions(*part.text, kFieldExpressionPrefix, now_ms);
    auto query = ParseUserQuery(text, slots, db, part.strictness, part.default_op);
    if (!query.ok()) {
      return base::InvalidArgument(std::string(part.name) + ": " + query.status().message());
    }
    parsed.has_words |= HasWords(text.words);
    parsed.words += text.words + " ";
    if (part.name == "dq") {
      disjunction = std::move(query).value();
    } else {
      all.push_back(std::move(query).value());
    }
  }
  if (!all.empty()) parsed.query = Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end());
  if (disjunction) parsed.query = Xapian::Query(Xapian::Query::OP_OR, parsed.query, *disjunction);
  return parsed;
}

// The value slot of a sort key's field, if it has one.
std::optional<uint32_t> SortSlot(const SortKey& key, const FieldSlots& slots) {
  if (std::optional<uint32_t> builtin = BuiltinFieldSlot(key.field)) return builtin;
  auto found = slots.find(key.field);
  if (found == slots.end()) return std::nullopt;
  return found->second.slot;
}

// The metadata of numeric and date fields whose every value reads as a number of its kind.
std::vector<std::pair<std::string, std::vector<double>>> NumericMetadata(const Metadata& metadata,
                                                                         const FieldSlots& slots) {
  std::vector<std::pair<std::string, std::vector<double>>> numeric;
  for (const auto& [name, values] : metadata) {
    auto slot = slots.find(name);
    if (slot == slots.end() || values.empty()) continue;
    std::vector<double> numbers;
    for (const std::string& value : values) {
      std::optional<double> number = ParseFieldNumber(slot->second.kind, value);
      if (!number) break;
      numbers.push_back(*number);
    }
    if (numbers.size() == values.size()) numeric.emplace_back(name, std::move(numbers));
  }
  return numeric;
}

// Keeps the items the viewer may see. Items share few distinct permission models, so each
// model is decided once per search.
class PermissionDecider : public Xapian::MatchDecider {
 public:
  explicit PermissionDecider(const Viewer& viewer) : evaluator_(viewer) {}

  bool operator()(const Xapian::Document& document) const override {
    const std::string model = document.get_value(kPermissionSlot);
    if (model.empty()) return true;
    auto [decision, added] = decisions_.try_emplace(model, false);
    if (added) decision->second = evaluator_.MaySeeEncoded(model);
    return decision->second;
  }

 private:
  PermissionEvaluator evaluator_;
  mutable std::unordered_map<std::string, bool> decisions_;
};

Xapian::Query Filtered(const Xapian::Query& query, const std::vector<Xapian::Query>& filters) {
  if (filters.empty()) return query;
  return Xapian::Query(Xapian::Query::OP_FILTER, query,
                       Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

// Counts each facet over the items that match the query and the selections of the other facets.
// Facets without a selection all share the one pass over `query_with_selections` (the main
// search's, when `main_counter` is given it was attached to that); each facet with a selection
// needs a pass of its own without it.
void CountSelectedFacets(const Xapian::Database& db, const Xapian::Query& base,
                         const std::vector<std::optional<Xapian::Query>>& selections,
                         const SearchRequest& request, const FieldSlots& slots,
                         const Xapian::MatchDecider* decider, std::vector<FacetResult>* results) {
  for (size_t f = 0; f < request.facets.size(); ++f) {
    if (!selections[f]) continue;
    std::vector<Xapian::Query> others;
    for (size_t g = 0; g < selections.size(); ++g) {
      if (g != f && selections[g]) others.push_back(*selections[g]);
    }
    FacetCounter counter({&request.facets[f]}, slots);
    Xapian::Enquire enquire(db);
    enquire.set_query(Filtered(base, others));
    enquire.add_matchspy(&counter);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.get_mset(0, 0, db.get_doccount(), nullptr, decider);
    (*results)[f] = counter.Result(0);
  }
}

base::Status RunSearch(const Xapian::Database& db, const FieldSlots& slots,
                       const SearchRequest& request, SearchResponse* out) {
  SLUICE_ASSIGN_OR_RETURN(const ParsedRequest parsed, ParseRequest(request, slots, db));
  const bool match_all = !parsed.has_words;
  const Xapian::Stem stemmer = EnglishStemmer();

  std::vector<std::optional<Xapian::Query>> selections;
  std::vector<Xapian::Query> selected;
  std::vector<const FacetRequest*> unselected_facets;
  for (const FacetRequest& facet : request.facets) {
    selections.push_back(FacetSelectionQuery(facet, slots));
    if (selections.back()) {
      selected.push_back(*selections.back());
    } else {
      unselected_facets.push_back(&facet);
    }
  }
  const Xapian::Query query = Filtered(parsed.query, selected);
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  Xapian::MultiValueKeyMaker sort_keys;  // must outlive get_mset
  bool sorted = false;
  for (const SortKey& key : request.sort) {
    if (std::optional<uint32_t> slot = SortSlot(key, slots)) {
      sort_keys.add_value(*slot, /*reverse=*/!key.ascending, key.ascending ? kMissingLast : "");
      sorted = true;
    }
  }
  if (sorted) {
    enquire.set_sort_by_key_then_relevance(&sort_keys, /*reverse=*/false);
  } else if (match_all) {
    enquire.set_sort_by_value_then_relevance(kDateSlot, /*reverse=*/true);  // newest first
  }
  std::optional<PermissionDecider> decider;
  if (!request.viewer.sees_everything) decider.emplace(request.viewer);
  const Xapian::MatchDecider* decide = decider ? &*decider : nullptr;
  FacetCounter counter(unselected_facets, slots);
  if (!unselected_facets.empty()) enquire.add_matchspy(&counter);
  // Asking Xapian to check every document makes total_count exact rather than estimated, and
  // lets the facet counter see every match. That costs a full evaluation of the query.
  const Xapian::doccount doc_count = db.get_doccount();
  const Xapian::MSet mset = enquire.get_mset(
      request.first_result, std::min<Xapian::doccount>(request.number_of_results, doc_count),
      doc_count, nullptr, decide);
  const HighlightTerms highlight =
      match_all ? HighlightTerms{} : CollectHighlightTerms(parsed.query, parsed.words);

  SearchResponse response;
  response.total_count = mset.get_matches_estimated();
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    auto item = DecodeStoredFields(it.get_document().get_data());
    if (!item.ok()) return item.status().WithContext("document " + std::to_string(*it));
    SearchHit hit = std::move(item->fields);
    hit.numeric_metadata = NumericMetadata(hit.metadata, slots);
    hit.score = it.get_weight();
    hit.percent_score = mset.convert_to_percent(it);
    hit.excerpt = MakeExcerpt(mset, item->body, match_all, request.excerpt_length, stemmer);
    hit.title_highlights = Highlight(hit.title, highlight, stemmer);
    hit.excerpt_highlights = Highlight(hit.excerpt, highlight, stemmer);
    response.hits.push_back(std::move(hit));
  }
  response.facets.resize(request.facets.size());
  for (size_t i = 0, f = 0; f < request.facets.size(); ++f) {
    if (!selections[f]) response.facets[f] = counter.Result(i++);
  }
  CountSelectedFacets(db, parsed.query, selections, request, slots, decide, &response.facets);
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

std::string_view TrimBlanks(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

// At most this many words starting with the typed prefix are read; a one-letter prefix could
// otherwise walk a large part of the vocabulary.
constexpr size_t kMaxSuggestionCandidates = 20000;

// The typed text split before its last word, that word lower-cased ("" when the text ends in a
// blank: there is no word to complete).
std::pair<std::string, std::string> SplitLastWord(std::string_view text) {
  const size_t blank = text.find_last_of(" \t\r\n");
  const size_t start = blank == std::string_view::npos ? 0 : blank + 1;
  std::string word;
  for (Xapian::Utf8Iterator it(text.data() + start, text.size() - start), end; it != end; ++it) {
    Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(*it));
  }
  return {std::string(text.substr(0, start)), word};
}

base::Status RunSuggest(const Xapian::Database& db, const SuggestRequest& request,
                        std::vector<Suggestion>* out) {
  const auto [head, prefix] = SplitLastWord(request.text);
  if (prefix.empty() || request.count == 0) return base::Status::Ok();
  std::vector<std::pair<Xapian::doccount, std::string>> candidates;
  size_t read = 0;
  for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); ++it) {
    if (++read > kMaxSuggestionCandidates) break;
    if (*it == prefix) continue;
    candidates.emplace_back(it.get_termfreq(), *it);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::optional<PermissionDecider> decider;
  if (!request.viewer.sees_everything) decider.emplace(request.viewer);
  for (const auto& [frequency, term] : candidates) {
    if (out->size() == request.count) break;
    if (decider) {
      // Suggest only words the viewer could find: one visible item holding it is enough.
      Xapian::Enquire enquire(db);
      enquire.set_query(Xapian::Query(term));
      enquire.set_weighting_scheme(Xapian::BoolWeight());
      if (enquire.get_mset(0, 1, 0, nullptr, &*decider).empty()) continue;
    }
    out->push_back(
        Suggestion{.expression = head + term, .typed = head + prefix, .frequency = frequency});
  }
  return base::Status::Ok();
}

}  // namespace

std::vector<SortKey> ParseSortCriteria(std::string_view criteria) {
  std::vector<SortKey> keys;
  const std::string lower = base::AsciiLower(criteria);
  std::string_view rest = lower;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view criterion = TrimBlanks(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::string_view direction;
    SortKey key;
    if (criterion.starts_with("date")) {
      key.field = "date";
      direction = TrimBlanks(criterion.substr(4));
    } else if (criterion.starts_with("@")) {
      const size_t blank = criterion.find_first_of(" \t");
      key.field =
          std::string(criterion.substr(1, blank == std::string_view::npos ? blank : blank - 1));
      direction = blank == std::string_view::npos ? "" : TrimBlanks(criterion.substr(blank));
      if (!IsFieldName(key.field)) continue;
    } else {
      // "relevancy" first means relevance; after other keys it adds nothing Sluice can express.
      if (keys.empty()) return keys;
      continue;
    }
    if (direction == "ascending") {
      key.ascending = true;
    } else if (direction == "descending") {
      key.ascending = false;
    } else if (direction.empty()) {
      key.ascending = key.field != "date";
    } else {
      continue;
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

base::Result<SearchResponse> Search(const std::vector<std::filesystem::path>& source_dirs,
                                    const SearchRequest& request, CommitGate* gate) {
  SearchResponse response;
  SLUICE_RETURN_IF_ERROR(CallXapian("search for \"" + request.q + "\"", [&] {
    return ReadSources(source_dirs, gate, [&](const Xapian::Database& db, const FieldSlots& slots) {
      return RunSearch(db, slots, request, &response);
    });
  }));
  return response;
}

base::Result<std::vector<Suggestion>> Suggest(const std::vector<std::filesystem::path>& source_dirs,
                                              const SuggestRequest& request, CommitGate* gate) {
  std::vector<Suggestion> suggestions;
  SLUICE_RETURN_IF_ERROR(CallXapian("suggest for \"" + request.text + "\"", [&] {
    return ReadSources(source_dirs, gate, [&](const Xapian::Database& db, const FieldSlots&) {
      suggestions.clear();
      return RunSuggest(db, request, &suggestions);
    });
  }));
  return suggestions;
}

base::Result<std::optional<StoredItem>> GetItem(const std::filesystem::path& source_dir,
                                                std::string_view uri, CommitGate* gate) {
  std::optional<StoredItem> item;
  SLUICE_RETURN_IF_ERROR(
      CallXapian("get item " + std::string(uri) + " from " + source_dir.string(), [&] {
        return ReadSources({source_dir}, gate, [&](const Xapian::Database& db, const FieldSlots&) {
          return FindItem(db, uri, &item);
        });
      }));
  return item;
}

}  // namespace sluice::index
