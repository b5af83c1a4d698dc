// The state store: organizations, sources, API keys, index fields, file
// containers, the operation journal, the item table and the item log. This is the seam between
// the embedded default (SQLite) and a shared database for scale-out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace sluice::store {

struct Source {
  std::string organization_id;
  std::string id;
  std::string name;
  std::string type = "PUSH";
  int64_t created_ms = 0;
  std::string status = "IDLE";         // the open activity: REBUILD, REFRESH, INCREMENTAL or IDLE
  std::string visibility = "SECURED";  // PRIVATE, SECURED or SHARED, as Coveo's sourceVisibility
};

struct ApiKey {
  std::string id;
  std::string organization_id;
  std::string key_hash;                 // SHA-256 hex; the key itself is never stored
  std::vector<std::string> privileges;  // e.g. "push", "search", "fields", "admin"
  int64_t created_ms = 0;
  std::string display_name = "";
  std::vector<std::string> source_ids = {};  // empty: every source of the organization
};

// A typed index field; fields are index-wide, one set per organization.
struct Field {
  std::string organization_id;
  std::string name;             // ^[a-z][a-z0-9_]{0,254}$
  std::string type = "STRING";  // STRING, LONG, LONG_64, DOUBLE, DATE or VECTOR
  bool facet = false;
  bool multi_value_facet = false;
  bool sort = false;
  bool include_in_query = true;
  bool include_in_results = true;
  bool merge_with_lexicon = false;
  std::string description = "";
  std::string label = "";
  std::string options_json = "{}";  // the other FieldModel options, a JSON object kept as sent
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct FileContainer {
  std::string file_id;
  std::string organization_id;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::optional<int64_t> uploaded_ms;
  uint64_t size = 0;
  std::string sha256_hex;
  std::optional<int64_t> consumed_ms;
};

// A security identity of one provider (Push API §5): a user, group or virtual
// group with its members, or an alias that maps it onto other providers' identities.
struct SecurityIdentity {
  std::string organization_id;
  std::string provider_id;
  std::string name;
  std::string type;              // USER, GROUP, VIRTUAL_GROUP or UNKNOWN
  bool alias = false;            // pushed to /mappings rather than /permissions
  std::string body_json = "{}";  // canonical: additionalInfo, members, wellKnowns, mappings
  uint64_t ordering_id = 0;
  bool disabled = false;  // deleted identities stay as tombstones, like items
  int64_t updated_ms = 0;
};

// A catalog source's stream (Stream API): open, chunks, close = a full rebuild.
struct Stream {
  std::string id;
  std::string organization_id;
  std::string source_id;
  uint64_t ordering_id = 0;  // every item of the stream gets it; older ones go on close
  int64_t opened_ms = 0;
  std::optional<int64_t> closed_ms;
};

// kBatch is a batch file in a container; the pipeline turns it into one
// journaled operation per item (kMerge for the items of a merge batch, which
// change only the fields they name).
enum class OperationKind {
  kAddOrUpdate,
  kDelete,
  kDeleteWithChildren,
  kDeleteOlderThan,
  kBatch,
  kMerge
};
std::string_view OperationKindName(OperationKind kind);

// One accepted Push API call, journaled before it is acknowledged.
struct Operation {
  int64_t seq = 0;  // assigned by the journal
  std::string organization_id;
  std::string source_id;
  OperationKind kind = OperationKind::kAddOrUpdate;
  std::string document_id;
  uint64_t ordering_id = 0;
  std::string payload;  // the item's JSON body, canonicalised
  int64_t received_ms = 0;
  std::string request_id;
  int attempts = 0;
  // A batch: how many entries of its file are journaled already, so that expanding it again
  // (after a crash, or on another node) journals only the rest.
  uint64_t expanded = 0;
};

enum class ItemState { kIndexed, kFailed, kDeleted };
std::string_view ItemStateName(ItemState state);

struct Item {
  std::string organization_id;
  std::string source_id;
  std::string uri;
  uint64_t ordering_id = 0;
  ItemState state = ItemState::kIndexed;
  std::string title;
  std::string file_type;
  uint64_t size = 0;
  int64_t indexed_ms = 0;
  std::string reason;  // why it failed; empty otherwise
  int64_t op_seq = 0;  // the journaled operation this version came from
};

struct LogEntry {
  int64_t id = 0;
  int64_t datetime_ms = 0;
  std::string organization_id;
  std::string source_id;
  std::string document_id;
  std::string operation;  // ADD, ADD_BY_REFERENCE, DELETE, DELETE_AND_CHILDREN, ...
  std::string task;       // CONSUMING, PROCESSING, INDEXING, ...
  std::string result;     // COMPLETED, WARNING, SKIPPED, REJECTED, ERROR
  std::string reason;
  std::string request_id;
};

// One dimension of a log filter: only `include` values when it is not empty, never `exclude` ones.
struct LogFilter {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

enum class DocumentIdMatching { kExact, kPartial, kWildcard };  // wildcard: '*' matches any run

struct LogQuery {
  std::string organization_id;
  LogFilter sources;
  LogFilter operations;
  LogFilter results;
  LogFilter tasks;
  std::optional<std::string> document_id;
  DocumentIdMatching document_id_matching = DocumentIdMatching::kExact;
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // inclusive
  uint32_t offset = 0;
  uint32_t limit = 100;
};

struct ItemCounts {
  uint64_t indexed = 0;
  uint64_t failed = 0;
};

enum class IndexChangeKind { kPut = 1, kDelete = 2, kDeleteWithChildren = 3 };

// A change one node's applier made to a source's index, kept in the shared state so that every
// node applies it to its own index (a cluster): the index is a projection of these, in seq order.
struct IndexChange {
  int64_t seq = 0;  // assigned on commit; commit order
  std::string organization_id;
  std::string source_id;
  IndexChangeKind kind = IndexChangeKind::kPut;
  std::string uri;
  std::string encoded;  // kPut: the document, as index::EncodePut wrote it
};

// What the pipeline writes, atomically, after it applied a batch to the index.
struct AppliedBatch {
  std::vector<int64_t> completed_seqs;
  std::vector<Item> items;  // upserted (deleted items become tombstones)
  std::vector<LogEntry> logs;
  std::vector<std::string> consumed_file_ids;
  std::vector<IndexChange> index_changes;  // a cluster's; empty on a single node
};

// Held while one node of a cluster applies a batch; released when destroyed (or when the node
// dies and its database session ends).
class ApplyLock {
 public:
  virtual ~ApplyLock() = default;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Catalog.
  virtual base::Status EnsureOrganization(const std::string& id, int64_t now_ms) = 0;
  virtual base::Result<bool> OrganizationExists(const std::string& id) = 0;
  virtual base::Status CreateSource(const Source& source) = 0;
  virtual base::Result<std::optional<Source>> GetSource(const std::string& org,
                                                        const std::string& id) = 0;
  virtual base::Result<std::vector<Source>> ListSources(const std::string& org) = 0;
  // Removes the source from the catalog (NotFound when absent). Its items, journal entries,
  // logs and index stay on disk; API keys scoped to it keep the scope, so they never widen.
  virtual base::Status DeleteSource(const std::string& org, const std::string& id) = 0;
  // Closes the open activity, if any, and opens one for `status` unless it is IDLE.
  virtual base::Status SetSourceStatus(const std::string& org, const std::string& source,
                                       const std::string& status, int64_t now_ms) = 0;
  virtual base::Status PutApiKey(const ApiKey& key) = 0;
  virtual base::Result<std::optional<ApiKey>> FindApiKeyByHash(const std::string& key_hash) = 0;
  virtual base::Result<uint64_t> CountApiKeys() = 0;
  // The organization's keys, oldest first.
  virtual base::Result<std::vector<ApiKey>> ListApiKeys(const std::string& org) = 0;
  virtual base::Status DeleteApiKey(const std::string& org, const std::string& id) = 0;

  // Fields. Batch calls change all of the fields or none: CreateFields fails with
  // AlreadyExists naming the first field that exists (or repeats within the batch),
  // UpdateFields and DeleteFields with NotFound naming the first that does not exist.
  virtual base::Status CreateFields(const std::vector<Field>& fields) = 0;
  virtual base::Status UpdateFields(const std::vector<Field>& fields) = 0;
  virtual base::Status DeleteFields(const std::string& org,
                                    const std::vector<std::string>& names) = 0;
  virtual base::Result<std::optional<Field>> GetField(const std::string& org,
                                                      const std::string& name) = 0;
  // Every field of the organization, ordered by name.
  virtual base::Result<std::vector<Field>> ListFields(const std::string& org) = 0;
  // Changes whenever this store creates, updates or deletes a field, so readers of the
  // catalog can keep a copy and know when it is stale.
  virtual uint64_t FieldCatalogVersion() const = 0;

  // File containers.
  virtual base::Status CreateFileContainer(const FileContainer& container) = 0;
  virtual base::Result<std::optional<FileContainer>> GetFileContainer(const std::string& id) = 0;
  virtual base::Status MarkFileUploaded(const std::string& id, int64_t now_ms, uint64_t size,
                                        const std::string& sha256_hex) = 0;

  // Security identities. Put applies each change whose orderingId is not older than the
  // stored one (a disable is a change too) and returns how many it applied; all or none.
  virtual base::Result<uint64_t> PutSecurityIdentities(
      const std::vector<SecurityIdentity>& changes) = 0;
  // Disables the provider's identities last updated with an orderingId below `ordering_id`.
  virtual base::Result<uint64_t> DisableSecurityIdentitiesOlderThan(const std::string& org,
                                                                    const std::string& provider,
                                                                    uint64_t ordering_id,
                                                                    int64_t now_ms) = 0;
  // The organization's identities (of one provider unless `provider` is empty), by provider
  // and name; disabled ones too.
  virtual base::Result<std::vector<SecurityIdentity>> ListSecurityIdentities(
      const std::string& org, const std::string& provider, uint32_t offset, uint32_t limit) = 0;

  // Streams. CloseStream marks the stream closed and journals `ops` in one transaction;
  // FailedPrecondition when it is already closed.
  virtual base::Status CreateStream(const Stream& stream) = 0;
  virtual base::Result<std::optional<Stream>> GetStream(const std::string& id) = 0;
  virtual base::Status AddStreamChunk(const std::string& stream_id, const std::string& file_id) = 0;
  // The stream's chunk containers, in the order they were handed out.
  virtual base::Result<std::vector<std::string>> StreamChunks(const std::string& stream_id) = 0;
  virtual base::Status CloseStream(const std::string& stream_id, int64_t now_ms,
                                   std::vector<Operation>& ops) = 0;

  // Journal: durable when Append returns.
  virtual base::Status AppendOperations(std::vector<Operation>& ops) = 0;
  // Journals a batch's next items and records, in the same transaction, that the first
  // `expanded` entries of the batch's file are now journaled (see Operation::expanded).
  virtual base::Status AppendBatchItems(int64_t batch_seq, uint64_t expanded,
                                        std::vector<Operation>& ops) = 0;
  virtual base::Result<std::vector<Operation>> PendingOperations(int64_t after_seq,
                                                                 uint32_t limit) = 0;
  virtual base::Status RecordAttempt(int64_t seq) = 0;
  // One journaled operation, done or not; nullopt when there is none with this seq.
  virtual base::Result<std::optional<Operation>> GetOperation(int64_t seq) = 0;
  virtual base::Result<uint64_t> PendingCount() = 0;
  // When the oldest operation not yet applied was received (0: none is pending).
  virtual base::Result<int64_t> OldestPendingReceivedMs() = 0;

  // Items and logs.
  virtual base::Result<std::optional<Item>> GetItem(const std::string& org,
                                                    const std::string& source,
                                                    const std::string& uri) = 0;
  // Items whose uri is `uri` or starts with `uri + "/"`, not yet deleted.
  virtual base::Result<std::vector<Item>> ItemsWithPrefix(const std::string& org,
                                                          const std::string& source,
                                                          const std::string& uri) = 0;
  // Items not yet deleted whose orderingId is below `ordering_id`.
  virtual base::Result<std::vector<Item>> ItemsOlderThan(const std::string& org,
                                                         const std::string& source,
                                                         uint64_t ordering_id) = 0;
  virtual base::Result<std::vector<Item>> ListItems(const std::string& org,
                                                    const std::string& source, uint32_t offset,
                                                    uint32_t limit) = 0;
  virtual base::Result<ItemCounts> CountItems(const std::string& org,
                                              const std::string& source) = 0;
  virtual base::Status CommitApplied(const AppliedBatch& batch, int64_t now_ms) = 0;
  virtual base::Status AppendLogs(const std::vector<LogEntry>& logs) = 0;
  // Writes a consistent snapshot of the whole state into a new database file at `file`,
  // while the store goes on serving.
  virtual base::Status BackupTo(const std::filesystem::path& file) = 0;
  virtual base::Result<std::vector<LogEntry>> QueryLogs(const LogQuery& query) = 0;

  // Scale-out: several nodes sharing this state. The embedded store is one node's, so it
  // answers these with FailedPrecondition.
  //
  // Claims for `node_id` up to `limit` pending operations, oldest first, that no live node holds
  // (a node is live when its last heartbeat is younger than node_timeout_ms), and records the
  // node's heartbeat. Claimed operations are skipped by other nodes' claims until done.
  virtual base::Result<std::vector<Operation>> ClaimOperations(const std::string& node_id,
                                                               int64_t now_ms,
                                                               int64_t node_timeout_ms,
                                                               uint32_t limit) {
    (void)node_id, (void)now_ms, (void)node_timeout_ms, (void)limit;
    return ClusterOnly();
  }
  // Records that `node_id` is alive at now_ms, so that its claims stay its own.
  virtual base::Status Heartbeat(const std::string& node_id, int64_t now_ms) {
    (void)node_id, (void)now_ms;
    return ClusterOnly();
  }
  // Gives up the node's claims on operations not done yet (a node that stops).
  virtual base::Status ReleaseClaims(const std::string& node_id) {
    (void)node_id;
    return ClusterOnly();
  }
  // Index changes committed with CommitApplied, with seq > after_seq, in seq order.
  virtual base::Result<std::vector<IndexChange>> IndexChangesAfter(int64_t after_seq,
                                                                   uint32_t limit) {
    (void)after_seq, (void)limit;
    return ClusterOnly();
  }
  // Waits until no other node applies, and keeps them out until the lock is destroyed.
  virtual base::Result<std::unique_ptr<ApplyLock>> LockApplying() { return ClusterOnly(); }
  // The value of a secret every node must share (the key that signs search tokens, ...):
  // the stored one, or `candidate`, stored now, when there is none yet.
  virtual base::Result<std::string> SharedSecret(const std::string& name,
                                                 const std::string& candidate) {
    (void)name, (void)candidate;
    return ClusterOnly();
  }

 private:
  static base::Status ClusterOnly() {
    return base::FailedPrecondition("only a shared (PostgreSQL) state serves several nodes");
  }
};

// The embedded default: one SQLite file in WAL mode with synchronous=FULL.
// `vfs` names a registered SQLite VFS (empty: the default one; tests inject faults).
base::Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::filesystem::path& file,
                                                               const std::string& vfs = "");

// The shared state of several Sluice nodes: a PostgreSQL database named by a libpq connection
// URI (postgres://user:password@host:port/database). Brings its schema up to date on open;
// Unavailable when the server cannot be reached, FailedPrecondition when a newer Sluice already
// upgraded the schema. BackupTo is refused: such a state is backed up with pg_dump.
base::Result<std::unique_ptr<StateStore>> OpenPostgresStateStore(const std::string& uri);

// The blob key under which a file container's bytes are stored.
std::string ContainerBlobKey(std::string_view file_id);

// uint64 orderingIds stored in a signed 64-bit column keep their order this way.
int64_t OrderingKey(uint64_t ordering_id);
uint64_t OrderingIdFromKey(int64_t key);

}  // namespace sluice::store
