// Zip archives for the extract tests, written with libzip into temporary files.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <zip.h>

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace sluice::extract::testing_util {

struct ZipEntry {
  std::string name;
  std::string data;
  bool stored = false;  // kept uncompressed (ODF's "mimetype")
};

// A new, empty temporary file's path.
inline std::string NewTempPath() {
  std::string path = ::testing::TempDir() + "sluice_zip_XXXXXX";
  const int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0) << "mkstemp " << path;
  if (fd >= 0) close(fd);
  return path;
}

// The whole content of the file open at `fd`, from its start.
inline std::string ReadAll(int fd) {
  std::string bytes;
  char buffer[1 << 16];
  for (off_t at = 0;;) {
    const ssize_t n = pread(fd, buffer, sizeof(buffer), at);
    EXPECT_GE(n, 0);
    if (n <= 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(n));
    at += n;
  }
}

// A temporary file holding `bytes`, open for reading. It is already unlinked: closing the
// descriptor leaves nothing behind.
inline base::UniqueFd FileWith(std::string_view bytes) {
  const std::string path = NewTempPath();
  base::UniqueFd fd(open(path.c_str(), O_RDWR | O_TRUNC | O_CLOEXEC));
  EXPECT_TRUE(fd.valid()) << path;
  unlink(path.c_str());
  for (size_t at = 0; fd.valid() && at < bytes.size();) {
    const ssize_t n = write(fd.get(), bytes.data() + at, bytes.size() - at);
    EXPECT_GT(n, 0);
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  return fd;
}

// A zip archive of `entries` (deflated unless `stored`, in that order) written by libzip
// from zip_source_buffer sources, open for reading; already unlinked.
inline base::UniqueFd ZipFile(const std::vector<ZipEntry>& entries) {
  const std::string path = NewTempPath();
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(zip, nullptr) << "zip_open error " << error;
  if (zip == nullptr) return base::UniqueFd();
  for (const ZipEntry& entry : entries) {
    // The buffers must live until zip_close, which reads them: `entries` does.
    zip_source_t* source = zip_source_buffer(zip, entry.data.data(), entry.data.size(), 0);
    const zip_int64_t index =
        source == nullptr ? -1 : zip_file_add(zip, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    EXPECT_GE(index, 0) << entry.name << ": " << zip_strerror(zip);
    if (index < 0) {
      zip_source_free(source);
      continue;
    }
    if (entry.stored) {
      EXPECT_EQ(zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0),
                0);
    }
  }
  if (zip_close(zip) != 0) {
    ADD_FAILURE() << "zip_close: " << zip_strerror(zip);
    zip_discard(zip);
    return base::UniqueFd();
  }
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd.valid()) << path;
  unlink(path.c_str());
  return fd;
}

// The bytes of that archive, to damage them.
inline std::string ZipBytes(const std::vector<ZipEntry>& entries) {
  const base::UniqueFd fd = ZipFile(entries);
  return fd.valid() ? ReadAll(fd.get()) : std::string();
}

}  // namespace sluice::extract::testing_util
