// Reads a batch file — {"addOrUpdate": [...], "delete": [...]}, keys in any
// case — item by item as its bytes arrive, so a 256 MB batch never needs its
// whole DOM in memory: only the item being read is held.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <boost/json/value.hpp>

#include "base/status.h"

namespace sluice::document {

enum class BatchSection { kAddOrUpdate, kDelete, kPartialUpdate };

class BatchReader {
 public:
  // Called for each element of addOrUpdate and delete, keys lower-cased; a
  // failed Status stops the reading and is returned by Write or Finish.
  using OnItem = std::function<base::Status(BatchSection section, boost::json::value item)>;

  explicit BatchReader(OnItem on_item);
  ~BatchReader();
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  base::Status Write(std::string_view chunk);
  // InvalidArgument when the JSON is incomplete or not a batch object.
  base::Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::document
