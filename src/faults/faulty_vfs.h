// A SQLite VFS that is the default one, except where the FaultPlan says a
// write or an fsync fails: SQLite sees SQLITE_FULL, SQLITE_IOERR_WRITE or
// SQLITE_IOERR_FSYNC exactly as it would from a failing disk.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "faults/fault_plan.h"

struct sqlite3_vfs;

namespace sluice::faults {

class FaultyVfs {
 public:
  // Registers the VFS under `name` (not as the default); the plan must outlive it.
  static base::Result<std::unique_ptr<FaultyVfs>> Register(std::string name, FaultPlan& plan);
  // Unregisters it: every connection that uses it must be closed by then.
  ~FaultyVfs();
  FaultyVfs(const FaultyVfs&) = delete;
  FaultyVfs& operator=(const FaultyVfs&) = delete;

  const std::string& name() const { return name_; }
  FaultPlan& plan() { return plan_; }
  sqlite3_vfs* real() { return real_; }

 private:
  FaultyVfs(std::string name, FaultPlan& plan, sqlite3_vfs* real);

  std::string name_;
  FaultPlan& plan_;
  sqlite3_vfs* real_;
  std::unique_ptr<sqlite3_vfs> vfs_;
};

}  // namespace sluice::faults
