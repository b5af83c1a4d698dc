#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "base/fs.h"
#include "faults/fault_plan.h"
#include "faults/faulty_fs.h"
#include "faults/faulty_vfs.h"

namespace sluice::faults {
namespace {

namespace fs = std::filesystem;

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-faults-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  FaultPlan plan_;
};

TEST_F(FaultsTest, AFullDiskFailsWritesWithStorageFullUntilCleared) {
  FaultyFs files(plan_);
  auto fd = files.Open(dir_ / "a.bin", O_WRONLY | O_CREAT, 0600);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  plan_.FailWrites(ENOSPC);
  base::Status s = files.Write(fd->get(), "abc", 3, "write a.bin");
  EXPECT_EQ(s.code(), base::StatusCode::kStorageFull) << s.ToString();
  EXPECT_EQ(*files.AvailableBytes(dir_), 0u);
  plan_.Clear();
  EXPECT_TRUE(files.Write(fd->get(), "abc", 3, "write a.bin").ok());
  EXPECT_GT(*files.AvailableBytes(dir_), 0u);
  EXPECT_EQ(plan_.injected(), 1u);
  EXPECT_EQ(fs::file_size(dir_ / "a.bin"), 3u);
}

TEST_F(FaultsTest, FaultsHitOnlyTheFilesTheirPathFragmentNames) {
  FaultyFs files(plan_);
  auto blob = files.Open(dir_ / "blob.part", O_WRONLY | O_CREAT, 0600);
  auto other = files.Open(dir_ / "other.txt", O_WRONLY | O_CREAT, 0600);
  ASSERT_TRUE(blob.ok() && other.ok());
  plan_.FailSyncs(EIO, ".part");
  base::Status failed = files.Sync(blob->get(), "fsync blob.part");
  EXPECT_EQ(failed.code(), base::StatusCode::kIoError);
  EXPECT_NE(failed.message().find("Input/output error"), std::string::npos) << failed.ToString();
  EXPECT_TRUE(files.Sync(other->get(), "fsync other.txt").ok());
  EXPECT_TRUE(files.Write(blob->get(), "x", 1, "write blob.part").ok()) << "writes were not hit";
}

class FaultyVfsTest : public FaultsTest {
 protected:
  void SetUp() override {
    FaultsTest::SetUp();
    auto vfs = FaultyVfs::Register("faults-test", plan_);
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(vfs).value();
  }
  void TearDown() override {
    Close();
    vfs_.reset();
    FaultsTest::TearDown();
  }

  void Open() {
    std::string path = (dir_ / "t.db").string();
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              "faults-test"),
              SQLITE_OK);
    sqlite3_extended_result_codes(db_, 1);
    ASSERT_EQ(Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"), SQLITE_OK);
  }
  void Close() {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
  }
  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  int64_t Count() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM t", -1, &st, nullptr);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }

  std::unique_ptr<FaultyVfs> vfs_;
  sqlite3* db_ = nullptr;
};

TEST_F(FaultyVfsTest, SqliteSeesAFullDiskAndRecoversWhenItClears) {
  Open();
  ASSERT_EQ(Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);"), SQLITE_OK);
  plan_.FailWrites(ENOSPC, "t.db");
  EXPECT_EQ(Exec("INSERT INTO t VALUES (2)"), SQLITE_FULL);
  plan_.Clear();
  EXPECT_EQ(Exec("INSERT INTO t VALUES (3)"), SQLITE_OK);
  EXPECT_EQ(Count(), 2);
}

TEST_F(FaultyVfsTest, AFailedFsyncFailsTheCommitAndEarlierCommitsSurviveAReopen) {
  Open();
  ASSERT_EQ(Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);"), SQLITE_OK);
  plan_.FailSyncs(EIO, "t.db");
  EXPECT_EQ(Exec("INSERT INTO t VALUES (2)"), SQLITE_IOERR_FSYNC);
  EXPECT_GE(plan_.injected(), 1u);
  plan_.Clear();
  Close();
  Open();
  EXPECT_GE(Count(), 1) << "the row committed before the fault is still there";
}

}  // namespace
}  // namespace sluice::faults
