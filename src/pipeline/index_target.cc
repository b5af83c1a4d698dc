#include "pipeline/index_target.h"

#include <vector>

#include "index/index_change.h"

namespace sluice::pipeline {
namespace {

class LocalSource final : public SourceIndex {
 public:
  explicit LocalSource(index::IndexWriter& writer) : writer_(writer) {}

  base::Status Put(const index::IndexDocument& document,
                   index::PreparedDocument* prepared) override {
    return prepared != nullptr ? writer_.Put(document, *prepared) : writer_.Put(document);
  }
  base::Status Delete(std::string_view uri) override { return writer_.Delete(uri); }
  base::Status DeleteWithChildren(std::string_view uri) override {
    return writer_.DeleteWithChildren(uri).status();
  }

 private:
  index::IndexWriter& writer_;
};

class Local final : public IndexTarget {
 public:
  Local(std::filesystem::path index_root, index::CommitGate* gate)
      : writers_(std::move(index_root), gate) {}

  base::Result<SourceIndex*> Source(const std::string& organization_id,
                                    const std::string& source_id) override {
    SLUICE_ASSIGN_OR_RETURN(index::IndexWriter * writer,
                            writers_.Writer(organization_id, source_id));
    auto& source = sources_[writer];
    if (!source) source = std::make_unique<LocalSource>(*writer);
    return source.get();
  }

  base::Status Commit(store::AppliedBatch& /*batch*/) override { return writers_.Commit(); }

  void Reset() override {
    sources_.clear();
    writers_.Reset();
  }

 private:
  LocalWriters writers_;
  std::map<index::IndexWriter*, std::unique_ptr<LocalSource>> sources_;
};

class SharedSource final : public SourceIndex {
 public:
  SharedSource(std::string organization_id, std::string source_id,
               std::vector<store::IndexChange>& out)
      : organization_id_(std::move(organization_id)), source_id_(std::move(source_id)), out_(out) {}

  base::Status Put(const index::IndexDocument& document,
                   index::PreparedDocument* prepared) override {
    std::optional<index::PreparedDocument> built;
    if (prepared == nullptr) {
      SLUICE_ASSIGN_OR_RETURN(built, index::PreparedDocument::Build(document));
      prepared = &*built;
    }
    SLUICE_ASSIGN_OR_RETURN(std::string encoded, index::EncodePut(document, *prepared));
    Add(store::IndexChangeKind::kPut, document.uri, std::move(encoded));
    return base::Status::Ok();
  }
  base::Status Delete(std::string_view uri) override {
    Add(store::IndexChangeKind::kDelete, uri, "");
    return base::Status::Ok();
  }
  base::Status DeleteWithChildren(std::string_view uri) override {
    Add(store::IndexChangeKind::kDeleteWithChildren, uri, "");
    return base::Status::Ok();
  }

 private:
  void Add(store::IndexChangeKind kind, std::string_view uri, std::string encoded) {
    store::IndexChange change;
    change.organization_id = organization_id_;
    change.source_id = source_id_;
    change.kind = kind;
    change.uri = std::string(uri);
    change.encoded = std::move(encoded);
    out_.push_back(std::move(change));
  }

  std::string organization_id_;
  std::string source_id_;
  std::vector<store::IndexChange>& out_;
};

class Shared final : public IndexTarget {
 public:
  base::Result<SourceIndex*> Source(const std::string& organization_id,
                                    const std::string& source_id) override {
    const std::string key = organization_id + "/" + source_id;
    auto it = sources_.find(key);
    if (it == sources_.end()) {
      it = sources_
               .emplace(key, std::make_unique<SharedSource>(organization_id, source_id, pending_))
               .first;
    }
    return it->second.get();
  }

  base::Status Commit(store::AppliedBatch& batch) override {
    batch.index_changes = std::move(pending_);
    pending_.clear();
    return base::Status::Ok();
  }

  void Reset() override { pending_.clear(); }

 private:
  std::vector<store::IndexChange> pending_;
  std::map<std::string, std::unique_ptr<SharedSource>> sources_;
};

}  // namespace

base::Result<index::IndexWriter*> LocalWriters::Writer(const std::string& organization_id,
                                                       const std::string& source_id) {
  const std::string key = organization_id + "/" + source_id;
  auto it = writers_.find(key);
  if (it == writers_.end()) {
    SLUICE_ASSIGN_OR_RETURN(
        auto writer,
        index::IndexWriter::Open(SourceIndexDir(index_root_, organization_id, source_id), gate_));
    it = writers_.emplace(key, std::move(writer)).first;
  }
  touched_.insert(it->second.get());
  return it->second.get();
}

base::Status LocalWriters::Commit() {
  for (index::IndexWriter* writer : touched_) SLUICE_RETURN_IF_ERROR(writer->Commit());
  touched_.clear();
  return base::Status::Ok();
}

void LocalWriters::Reset() {
  touched_.clear();
  writers_.clear();
}

std::filesystem::path SourceIndexDir(const std::filesystem::path& index_root,
                                     const std::string& organization_id,
                                     const std::string& source_id) {
  return index_root / organization_id / source_id;
}

std::unique_ptr<IndexTarget> LocalIndexTarget(std::filesystem::path index_root,
                                              index::CommitGate* gate) {
  return std::make_unique<Local>(std::move(index_root), gate);
}

std::unique_ptr<IndexTarget> SharedIndexTarget() { return std::make_unique<Shared>(); }

}  // namespace sluice::pipeline
