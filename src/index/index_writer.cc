#include "index/index_writer.h"

#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <xapian.h>

#include "base/fs.h"
#include "index/digest.h"
#include "index/facet_values.h"
#include "index/field_schema.h"
#include "index/field_value.h"
#include "index/permission_model.h"
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
void AddWords(const IndexDocument& item, Xapian::Document& document) {
  if (TermCollector::MatchesTermGenerator()) {
    TermCollector terms(EnglishStemmer());
    terms.IndexText(item.title, 1, kTitlePrefix);
    terms.IndexText(item.title, kTitleWeight);
    terms.IncreaseTermpos();
    terms.IndexText(item.body);
    terms.AddTo(document);
    return;
  }
  Xapian::TermGenerator term_generator;
  term_generator.set_stemmer(EnglishStemmer());
  term_generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  term_generator.set_document(document);
  term_generator.index_text(item.title, 1, std::string(kTitlePrefix));
  term_generator.index_text(item.title, kTitleWeight);
  term_generator.increase_termpos();
  term_generator.index_text(item.body);
}

FieldKind KindOf(const IndexDocument& item, std::string_view name) {
  for (const auto& [field, kind] : item.field_kinds) {
    if (field == name) return kind;
  }
  return FieldKind::kString;
}

// The first value of metadata `name` that reads as a number of `kind`.
std::optional<double> FirstNumber(const std::vector<std::string>& values, FieldKind kind) {
  for (const std::string& value : values) {
    if (std::optional<double> number = ParseFieldNumber(kind, value)) return number;
  }
  return std::nullopt;
}

void AddFieldTerms(std::string_view name, const std::vector<std::string>& values,
                   Xapian::Document& document) {
  document.add_boolean_term(FieldPresenceTerm(name));
  for (const std::string& value : values) {
    document.add_boolean_term(FieldValueTerm(name, FoldFieldValue(value)));
  }
}

// A sortable value for each metadata name that has a slot and is still declared numeric or
// date.
void AddFieldValues(const IndexDocument& item, const FieldSlots& slots,
                    Xapian::Document& document) {
  for (const auto& [name, values] : item.metadata) {
    auto slot = slots.find(name);
    if (slot == slots.end() || !IsNumericKind(KindOf(item, name))) continue;
    if (std::optional<double> number = FirstNumber(values, slot->second.kind)) {
      document.add_value(slot->second.slot, Xapian::sortable_serialise(*number));
    }
  }
}

// Field terms for every metadata name and for the item's own properties that results show
// under raw (so "@source==..." and "@filetype==pdf" work). Coveo indexes only the metadata of
// declared fields; Sluice makes every metadata name searchable, which costs a few boolean
// terms per item and spares clients a field they forgot to create.
void AddFieldTerms(const IndexDocument& item, Xapian::Document& document) {
  for (const auto& [name, values] : item.metadata) AddFieldTerms(name, values, document);
  const std::string permanent_id =
      item.permanent_id.empty() ? Sha256Hex(item.uri) : item.permanent_id;
  const std::pair<std::string_view, const std::string*> own[] = {{"source", &item.source_name},
                                                                 {"syssource", &item.source_name},
                                                                 {"filetype", &item.file_type},
                                                                 {"sysfiletype", &item.file_type},
                                                                 {"uri", &item.uri},
                                                                 {"sysuri", &item.uri},
                                                                 {"permanentid", &permanent_id}};
  for (const auto& [name, value] : own) {
    if (!value->empty()) AddFieldTerms(name, {*value}, document);
  }
}

// The document Xapian stores for an item, but for the values of its numeric fields, whose slots
// only the writer knows: stored fields as data, boolean terms for lookup, prefix deletion and
// field queries, the fixed sortable values, and the words of title and body.
Xapian::Document BuildXapianDocument(const IndexDocument& item) {
  Xapian::Document document;
  document.set_data(EncodeStoredFields(item));
  document.add_boolean_term(UniqueTerm(item.uri));
  for (const std::string& term : ChildOfTerms(item.uri)) document.add_boolean_term(term);
  document.add_value(kDateSlot, Xapian::sortable_serialise(static_cast<double>(item.date_ms)));
  document.add_value(kSizeSlot, Xapian::sortable_serialise(static_cast<double>(item.size)));
  document.add_value(kIndexedDateSlot,
                     Xapian::sortable_serialise(static_cast<double>(item.indexed_ms)));
  document.add_value(kUriSlot, item.uri);
  document.add_value(kFacetSlot, EncodeFacetValues(item));
  if (!item.permissions.empty()) {
    document.add_value(kPermissionSlot, EncodePermissions(item.permissions));
  }
  AddFieldTerms(item, document);
  AddWords(item, document);
  return document;
}

// Removes the values of numeric and date fields, whose slots are those of the writer that stored
// the document (AssignSlots): another writer, or this one after the catalog changed, may use
// those slots for other fields.
void RemoveFieldValues(Xapian::Document& document) {
  std::vector<Xapian::valueno> slots;
  for (auto it = document.values_begin(); it != document.values_end(); ++it) {
    if (it.get_valueno() >= kFirstFieldSlot) slots.push_back(it.get_valueno());
  }
  for (Xapian::valueno slot : slots) document.remove_value(slot);
}

// Why a document read from bytes cannot be stored as the item `uri`, or "" when it can. The
// terms are checked here because a term Xapian refuses would make replace_document() throw
// after it started, and Xapian then discards every uncommitted change of the writer.
std::string UnstorableReason(const Xapian::Document& document, std::string_view uri) {
  if (document.get_value(kUriSlot) != uri) return "its stored uri is not the item's";
  const std::string unique = UniqueTerm(uri);
  bool has_unique = false;
  uint64_t length = 0;  // the document length Xapian keeps, a termcount
  for (auto it = document.termlist_begin(); it != document.termlist_end(); ++it) {
    const std::string term = *it;
    if (term.empty() || term.size() > kMaxTermBytes) {
      return "it has a term of " + std::to_string(term.size()) + " bytes";
    }
    has_unique |= term == unique;
    length += it.get_wdf();
  }
  if (!has_unique) return "it lacks the item's identifying term";
  if (length > std::numeric_limits<Xapian::termcount>::max()) {
    return "its term frequencies add up to more than Xapian counts";
  }
  return "";
}

base::Status EmptyUriError() {
  return base::InvalidArgument("index item: the uri is empty; every item needs a documentId");
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

// The field slots of the other source indexes beside `dir` (the same organization's), as far as
// they can be read: an index that is missing, being created or unreadable is skipped.
std::vector<FieldSlots> SiblingFieldSlots(const std::filesystem::path& dir) {
  std::vector<FieldSlots> siblings;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir.parent_path(), ec)) {
    if (entry.path() == dir || !entry.is_directory(ec)) continue;
    try {
      auto slots = DecodeFieldSlots(
          Xapian::Database(entry.path().string()).get_metadata(std::string(kFieldSlotsKey)));
      if (slots.ok()) siblings.push_back(std::move(slots).value());
    } catch (const Xapian::Error&) {
      // Not an index (or not yet one): it has no slots to agree with.
    }
  }
  return siblings;
}

}  // namespace

struct PreparedDocument::Impl {
  Xapian::Document document;
};

PreparedDocument::PreparedDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

base::Result<PreparedDocument> PreparedDocument::Build(const IndexDocument& document) {
  if (document.uri.empty()) return EmptyUriError();
  std::unique_ptr<Impl> impl;
  SLUICE_RETURN_IF_ERROR(CallXapian("index item " + document.uri, [&] {
    impl = std::make_unique<Impl>(Impl{BuildXapianDocument(document)});
    return base::Status::Ok();
  }));
  return PreparedDocument(std::move(impl));
}
base::Result<std::string> PreparedDocument::Serialise() const {
  std::string bytes;
  SLUICE_RETURN_IF_ERROR(CallXapian("serialise item", [&] {
    bytes = impl_->document.serialise();
    return base::Status::Ok();
  }));
  return bytes;
}

base::Result<PreparedDocument> PreparedDocument::Unserialise(std::string_view bytes,
                                                             std::string_view uri) {
  const std::string context = "read the prepared document of item " + std::string(uri);
  std::unique_ptr<Impl> impl;
  SLUICE_RETURN_IF_ERROR(CallXapian(context, [&] {
    Xapian::Document document;
    try {
      document = Xapian::Document::unserialise(std::string(bytes));
    } catch (const Xapian::Error& error) {
      // SerialisationError for truncated or garbled bytes, InvalidArgumentError for an empty
      // term: either way the bytes are not a document Serialise() wrote.
      return base::DataLoss(context + ": not a serialised Xapian document: " + error.get_type() +
                            ": " + error.get_msg());
    }
    if (std::string reason = UnstorableReason(document, uri); !reason.empty()) {
      return base::DataLoss(context + ": the document cannot be this item's: " + reason);
    }
    RemoveFieldValues(document);
    impl = std::make_unique<Impl>(Impl{std::move(document)});
    return base::Status::Ok();
  }));
  return PreparedDocument(std::move(impl));
}

PreparedDocument::PreparedDocument(PreparedDocument&& other) noexcept = default;
PreparedDocument& PreparedDocument::operator=(PreparedDocument&& other) noexcept = default;
PreparedDocument::~PreparedDocument() = default;

struct IndexWriter::Impl {
  std::filesystem::path dir;
  Xapian::WritableDatabase db;
  FieldSlots field_slots;  // as stored under kFieldSlotsKey
  CommitGate* gate = nullptr;

  // Commits (Xapian's close() commits too) while `gate`'s readers let it. Call inside CallXapian.
  template <typename Write>
  void Commit(Write&& write) {
    std::shared_lock<std::shared_mutex> committing;
    if (gate != nullptr) committing = gate->Committing();
    write();
  }
  // Gives each numeric or date field of `item` that has a value of its kind a slot, first use
  // first served. Call inside CallXapian.
  void AssignSlots(const IndexDocument& item);
  // The slot for a name this index has none for yet.
  uint32_t NewSlot(std::string_view name) const;
};

void IndexWriter::Impl::AssignSlots(const IndexDocument& item) {
  bool changed = false;
  bool added = false;
  for (const auto& [name, values] : item.metadata) {
    const FieldKind kind = KindOf(item, name);
    // The fixed slots of date, size and indexeddate already serve those names.
    if (!IsNumericKind(kind) || BuiltinFieldSlot(name) || !FirstNumber(values, kind)) continue;
    auto existing = field_slots.find(name);
    if (existing != field_slots.end()) {
      // The catalog changed the field's type: its values are read the new way from now on.
      changed |= existing->second.kind != kind;
      existing->second.kind = kind;
      continue;
    }
    field_slots.emplace(name, FieldSlot{NewSlot(name), kind});
    changed = added = true;
  }
  if (!changed) return;
  db.set_metadata(std::string(kFieldSlotsKey), EncodeFieldSlots(field_slots));
  // Search reads all of an organization's source indexes as one, so a field must have the same
  // slot in each; NewSlot looks at the other indexes' committed slots, hence the commit. It
  // makes this writer's earlier changes durable sooner than Commit() would, which is harmless:
  // replaying those operations re-applies them identically. It happens once per new field.
  if (added) Commit([&] { db.commit(); });
}

uint32_t IndexWriter::Impl::NewSlot(std::string_view name) const {
  const std::vector<FieldSlots> siblings = SiblingFieldSlots(dir);
  std::set<uint32_t> taken;
  for (const auto& [own_name, slot] : field_slots) taken.insert(slot.slot);
  for (const FieldSlots& sibling : siblings) {
    auto same = sibling.find(name);
    if (same != sibling.end() && !taken.contains(same->second.slot)) return same->second.slot;
  }
  for (const FieldSlots& sibling : siblings) {
    for (const auto& [other_name, slot] : sibling) taken.insert(slot.slot);
  }
  uint32_t slot = kFirstFieldSlot;
  while (taken.contains(slot)) ++slot;
  return slot;
}

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IndexWriter::~IndexWriter() {
  try {
    impl_->Commit([&] { impl_->db.close(); });
  } catch (const Xapian::Error&) {
    // Nothing durable is lost: the journal still holds every operation since the last Commit().
  }
}

base::Result<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::filesystem::path& dir,
                                                             CommitGate* gate) {
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir).WithContext("create index directory"));
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->gate = gate;
  SLUICE_RETURN_IF_ERROR(CallXapian("open index " + dir.string() + " for writing", [&] {
    impl->db = Xapian::WritableDatabase(dir.string(), Xapian::DB_CREATE_OR_OPEN);
    SLUICE_ASSIGN_OR_RETURN(impl->field_slots,
                            DecodeFieldSlots(impl->db.get_metadata(std::string(kFieldSlotsKey))));
    return base::Status::Ok();
  }));
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

base::Status IndexWriter::Put(const IndexDocument& document) {
  SLUICE_ASSIGN_OR_RETURN(PreparedDocument prepared, PreparedDocument::Build(document));
  return Put(document, prepared);
}

base::Status IndexWriter::Put(const IndexDocument& document, PreparedDocument& prepared) {
  if (document.uri.empty()) return EmptyUriError();
  return CallXapian("index item " + document.uri, [&] {
    impl_->AssignSlots(document);
    Xapian::Document& built = prepared.impl_->document;
    // A document stored before, by this or another writer, carries the slots of that time.
    RemoveFieldValues(built);
    AddFieldValues(document, impl_->field_slots, built);
    impl_->db.replace_document(UniqueTerm(document.uri), built);
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
    impl_->Commit([&] { impl_->db.commit(); });
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
