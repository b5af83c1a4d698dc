// The pre-signed upload URL verifier (auth/sigv4.h) with a fixed secret, in three
// modes chosen by the input:
//   round trip: PresignTarget on random inputs, then VerifyPresigned of that URL
//     within its validity must accept it and report the signed path;
//   tampered: a signed URL, method, host or header set edited at random;
//   raw: a random method, host, request-target and headers.
// Property for every accepted request: its X-Amz-Signature is exactly what the
// signer computes for what the verifier says it accepted (method, host, decoded
// path, signed header values, X-Amz-Date, X-Amz-Expires), i.e. the verifier never
// accepts anything the signer did not sign. A tampered request that is accepted
// must still name the path that was signed.
#include <fuzzer/FuzzedDataProvider.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "base/ascii.h"

namespace {

using sluice::auth::HeaderList;
using sluice::auth::kMaxClockSkewSeconds;
using sluice::auth::kMaxPresignExpiresSeconds;
using sluice::auth::PresignInput;
using sluice::auth::SigV4Credentials;
using sluice::auth::VerifyDetail;
using sluice::auth::VerifyInput;

const SigV4Credentials& Credentials() {
  static const SigV4Credentials* credentials =
      new SigV4Credentials{"AKIDSLUICEFUZZ", "c2x1aWNlLWZ1enotc2VjcmV0", "us-east-1", "s3"};
  return *credentials;
}

constexpr int64_t kLatestAmzDate = 253402300799;  // 9999-12-31T23:59:59Z

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "sigv4_query: property violated: %s\n", what);
  std::abort();
}

std::string PickOr(FuzzedDataProvider& in, std::initializer_list<const char*> choices,
                   size_t max_random_length) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(max_random_length);
  return *(choices.begin() + in.ConsumeIntegralInRange<size_t>(0, choices.size() - 1));
}

PresignInput RandomPresignInput(FuzzedDataProvider& in) {
  PresignInput input;
  input.method = PickOr(in, {"PUT", "GET", "HEAD", "POST"}, 8);
  input.host = PickOr(
      in,
      {"127.0.0.1:8080", "sluice.example.com", "Sluice.Example.com:443", "[::1]:80", "localhost"},
      24);
  input.path = PickOr(in,
                      {"/blobstore/local/5f0c6a2e-4c1b-4f61-9a53-0f1c9a4d2b77", "/", "/a b/c%d",
                       "/\xc3\xa9t\xc3\xa9/+?#"},
                      48);
  if (in.ConsumeBool() && !input.path.starts_with('/')) input.path.insert(0, "/");
  const size_t header_count = in.ConsumeIntegralInRange<size_t>(0, 3);
  for (size_t i = 0; i < header_count; ++i) {
    std::string name = PickOr(
        in, {"x-amz-server-side-encryption", "Content-Type", "X-Amz-Meta-Owner", "content-md5"},
        16);
    std::string value = PickOr(in, {"AES256", "application/octet-stream", "  a  b\t", ""}, 24);
    input.headers.emplace_back(std::move(name), std::move(value));
  }
  input.expires_seconds =
      in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(1, 3600)
                       : in.ConsumeIntegralInRange<int64_t>(-1, kMaxPresignExpiresSeconds + 1);
  input.now_epoch_seconds = in.ConsumeBool()
                                ? 1700000000 + in.ConsumeIntegralInRange<int64_t>(0, 1 << 30)
                                : in.ConsumeIntegralInRange<int64_t>(-1, kLatestAmzDate + 1);
  return input;
}

// The request as a client sends it for a signed target: the signed headers and Host.
VerifyInput RequestFor(const PresignInput& signed_input, std::string target) {
  VerifyInput request;
  request.method = signed_input.method;
  request.host = signed_input.host;
  request.target = std::move(target);
  request.headers = signed_input.headers;
  request.headers.emplace_back("Host", signed_input.host);
  request.now_epoch_seconds = signed_input.now_epoch_seconds;
  return request;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The first value of a decoded query parameter of target.
std::string QueryParam(std::string_view target, std::string_view name) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t equals = pair.find('=');
    if (PercentDecode(pair.substr(0, equals)) != name) continue;
    return equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1));
  }
  return "";
}

// SigV4 Trimall, written independently of the verifier's.
std::string Trimall(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Signs what the verifier accepted and compares with the signature it was given.
void CheckSignerProduced(const VerifyInput& request, const VerifyDetail& detail) {
  PresignInput input;
  input.method = request.method;
  input.host = request.host;
  input.path = detail.path;
  const std::string expires_text = QueryParam(request.target, "X-Amz-Expires");
  int64_t expires = 0;
  std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  input.expires_seconds = expires;
  input.now_epoch_seconds = detail.expires_at_epoch_seconds - expires;
  const std::string signed_names = QueryParam(request.target, "X-Amz-SignedHeaders");
  for (std::string_view rest = signed_names; !rest.empty();) {
    const size_t semicolon = rest.find(';');
    const std::string name(rest.substr(0, semicolon));
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    if (name == "host") continue;
    std::string joined;
    bool found = false;
    for (const auto& [raw_name, value] : request.headers) {
      if (sluice::base::AsciiLower(raw_name) != name) continue;
      if (found) joined += ",";
      joined += Trimall(value);
      found = true;
    }
    input.headers.emplace_back(name, joined);
  }
  auto target = sluice::auth::PresignTarget(Credentials(), input);
  Check(target.ok(), "accepted a request whose inputs the signer refuses");
  const std::string_view marker = "&X-Amz-Signature=";
  const size_t at = target->rfind(marker);
  Check(at != std::string::npos, "the signer's URL has no X-Amz-Signature");
  Check(target->substr(at + marker.size()) == QueryParam(request.target, "X-Amz-Signature"),
        "accepted a signature the signer did not produce for these inputs");
}

void Edit(FuzzedDataProvider& in, std::string& s) {
  const size_t at = in.ConsumeIntegralInRange<size_t>(0, s.size());
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      s.insert(at, 1, in.ConsumeIntegral<char>());
      break;
    case 1:
      if (at < s.size()) s.erase(at, 1);
      break;
    default:
      if (at < s.size()) s[at] = in.ConsumeIntegral<char>();
      break;
  }
}

void Tamper(FuzzedDataProvider& in, VerifyInput& request) {
  const int edits = in.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < edits; ++i) {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        Edit(in, request.method);
        break;
      case 1:
        Edit(in, request.host);
        break;
      case 2:
        request.headers.emplace_back(in.ConsumeRandomLengthString(16),
                                     in.ConsumeRandomLengthString(16));
        break;
      case 3:
        if (!request.headers.empty()) {
          const size_t h = in.ConsumeIntegralInRange<size_t>(0, request.headers.size() - 1);
          Edit(in, in.ConsumeBool() ? request.headers[h].first : request.headers[h].second);
        }
        break;
      case 4:
        if (!request.headers.empty()) request.headers.pop_back();
        break;
      default:
        Edit(in, request.target);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange<int>(0, 2);
  VerifyDetail detail;

  if (mode == 2) {  // raw
    VerifyInput request;
    request.method = in.ConsumeRandomLengthString(16);
    request.host = in.ConsumeRandomLengthString(64);
    const size_t header_count = in.ConsumeIntegralInRange<size_t>(0, 3);
    for (size_t i = 0; i < header_count; ++i) {
      request.headers.emplace_back(in.ConsumeRandomLengthString(64),
                                   in.ConsumeRandomLengthString(64));
    }
    request.now_epoch_seconds = in.ConsumeIntegral<int64_t>();
    request.target = in.ConsumeRemainingBytesAsString();
    if (sluice::auth::VerifyPresigned(Credentials(), request, &detail).ok()) {
      CheckSignerProduced(request, detail);
    }
    return 0;
  }

  const PresignInput signed_input = RandomPresignInput(in);
  auto target = sluice::auth::PresignTarget(Credentials(), signed_input);
  if (!target.ok()) return 0;
  VerifyInput request = RequestFor(signed_input, *target);
  // Anywhere in the validity window, clock skew included.
  request.now_epoch_seconds +=
      in.ConsumeIntegralInRange<int64_t>(-kMaxClockSkewSeconds, signed_input.expires_seconds);

  if (mode == 0) {  // round trip
    if (in.ConsumeBool()) {
      // Header names in another case are the same headers.
      for (auto& [name, value] : request.headers) name = sluice::base::AsciiLower(name);
    }
    sluice::base::Status status = sluice::auth::VerifyPresigned(Credentials(), request, &detail);
    if (!status.ok()) {
      std::fprintf(stderr, "verify: %s\nURL: %s\n", status.ToString().c_str(),
                   request.target.c_str());
    }
    Check(status.ok(), "the verifier refused a URL the signer made, within its validity");
    Check(detail.path == signed_input.path, "the verifier reports another path than was signed");
    CheckSignerProduced(request, detail);
    return 0;
  }

  Tamper(in, request);  // mode 1
  if (sluice::auth::VerifyPresigned(Credentials(), request, &detail).ok()) {
    Check(detail.path == signed_input.path, "a tampered URL was accepted for another path");
    CheckSignerProduced(request, detail);
  }
  return 0;
}
