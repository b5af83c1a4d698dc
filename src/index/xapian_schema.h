// How Sluice lays items out in Xapian (terms, value slots, stemming) and the one place that
// turns Xapian's exceptions into base::Status. Internal to the index module: nothing outside
// src/index/ includes <xapian.h>.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "base/status.h"

namespace sluice::index {

// Value slots; dates and sizes are stored with Xapian::sortable_serialise so they sort.
inline constexpr Xapian::valueno kDateSlot = 0;
inline constexpr Xapian::valueno kSizeSlot = 1;
inline constexpr Xapian::valueno kIndexedDateSlot = 2;
inline constexpr Xapian::valueno kUriSlot = 3;         // the uri, byte for byte
inline constexpr Xapian::valueno kFacetSlot = 4;       // EncodeFacetValues (facet_values.h)
inline constexpr Xapian::valueno kPermissionSlot = 5;  // EncodePermissions (permission_model.h)

// Prefix of title terms, so "title:word" searches titles only.
inline constexpr std::string_view kTitlePrefix = "S";
// Title words also count as body words, weighted this many times a body word.
inline constexpr Xapian::termcount kTitleWeight = 3;

// Xapian's glass backend rejects terms longer than this.
inline constexpr size_t kMaxTermBytes = 245;

// The boolean term that identifies the item with this uri. Long uris are hashed to fit.
std::string UniqueTerm(std::string_view uri);

// The boolean term every item below `path` carries (items whose uri starts with path + "/").
std::string ChildOfTerm(std::string_view path);

// ChildOfTerm of every path the uri lies below: one per "/" in it, so
// "file://a/b" gives the terms for "file:", "file:/", "file://a". This costs one boolean term
// per "/" in each item's uri, and buys DeleteWithChildren a single posting-list read instead of
// a scan of every item's uri.
std::vector<std::string> ChildOfTerms(std::string_view uri);

// Queries that match every item and none. Use these, never Xapian::Query::MatchAll or
// MatchNothing: those are shared static objects whose reference counts are not atomic, so
// copying them on concurrent searches corrupts the count and crashes a search thread.
inline Xapian::Query MatchAllQuery() { return Xapian::Query(std::string()); }
inline Xapian::Query MatchNothingQuery() { return Xapian::Query(); }

// The stemmer used both for indexing and for parsing queries; they must agree.
Xapian::Stem EnglishStemmer();

// Runs `body` (which returns base::Status) and translates any exception into a Status that
// names `context`. Xapian::Error has no virtual functions, so the order of the catch clauses,
// most specific first, is what classifies the error.
template <typename Body>
base::Status CallXapian(std::string_view context, Body&& body) {
  auto message = [&](const Xapian::Error& error) {
    return std::string(context) + ": " + error.get_type() + ": " + error.get_msg();
  };
  try {
    return body();
  } catch (const Xapian::DatabaseLockError& error) {
    return base::Unavailable(message(error) + " (another writer has this index open)");
  } catch (const Xapian::DatabaseCorruptError& error) {
    return base::DataLoss(message(error));
  } catch (const Xapian::DatabaseModifiedError& error) {
    return base::Unavailable(message(error) + " (the index changed while reading; retry)");
  } catch (const Xapian::DatabaseNotFoundError& error) {
    return base::NotFound(message(error));
  } catch (const Xapian::DatabaseError& error) {
    return base::IoError(message(error));
  } catch (const Xapian::QueryParserError& error) {
    return base::InvalidArgument(message(error));
  } catch (const Xapian::InvalidArgumentError& error) {
    return base::InvalidArgument(message(error));
  } catch (const Xapian::Error& error) {
    return base::Internal(message(error));
  } catch (const std::bad_alloc&) {
    return base::ResourceExhausted(std::string(context) + ": out of memory");
  } catch (const std::exception& error) {
    return base::Internal(std::string(context) + ": " + error.what());
  }
}

}  // namespace sluice::index
