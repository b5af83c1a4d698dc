#include "index/xapian_schema.h"

#include "index/digest.h"

namespace sluice::index {
namespace {

// A literal term when prefix + text fits in a Xapian term, else a hashed one under a different
// prefix. The prefixes differ at a byte that comes before any text ("Q…" vs "XHQ…", "XC…" vs
// "XHC…"), so a literal term can never equal a hashed one, whatever the text.
std::string LiteralOrHashedTerm(std::string_view literal_prefix, std::string_view hashed_prefix,
                                std::string_view text) {
  if (literal_prefix.size() + text.size() <= kMaxTermBytes) {
    return std::string(literal_prefix) + std::string(text);
  }
  return std::string(hashed_prefix) + Sha256Hex(text);
}

}  // namespace

std::string UniqueTerm(std::string_view uri) { return LiteralOrHashedTerm("Q", "XHQ", uri); }

std::string ChildOfTerm(std::string_view path) { return LiteralOrHashedTerm("XC", "XHC", path); }

std::vector<std::string> ChildOfTerms(std::string_view uri) {
  std::vector<std::string> terms;
  for (size_t slash = uri.find('/'); slash != std::string_view::npos;
       slash = uri.find('/', slash + 1)) {
    if (slash > 0) terms.push_back(ChildOfTerm(uri.substr(0, slash)));
  }
  return terms;
}

Xapian::Stem EnglishStemmer() { return Xapian::Stem("english"); }

}  // namespace sluice::index
