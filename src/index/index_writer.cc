#include "index/index_writer.h"

#include <string>
#include <utility>
#include <vector>

#include <xapian.h>

#include "base/fs.h"
#include "index/stored_fields.h"
#include "index/term_collector.h"
#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

// Title words under kTitlePrefix, then title and body words unprefixed (title ones weighted
// kTitleWeight), stemmed and unstemmed, as the QueryParser in search.cc looks them up. A gap
// between title and body (IncreaseTermpos) keeps a phrase from matching across the two.
// TermCollector makes the same terms as TermGenerator several times faster on long bodies.
// Every position is kept, however long the body: for a 50 MB body they cost about half of Put's
// 3 s (Xapian takes them one call each), but a cap would make phrase searches silently miss the
// text past it.
void AddWords(const IndexDocument& item, Xapian::Document& document,
              Xapian::TermGenerator& term_generator) {
  if (TermCollector::MatchesTermGenerator()) {
    TermCollector terms(EnglishStemmer());
    terms.IndexText(item.title, 1, kTitlePrefix);
    terms.IndexText(item.title, kTitleWeight);
    terms.IncreaseTermpos();
    terms.IndexText(item.body);
    terms.AddTo(document);
    return;
  }
  term_generator.set_document(document);
  term_generator.index_text(item.title, 1, std::string(kTitlePrefix));
  term_generator.index_text(item.title, kTitleWeight);
  term_generator.increase_termpos();
  term_generator.index_text(item.body);
}

// The document Xapian stores for an item: stored fields as data, boolean terms for lookup and
// prefix deletion, sortable values, and the words of title and body.
Xapian::Document BuildXapianDocument(const IndexDocument& item,
                                     Xapian::TermGenerator& term_generator) {
  Xapian::Document document;
  document.set_data(EncodeStoredFields(item));
  document.add_boolean_term(UniqueTerm(item.uri));
  for (const std::string& term : ChildOfTerms(item.uri)) document.add_boolean_term(term);
  document.add_value(kDateSlot, Xapian::sortable_serialise(static_cast<double>(item.date_ms)));
  document.add_value(kSizeSlot, Xapian::sortable_serialise(static_cast<double>(item.size)));
  document.add_value(kIndexedDateSlot,
                     Xapian::sortable_serialise(static_cast<double>(item.indexed_ms)));
  document.add_value(kUriSlot, item.uri);

  AddWords(item, document, term_generator);
  return document;
}

bool IsUriOrBelow(std::string_view candidate, std::string_view uri) {
  if (candidate.size() == uri.size()) return candidate == uri;
  return candidate.size() > uri.size() && candidate.starts_with(uri) &&
         candidate[uri.size()] == '/';
}

// Document ids that carry `term` and whose stored uri passes `keep`. Collected before deleting
// so that the posting list is not modified while it is being read.
template <typename Keep>
std::vector<Xapian::docid> DocumentsWithTerm(const Xapian::Database& db, const std::string& term,
                                             Keep&& keep) {
  std::vector<Xapian::docid> ids;
  for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
    if (keep(db.get_document(*it, Xapian::DOC_ASSUME_VALID).get_value(kUriSlot))) {
      ids.push_back(*it);
    }
  }
  return ids;
}

}  // namespace

struct IndexWriter::Impl {
  std::filesystem::path dir;
  Xapian::WritableDatabase db;
  Xapian::TermGenerator term_generator;
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IndexWriter::~IndexWriter() {
  try {
    impl_->db.close();
  } catch (const Xapian::Error&) {
    // Nothing durable is lost: the journal still holds every operation since the last Commit().
  }
}

base::Result<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::filesystem::path& dir) {
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir).WithContext("create index directory"));
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  SLUICE_RETURN_IF_ERROR(CallXapian("open index " + dir.string() + " for writing", [&] {
    impl->db = Xapian::WritableDatabase(dir.string(), Xapian::DB_CREATE_OR_OPEN);
    impl->term_generator.set_stemmer(EnglishStemmer());
    impl->term_generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    return base::Status::Ok();
  }));
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

base::Status IndexWriter::Put(const IndexDocument& document) {
  if (document.uri.empty()) {
    return base::InvalidArgument("index item: the uri is empty; every item needs a documentId");
  }
  return CallXapian("index item " + document.uri, [&] {
    impl_->db.replace_document(UniqueTerm(document.uri),
                               BuildXapianDocument(document, impl_->term_generator));
    return base::Status::Ok();
  });
}

base::Status IndexWriter::Delete(std::string_view uri) {
  return CallXapian("delete item " + std::string(uri), [&] {
    impl_->db.delete_document(UniqueTerm(uri));
    return base::Status::Ok();
  });
}

base::Result<uint64_t> IndexWriter::DeleteWithChildren(std::string_view uri) {
  if (uri.empty()) {
    return base::InvalidArgument(
        "delete item and children: the uri is empty, which would match every item");
  }
  uint64_t deleted = 0;
  // The item itself carries UniqueTerm(uri) and its children ChildOfTerm(uri), so this reads
  // only their posting lists, not the whole index. The stored uri is compared as well so that a
  // hash collision between long uris cannot delete an unrelated item.
  SLUICE_RETURN_IF_ERROR(CallXapian("delete item and children " + std::string(uri), [&] {
    Xapian::WritableDatabase& db = impl_->db;
    std::vector<Xapian::docid> ids = DocumentsWithTerm(
        db, UniqueTerm(uri), [&](std::string_view stored) { return stored == uri; });
    std::vector<Xapian::docid> children = DocumentsWithTerm(
        db, ChildOfTerm(uri),
        [&](std::string_view stored) { return stored != uri && IsUriOrBelow(stored, uri); });
    ids.insert(ids.end(), children.begin(), children.end());
    for (Xapian::docid id : ids) db.delete_document(id);
    deleted = ids.size();
    return base::Status::Ok();
  }));
  return deleted;
}

base::Status IndexWriter::Commit() {
  return CallXapian("commit index " + impl_->dir.string(), [&] {
    impl_->db.commit();
    return base::Status::Ok();
  });
}

uint64_t IndexWriter::document_count() const {
  try {
    return impl_->db.get_doccount();
  } catch (const Xapian::Error&) {
    // Only a closed database throws here, and the writer never closes it before destruction.
    return 0;
  }
}

}  // namespace sluice::index
