#include "faults/faulty_vfs.h"

#include <cerrno>

#include <sqlite3.h>

namespace sluice::faults {
namespace {

// SQLite allocates szOsFile bytes per open file: this header, then the default
// VFS's own file object, to which every call is forwarded.
struct FaultyFile {
  sqlite3_file base;
  FaultPlan* plan;
  const char* path;  // SQLite keeps the name valid until xClose
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(FaultyFile) % 8 == 0, "the real file object must stay aligned");

FaultyFile* Cast(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Cast(f)->real(); }
const sqlite3_io_methods& RealMethods(sqlite3_file* f) { return *Real(f)->pMethods; }

int Close(sqlite3_file* f) { return RealMethods(f).xClose(Real(f)); }

int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
  return RealMethods(f).xRead(Real(f), out, n, offset);
}

int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  if (int error = Cast(f)->plan->WriteError(Cast(f)->path)) {
    return error == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
  }
  return RealMethods(f).xWrite(Real(f), data, n, offset);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return RealMethods(f).xTruncate(Real(f), size);
}

int Sync(sqlite3_file* f, int flags) {
  if (Cast(f)->plan->SyncError(Cast(f)->path) != 0) return SQLITE_IOERR_FSYNC;
  return RealMethods(f).xSync(Real(f), flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return RealMethods(f).xFileSize(Real(f), size);
}

int Lock(sqlite3_file* f, int level) { return RealMethods(f).xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return RealMethods(f).xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return RealMethods(f).xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return RealMethods(f).xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return RealMethods(f).xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return RealMethods(f).xDeviceCharacteristics(Real(f));
}

// Shared memory (the WAL index) and memory mapping exist only from version 2
// and 3 of the methods; without them SQLite must not think we offer them.
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  if (RealMethods(f).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return RealMethods(f).xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  if (RealMethods(f).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return RealMethods(f).xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  if (RealMethods(f).iVersion >= 2) RealMethods(f).xShmBarrier(Real(f));
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  if (RealMethods(f).iVersion < 2) return SQLITE_OK;
  return RealMethods(f).xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  *out = nullptr;
  if (RealMethods(f).iVersion < 3) return SQLITE_OK;
  return RealMethods(f).xFetch(Real(f), offset, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  if (RealMethods(f).iVersion < 3) return SQLITE_OK;
  return RealMethods(f).xUnfetch(Real(f), offset, p);
}

constexpr sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* self = static_cast<FaultyVfs*>(vfs->pAppData);
  FaultyFile* f = Cast(file);
  f->base.pMethods = nullptr;  // SQLite calls no method of a file that failed to open
  int rc = self->real()->xOpen(self->real(), name, f->real(), flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  f->base.pMethods = &kMethods;
  f->plan = &self->plan();
  f->path = name != nullptr ? name : "";
  return SQLITE_OK;
}

}  // namespace

FaultyVfs::FaultyVfs(std::string name, FaultPlan& plan, sqlite3_vfs* real)
    : name_(std::move(name)), plan_(plan), real_(real), vfs_(std::make_unique<sqlite3_vfs>(*real)) {
  vfs_->zName = name_.c_str();
  vfs_->szOsFile = static_cast<int>(sizeof(FaultyFile)) + real->szOsFile;
  vfs_->pAppData = this;
  vfs_->pNext = nullptr;
  vfs_->xOpen = Open;
}

base::Result<std::unique_ptr<FaultyVfs>> FaultyVfs::Register(std::string name, FaultPlan& plan) {
  if (sqlite3_initialize() != SQLITE_OK) return base::Internal("sqlite3_initialize failed");
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  if (real == nullptr) return base::Internal("SQLite has no default VFS");
  std::unique_ptr<FaultyVfs> vfs(new FaultyVfs(std::move(name), plan, real));
  if (sqlite3_vfs_register(vfs->vfs_.get(), 0) != SQLITE_OK) {
    return base::Internal("cannot register the SQLite VFS '" + vfs->name_ + "'");
  }
  return vfs;
}

FaultyVfs::~FaultyVfs() { sqlite3_vfs_unregister(vfs_.get()); }

}  // namespace sluice::faults
