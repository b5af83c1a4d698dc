#include "s3/s3_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_crypto.h"
#include "client/http_client.h"

namespace sluice::s3 {
namespace {

namespace fs = std::filesystem;

bool IsTransient(const base::Result<client::HttpResponse>& response) {
  if (!response.ok()) return response.status().code() == base::StatusCode::kUnavailable;
  const long status = response->status;  // NOLINT(google-runtime-int): libcurl's type
  return status == 500 || status == 502 || status == 503 || status == 504;
}

// A spool file nobody else can see: created in `dir` and unlinked at once, so that a crash
// leaves nothing behind.
base::Result<base::UniqueFd> AnonymousFile(const fs::path& dir) {
  std::string name = (dir / ("s3-" + base::NewUuid() + ".part")).string();
  base::UniqueFd fd(open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return base::ErrnoError("create spool file " + name, errno);
  unlink(name.c_str());
  return fd;
}

base::Status Rewind(int fd) {
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
    return base::ErrnoError("rewind spool file", errno);
  }
  return base::Status::Ok();
}

// The start of an error reply that was spooled to `fd`: enough for S3's <Code> and <Message>.
std::string ErrorBody(int fd) {
  std::string body(4096, '\0');
  const ssize_t n = pread(fd, body.data(), body.size(), 0);
  body.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return body;
}

class SpooledReader final : public blob::BlobReader {
 public:
  SpooledReader(base::UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}

  base::Result<size_t> Read(char* buf, size_t size) override {
    return base::ReadSome(fd_.get(), buf, size, "spooled object");
  }
  uint64_t size() const override { return size_; }

 private:
  base::UniqueFd fd_;
  uint64_t size_;
};

class Store;

// Spools the bytes, then PUTs them in one request on Commit (S3 has no append).
class SpooledWriter final : public blob::BlobWriter {
 public:
  SpooledWriter(Store& store, std::string key, base::UniqueFd fd, blob::crypto::Sha256 hasher)
      : store_(store), key_(std::move(key)), fd_(std::move(fd)), hasher_(std::move(hasher)) {}

  base::Status Append(std::string_view bytes) override {
    SLUICE_RETURN_IF_ERROR(hasher_.Update(bytes));
    SLUICE_RETURN_IF_ERROR(
        base::WriteAll(fd_.get(), bytes.data(), bytes.size(), "the spooled upload of " + key_));
    size_ += bytes.size();
    return base::Status::Ok();
  }

  base::Result<blob::BlobInfo> Commit() override;

 private:
  Store& store_;
  std::string key_;
  base::UniqueFd fd_;
  blob::crypto::Sha256 hasher_;
  uint64_t size_ = 0;
};

class Store final : public S3BlobStore {
 public:
  explicit Store(S3Options options) : options_(std::move(options)) {
    options_.credentials.region = options_.location.region;
    options_.credentials.service = "s3";
  }

  base::Result<std::unique_ptr<blob::BlobWriter>> Create(std::string_view key) override {
    SLUICE_RETURN_IF_ERROR(blob::ValidateBlobKey(key));
    SLUICE_ASSIGN_OR_RETURN(base::UniqueFd fd, AnonymousFile(options_.spool_dir));
    SLUICE_ASSIGN_OR_RETURN(blob::crypto::Sha256 hasher, blob::crypto::Sha256::Create());
    return std::unique_ptr<blob::BlobWriter>(
        new SpooledWriter(*this, std::string(key), std::move(fd), std::move(hasher)));
  }

  base::Result<std::unique_ptr<blob::BlobReader>> Open(std::string_view key) override {
    SLUICE_RETURN_IF_ERROR(blob::ValidateBlobKey(key));
    SLUICE_ASSIGN_OR_RETURN(base::UniqueFd fd, AnonymousFile(options_.spool_dir));
    client::HttpRequest request;
    request.method = "GET";
    request.response_fd = fd.get();
    SLUICE_ASSIGN_OR_RETURN(client::HttpResponse response, Send(request, key, fd.get()));
    if (response.status != 200) {
      response.body = ErrorBody(fd.get());  // it went to the spool file like an object would
      return ErrorFor(response, "GET", key);
    }
    if (response.content_length && *response.content_length != response.body_bytes) {
      return base::DataLoss("GET " + Describe(key) + " ended after " +
                            std::to_string(response.body_bytes) + " of " +
                            std::to_string(*response.content_length) + " bytes");
    }
    if (lseek(fd.get(), 0, SEEK_SET) != 0) return base::ErrnoError("rewind spooled object", errno);
    return std::unique_ptr<blob::BlobReader>(new SpooledReader(std::move(fd), response.body_bytes));
  }

  base::Status Remove(std::string_view key) override {
    SLUICE_RETURN_IF_ERROR(blob::ValidateBlobKey(key));
    client::HttpRequest request;
    request.method = "DELETE";
    SLUICE_ASSIGN_OR_RETURN(client::HttpResponse response, Send(request, key));
    if (response.status == 204 || response.status == 200 || response.status == 404) {
      return base::Status::Ok();
    }
    return ErrorFor(response, "DELETE", key);
  }

  base::Result<uint64_t> Stat(std::string_view key) override {
    SLUICE_RETURN_IF_ERROR(blob::ValidateBlobKey(key));
    client::HttpRequest request;
    request.method = "HEAD";
    SLUICE_ASSIGN_OR_RETURN(client::HttpResponse response, Send(request, key));
    if (response.status != 200) return ErrorFor(response, "HEAD", key);
    return response.content_length.value_or(0);
  }

  base::Result<std::string> PresignUpload(std::string_view key, const auth::HeaderList& headers,
                                          int64_t expires_seconds,
                                          int64_t now_epoch_seconds) override {
    SLUICE_RETURN_IF_ERROR(blob::ValidateBlobKey(key));
    const ObjectAddress address = AddressOf(options_.location, key);
    auth::PresignInput presign;
    presign.method = "PUT";
    presign.host = address.host;
    presign.path = address.path;
    presign.headers = headers;
    presign.expires_seconds = expires_seconds;
    presign.now_epoch_seconds = now_epoch_seconds;
    SLUICE_ASSIGN_OR_RETURN(std::string target, auth::PresignTarget(options_.credentials, presign));
    return address.origin + target;
  }

  // PUTs the first `size` bytes of `fd`, whose SHA-256 is `sha256_hex`.
  base::Status Put(std::string_view key, int fd, uint64_t size, const std::string& sha256_hex) {
    client::HttpRequest request;
    request.method = "PUT";
    request.body_fd = fd;
    request.body_size = size;
    request.headers = {{"Content-Type", "application/octet-stream"},
                       {"x-amz-server-side-encryption", "AES256"}};
    SLUICE_ASSIGN_OR_RETURN(client::HttpResponse response, Send(request, key, -1, sha256_hex));
    if (response.status != 200) return ErrorFor(response, "PUT", key);
    return base::Status::Ok();
  }

 private:
  std::string Describe(std::string_view key) const {
    const ObjectAddress address = AddressOf(options_.location, key);
    return address.origin + address.path;
  }

  // One signed exchange with retries. `spool_fd` (>= 0) is emptied before each attempt.
  base::Result<client::HttpResponse> Send(client::HttpRequest request, std::string_view key,
                                          int spool_fd = -1,
                                          const std::string& payload_sha256_hex = "") {
    const ObjectAddress address = AddressOf(options_.location, key);
    const auth::HeaderList extra_headers = request.headers;
    auto client = Lease();
    for (int attempt = 1;; ++attempt) {
      auth::SignInput sign;
      sign.method = request.method;
      sign.host = address.host;
      sign.path = address.path;
      sign.headers = extra_headers;
      if (!payload_sha256_hex.empty()) sign.payload_sha256_hex = payload_sha256_hex;
      sign.now_epoch_seconds = std::time(nullptr);
      SLUICE_ASSIGN_OR_RETURN(auth::SignedHeaders signed_request,
                              auth::SignRequest(options_.credentials, sign));
      request.url = address.origin + signed_request.target;
      request.headers = std::move(signed_request.headers);
      if (spool_fd >= 0) SLUICE_RETURN_IF_ERROR(Rewind(spool_fd));
      base::Result<client::HttpResponse> response = client->Send(request);
      if (!IsTransient(response) || attempt >= options_.retry.max_attempts) {
        Return(std::move(client));
        if (!response.ok()) {
          return response.status().WithContext("after " + std::to_string(attempt) + " attempts");
        }
        return response;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(Backoff(attempt - 1)));
    }
  }

  int64_t Backoff(int retry) {
    std::lock_guard lock(mu_);
    return client::BackoffMs(options_.retry, retry, random_);
  }

  base::Status ErrorFor(const client::HttpResponse& response, std::string_view method,
                        std::string_view key) const {
    const std::string what =
        std::string(method) + " " + Describe(key) + ": " + client::DescribeHttpError(response);
    switch (response.status) {
      case 404:
        return base::NotFound(what);
      case 401:
      case 403:
        return base::PermissionDenied(what + "; check the S3 credentials and bucket policy");
      default:
        return base::Unavailable(what);
    }
  }

  // Clients keep their connections open; a small pool lets concurrent workers reuse them.
  std::unique_ptr<client::HttpClient> Lease() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return std::make_unique<client::HttpClient>();
    auto client = std::move(idle_.back());
    idle_.pop_back();
    return client;
  }
  void Return(std::unique_ptr<client::HttpClient> client) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(client));
  }

  S3Options options_;
  std::mutex mu_;  // guards idle_ and random_
  std::vector<std::unique_ptr<client::HttpClient>> idle_;
  std::mt19937_64 random_{std::random_device{}()};
};

base::Result<blob::BlobInfo> SpooledWriter::Commit() {
  SLUICE_ASSIGN_OR_RETURN(std::string sha256_hex, hasher_.FinishHex());
  SLUICE_RETURN_IF_ERROR(store_.Put(key_, fd_.get(), size_, sha256_hex));
  return blob::BlobInfo{size_, sha256_hex};
}

}  // namespace

base::Result<std::unique_ptr<S3BlobStore>> OpenS3BlobStore(S3Options options) {
  if (options.credentials.access_key_id.empty() || options.credentials.secret_access_key.empty()) {
    return base::InvalidArgument(
        "--blob-store s3://... needs credentials: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY (or --s3-access-key-id and --s3-secret-access-key)");
  }
  std::error_code error;
  fs::create_directories(options.spool_dir, error);
  if (error) {
    return base::ErrnoError("create " + options.spool_dir.string(), error.value());
  }
  // Spool files are unlinked as soon as they are created; these are left by a crash between.
  for (const auto& entry : fs::directory_iterator(options.spool_dir, error)) {
    if (entry.path().extension() == ".part") fs::remove(entry.path(), error);
  }
  return std::unique_ptr<S3BlobStore>(new Store(std::move(options)));
}

}  // namespace sluice::s3
