// Storage faults, end to end: the whole server over real HTTP, with its blob
// writes and its state database behind the fault-injecting seams. A full disk
// answers 503 with Retry-After and heals by itself; a failed fsync stops the
// journal until a restart; nothing acknowledged before a fault is lost.
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "app/server.h"
#include "app/test_http.h"
#include "base/fs.h"
#include "faults/fault_plan.h"
#include "faults/faulty_fs.h"
#include "faults/faulty_vfs.h"

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kKey = "xx-storage-faults-key";
constexpr std::string_view kDocs = "/push/v1/organizations/local/sources/local-default/documents";

using test_http::FreePort;
using test_http::Reply;

// An exchange that presents the test's API key.
Reply Call(uint16_t port, std::string_view method, std::string_view target,
           std::string_view body = "", std::string_view extra_headers = "") {
  return test_http::Call(
      port, method, target, body,
      "Authorization: Bearer " + std::string(kKey) + "\r\n" + std::string(extra_headers));
}

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-storage-faults-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    auto vfs = faults::FaultyVfs::Register("storage-faults-test", plan_);
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(vfs).value();
    port_ = FreePort();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    server_.reset();
    vfs_.reset();
    fs::remove_all(dir_);
  }

  void StartServer() {
    ServeConfig config;
    config.data_dir = dir_;
    config.listen = "127.0.0.1:" + std::to_string(port_);
    config.api_key = std::string(kKey);
    config.ignore_queue_delay = true;
    config.min_free_bytes = 1;
    config.files = std::make_shared<faults::FaultyFs>(plan_);
    config.sqlite_vfs = vfs_->name();
    auto server = Server::Open(config);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
  }

  Reply Push(std::string_view uri, std::string_view text) {
    return Call(port_, "PUT", std::string(kDocs) + "?documentId=" + std::string(uri),
                R"({"data":")" + std::string(text) + R"("})", "Content-Type: application/json\r\n");
  }

  // Waits until the pipeline has applied everything journaled, then searches.
  int64_t CountMatches(std::string_view word) {
    for (int i = 0; i < 600; ++i) {
      Reply ready = Call(port_, "GET", "/readyz");
      if (ready.status == 200 && json::parse(ready.body).at("pendingOperations").as_int64() == 0) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Reply found = Call(port_, "GET", "/rest/search/v2?q=" + std::string(word));
    EXPECT_EQ(found.status, 200) << found.body;
    return json::parse(found.body).at("totalCount").as_int64();
  }

  // A file container's upload URI, as a path and query on this server.
  std::pair<std::string, std::string> NewContainer() {
    Reply r = Call(port_, "POST", "/push/v1/organizations/local/files", "{}",
                   "Content-Type: application/json\r\n");
    EXPECT_EQ(r.status, 201) << r.body;
    json::value v = json::parse(r.body);
    std::string uri(v.at("uploadUri").as_string());
    return {uri.substr(uri.find('/', std::string("http://").size())),
            std::string(v.at("fileId").as_string())};
  }

  // Pushes an item whose bytes are in the container `file_id`.
  Reply PushFromContainer(std::string_view uri, const std::string& file_id) {
    return Call(port_, "PUT", std::string(kDocs) + "?documentId=" + std::string(uri),
                R"({"compressedBinaryDataFileId":")" + file_id +
                    R"(","compressionType":"UNCOMPRESSED","fileExtension":".html"})",
                "Content-Type: application/json\r\n");
  }

  Reply Upload(const std::string& target, std::string_view bytes) {
    return Call(port_, "PUT", target, bytes,
                "x-amz-server-side-encryption: AES256\r\n"
                "Content-Type: application/octet-stream\r\n");
  }

  bool TempDirIsEmpty() { return fs::is_empty(dir_ / "blobs" / "tmp"); }

  // An upload refused with S3's `code`, and no partial blob left behind.
  void ExpectUploadRefused(const Reply& reply, int status, std::string_view code) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_NE(reply.body.find("<Code>" + std::string(code) + "</Code>"), std::string::npos)
        << reply.body;
    EXPECT_TRUE(TempDirIsEmpty()) << "no partial blob is left behind";
  }

  fs::path dir_;
  faults::FaultPlan plan_;
  std::unique_ptr<faults::FaultyVfs> vfs_;
  uint16_t port_ = 0;
  std::unique_ptr<Server> server_;
};

TEST_F(StorageFaultsTest, AFullDiskAnswers503WithRetryAfterAndHealsWhenSpaceReturns) {
  StartServer();
  ASSERT_EQ(Push("http://faults/before", "acknowledged aardvark").status, 202);

  plan_.FailWrites(ENOSPC, "state.db");
  Reply refused = Push("http://faults/during", "refused bandicoot");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_TRUE(refused.HasHeader("Retry-After: 30")) << refused.head;
  EXPECT_NE(refused.body.find("disk is full"), std::string::npos) << refused.body;
  Reply ready = Call(port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("bytes free"), std::string::npos) << ready.body;

  plan_.Clear();
  EXPECT_EQ(Call(port_, "GET", "/readyz").status, 200) << "ready again once space is back";
  ASSERT_EQ(Push("http://faults/after", "accepted capybara").status, 202);
  EXPECT_EQ(CountMatches("aardvark"), 1);
  EXPECT_EQ(CountMatches("capybara"), 1);
  EXPECT_EQ(CountMatches("bandicoot"), 0) << "a refused push leaves nothing behind";
  EXPECT_GE(plan_.injected(), 1u);
}

TEST_F(StorageFaultsTest, AFullDiskDuringAnUploadStoresNothingAndTheSameUriWorksLater) {
  StartServer();
  auto [target, file_id] = NewContainer();
  plan_.FailWrites(ENOSPC, ".part");
  Reply refused = Upload(target, "<html><body>uploaded dromedary</body></html>");
  ExpectUploadRefused(refused, 503, "ServiceUnavailable");
  EXPECT_TRUE(refused.HasHeader("Retry-After: 30")) << refused.head;

  plan_.Clear();
  ASSERT_EQ(Upload(target, "<html><body>uploaded dromedary</body></html>").status, 200);
  Reply pushed = PushFromContainer("http://faults/large", file_id);
  ASSERT_EQ(pushed.status, 202) << pushed.body;
  EXPECT_EQ(CountMatches("dromedary"), 1);
}

TEST_F(StorageFaultsTest, AFailingDeviceDuringAnUploadIs500AndLeavesNoObject) {
  StartServer();
  auto [target, file_id] = NewContainer();
  plan_.FailSyncs(EIO, ".part");
  ExpectUploadRefused(Upload(target, "never stored"), 500, "InternalError");
  Reply pushed = PushFromContainer("http://faults/none", file_id);
  EXPECT_EQ(pushed.status, 412) << "the container still has no content: " << pushed.body;
}

TEST_F(StorageFaultsTest, AFailedFsyncStopsTheJournalUntilRestartAndLosesNothingAcknowledged) {
  StartServer();
  ASSERT_EQ(Push("http://faults/one", "acknowledged echidna").status, 202);
  EXPECT_EQ(CountMatches("echidna"), 1);

  plan_.FailSyncs(EIO, "state.db");
  Reply failed = Push("http://faults/two", "unacknowledged ferret");
  EXPECT_EQ(failed.status, 500) << failed.body;
  plan_.Clear();
  // The device answers again, but a journal that lost an fsync cannot be trusted.
  Reply stopped = Push("http://faults/three", "refused gecko");
  EXPECT_EQ(stopped.status, 503) << stopped.body;
  EXPECT_NE(stopped.body.find("restart Sluice"), std::string::npos) << stopped.body;
  Reply ready = Call(port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("journal stopped"), std::string::npos) << ready.body;

  server_.reset();
  StartServer();
  EXPECT_EQ(Call(port_, "GET", "/readyz").status, 200);
  ASSERT_EQ(Push("http://faults/four", "acknowledged hedgehog").status, 202);
  EXPECT_EQ(CountMatches("echidna"), 1) << "acknowledged before the fault";
  EXPECT_EQ(CountMatches("hedgehog"), 1) << "acknowledged after the restart";
  EXPECT_EQ(CountMatches("gecko"), 0) << "refused while stopped";
}

}  // namespace
}  // namespace sluice::app
