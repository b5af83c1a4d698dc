#include "extract/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "base/utf8.h"
#include "extract/office_extractor.h"
#include "extract/pdf_extractor.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace sluice::extract {
namespace {

using Clock = std::chrono::steady_clock;

// How the child ends when it wrote no result.
constexpr int kExitUsage = 2;
constexpr int kExitOutOfMemory = 3;
constexpr int kExitWriteFailed = 4;

// A result may exceed the body cap by its title, fields and warnings, never by more.
constexpr size_t kResultMargin = size_t{16} << 20;
constexpr int64_t kYearMs = int64_t{365} * 24 * 3600 * 1000;
// The end of the child's standard error kept to tell running out of memory from a crash.
constexpr size_t kStderrTailBytes = 4096;

// ---- The result the child writes: "SLX1", a kind byte, then little-endian u64 lengths and
// counts before every string and list.

constexpr std::string_view kMagic = "SLX1";
constexpr uint8_t kKindStatus = 1;  // u8 code, message
constexpr uint8_t kKindText = 2;    // title, body, file_type, u8 truncated, fields, warnings

// Writes the result to a descriptor, small values gathered, large strings (the body) written
// as they are rather than copied.
class ResultWriter {
 public:
  explicit ResultWriter(int fd) : fd_(fd) {}

  void Raw(std::string_view bytes) {
    if (bytes.size() >= (64u << 10)) {
      Flush();
      WriteAll(bytes);
    } else {
      buffer_ += bytes;
    }
  }
  void U8(uint8_t value) { buffer_ += static_cast<char>(value); }
  void U64(uint64_t value) {
    for (int i = 0; i < 8; ++i) buffer_ += static_cast<char>(value >> (8 * i));
  }
  void Str(std::string_view s) {
    U64(s.size());
    Raw(s);
  }
  void Strings(const std::vector<std::string>& list) {
    U64(list.size());
    for (const auto& s : list) Str(s);
  }
  // False when a write failed.
  bool Finish() {
    Flush();
    return ok_;
  }

 private:
  void Flush() {
    WriteAll(buffer_);
    buffer_.clear();
  }
  void WriteAll(std::string_view bytes) {
    while (ok_ && !bytes.empty()) {
      const ssize_t n = write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok_ = false;
        return;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  int fd_;
  std::string buffer_;
  bool ok_ = true;
};

bool WriteResult(int fd, const base::Result<ExtractedText>& result) {
  ResultWriter out(fd);
  out.Raw(kMagic);
  if (!result.ok()) {
    out.U8(kKindStatus);
    out.U8(static_cast<uint8_t>(result.status().code()));
    out.Str(result.status().message());
    return out.Finish();
  }
  const ExtractedText& text = *result;
  out.U8(kKindText);
  out.Str(text.title);
  out.Str(text.body);
  out.Str(text.file_type);
  out.U8(text.truncated ? 1 : 0);
  out.U64(text.fields.size());
  for (const auto& [name, values] : text.fields) {
    out.Str(name);
    out.Strings(values);
  }
  out.Strings(text.warnings);
  return out.Finish();
}

bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = base::Utf8SequenceLength(text.substr(i));
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// Reads what ResultWriter wrote; every read fails once the input is exhausted or malformed.
class ResultReader {
 public:
  explicit ResultReader(std::string_view in) : in_(in) {}

  bool Raw(size_t size, std::string_view& out) {
    if (size > in_.size()) return false;
    out = in_.substr(0, size);
    in_.remove_prefix(size);
    return true;
  }
  bool U8(uint8_t& value) {
    std::string_view byte;
    if (!Raw(1, byte)) return false;
    value = static_cast<uint8_t>(byte[0]);
    return true;
  }
  bool U64(uint64_t& value) {
    std::string_view bytes;
    if (!Raw(8, bytes)) return false;
    value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return true;
  }
  // A list length: each entry takes at least 8 bytes, so a count beyond that is a lie (and is
  // never trusted to size anything).
  bool Count(uint64_t& count) { return U64(count) && count <= in_.size() / 8; }
  bool Str(std::string& out, size_t max_bytes) {
    uint64_t size = 0;
    std::string_view bytes;
    if (!U64(size) || size > max_bytes || !Raw(size, bytes) || !IsUtf8(bytes)) return false;
    out.assign(bytes);
    return true;
  }
  bool Strings(std::vector<std::string>& list, size_t max_bytes) {
    uint64_t count = 0;
    if (!Count(count)) return false;
    list.resize(count);
    for (auto& s : list) {
      if (!Str(s, max_bytes)) return false;
    }
    return true;
  }
  bool AtEnd() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// The child's result, or nothing when `frame` is not one.
std::optional<base::Result<ExtractedText>> ReadResult(std::string_view frame,
                                                      size_t max_body_bytes) {
  ResultReader in(frame);
  std::string_view magic;
  uint8_t kind = 0;
  if (!in.Raw(kMagic.size(), magic) || magic != kMagic || !in.U8(kind)) return std::nullopt;
  const size_t max = frame.size();
  if (kind == kKindStatus) {
    uint8_t code = 0;
    std::string message;
    if (!in.U8(code) || code == static_cast<uint8_t>(base::StatusCode::kOk) ||
        code > static_cast<uint8_t>(base::StatusCode::kInternal) || !in.Str(message, max) ||
        !in.AtEnd()) {
      return std::nullopt;
    }
    return base::Result<ExtractedText>(
        base::Status(static_cast<base::StatusCode>(code), std::move(message)));
  }
  ExtractedText text;
  uint8_t truncated = 0;
  uint64_t fields = 0;
  if (kind != kKindText || !in.Str(text.title, max) || !in.Str(text.body, max_body_bytes) ||
      !in.Str(text.file_type, max) || !in.U8(truncated) || truncated > 1 || !in.Count(fields)) {
    return std::nullopt;
  }
  text.truncated = truncated == 1;
  text.fields.resize(fields);
  for (auto& [name, values] : text.fields) {
    if (!in.Str(name, max) || !in.Strings(values, max)) return std::nullopt;
  }
  if (!in.Strings(text.warnings, max) || !in.AtEnd()) return std::nullopt;
  return base::Result<ExtractedText>(std::move(text));
}

// ---- The parent's side.

std::string FormatName(std::string_view format) {
  if (format == "pdf") return "PDF";
  if (format == "office") return "Office";
  return std::string(format);
}

// "60", "0.25": seconds from milliseconds, without trailing zeros.
std::string Seconds(int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03lld", static_cast<long long>(ms % 1000));
    std::string_view digits = fraction;
    while (digits.ends_with('0')) digits.remove_suffix(1);
    out += digits;
  }
  return out;
}

std::string MiB(uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20);
  char out[32];
  std::snprintf(out, sizeof out, "%.1f", static_cast<double>(bytes) / (1u << 20));
  return out;
}

// The descriptor moved above 0-2 if it is one of them, so that making the child's standard
// descriptors from it cannot overwrite another one.
base::Result<base::UniqueFd> AboveStdio(int fd) {
  base::UniqueFd copy(fcntl(fd, F_DUPFD_CLOEXEC, 3));
  if (!copy.valid()) return base::ErrnoError("duplicate a descriptor", errno);
  return copy;
}

struct Pipe {
  base::UniqueFd read, write;
};

base::Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return base::ErrnoError("create a pipe", errno);
  Pipe pipe{base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
  for (base::UniqueFd* end : {&pipe.read, &pipe.write}) {
    if (end->get() <= 2) {
      SLUICE_ASSIGN_OR_RETURN(*end, AboveStdio(end->get()));
    }
  }
  return pipe;
}

// A started child. It is killed and reaped on every path, so none is left running or as a
// zombie.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess() {
    if (!reaped_) {
      Kill();
      Wait();
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Kill() { kill(pid_, SIGKILL); }
  void Wait() {
    while (!reaped_ && !Reap(0)) {
    }
  }
  // Reaps the child if it has ended.
  bool TryWait() { return reaped_ || Reap(WNOHANG); }

  int status() const { return status_; }
  double cpu_seconds() const {
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage_.ru_utime) + seconds(usage_.ru_stime);
  }

 private:
  bool Reap(int options) {
    const pid_t pid = wait4(pid_, &status_, options, &usage_);
    if (pid == pid_) reaped_ = true;
    // ECHILD: someone else reaped it (SIGCHLD ignored); there is nothing left to wait for.
    if (pid < 0 && errno == ECHILD) {
      reaped_ = true;
      status_ = W_EXITCODE(255, 0);
    }
    return reaped_;
  }

  pid_t pid_;
  bool reaped_ = false;
  int status_ = 0;
  struct rusage usage_ {};
};

base::Result<pid_t> Spawn(const std::filesystem::path& command, std::vector<std::string> args,
                          int input, int output, int error) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  // The child gets these three descriptors and no other, whatever other threads opened
  // without O_CLOEXEC; the server's signal mask and handlers are not its own.
  posix_spawn_file_actions_adddup2(&actions, input, 0);
  posix_spawn_file_actions_adddup2(&actions, output, 1);
  posix_spawn_file_actions_adddup2(&actions, error, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int error_number =
      posix_spawn(&pid, command.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error_number != 0) {
    return base::ErrnoError("start the extraction child " + command.string(), error_number);
  }
  return pid;
}

// What the child wrote on both pipes until it closed them, the deadline or the size limit.
struct ChildOutput {
  std::string result;
  std::string stderr_tail;
  bool timed_out = false;
  bool too_long = false;
};

base::Status ReadChild(int result_fd, int error_fd, Clock::time_point deadline, size_t max_bytes,
                       ChildOutput& out) {
  pollfd fds[2] = {{result_fd, POLLIN, 0}, {error_fd, POLLIN, 0}};
  std::vector<char> chunk(size_t{1} << 16);
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      return base::Status::Ok();
    }
    const int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 60'000)));
    if (ready < 0 && errno != EINTR) {
      return base::ErrnoError("wait for the extraction child", errno);
    }
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, chunk.data(), chunk.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // closed (or unreadable): poll ignores it from now on
        continue;
      }
      std::string& into = i == 0 ? out.result : out.stderr_tail;
      into.append(chunk.data(), static_cast<size_t>(n));
      if (i == 1 && into.size() > kStderrTailBytes) into.erase(0, into.size() - kStderrTailBytes);
      if (i == 0 && into.size() > max_bytes) {
        out.too_long = true;
        return base::Status::Ok();
      }
    }
  }
  return base::Status::Ok();
}

// Reaps a child that closed its pipes, which it does as it exits; one that lingers past the
// deadline is killed.
void ReapChild(ChildProcess& child, Clock::time_point deadline, ChildOutput& out) {
  auto pause = std::chrono::microseconds(200);
  while (!child.TryWait()) {
    if (Clock::now() >= deadline) {
      out.timed_out = true;
      child.Kill();
      child.Wait();
      return;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
  }
}

base::Result<ExtractedText> Outcome(const ChildProcess& child, const ChildOutput& out,
                                    std::string_view format, const ChildLimits& limits,
                                    size_t max_body_bytes, size_t max_result_bytes) {
  const std::string stopped = FormatName(format) + " extraction stopped: ";
  const std::string memory = "memory limit of " + MiB(limits.memory_bytes) + " MiB reached";
  if (out.too_long) {
    return base::FailedPrecondition(stopped + "the extraction child sent more than " +
                                    std::to_string(max_result_bytes) + " bytes");
  }
  if (out.timed_out) {
    return base::FailedPrecondition(stopped + "time limit of " + Seconds(limits.wall_ms) +
                                    " s reached");
  }
  const int status = child.status();
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    // SIGXCPU at the soft limit; SIGKILL at the hard one, a second later, if it was ignored.
    if (signal == SIGXCPU ||
        (signal == SIGKILL && child.cpu_seconds() >= static_cast<double>(limits.cpu_seconds))) {
      return base::FailedPrecondition(stopped + "CPU limit of " +
                                      std::to_string(limits.cpu_seconds) + " s reached");
    }
    // C libraries (poppler's gmalloc, a C++ terminate) abort when malloc fails, saying why.
    if (out.stderr_tail.find("Out of memory") != std::string::npos ||
        out.stderr_tail.find("bad_alloc") != std::string::npos) {
      return base::FailedPrecondition(stopped + memory);
    }
    const char* name = sigabbrev_np(signal);
    return base::FailedPrecondition(
        stopped + "crashed (signal " +
        (name != nullptr ? "SIG" + std::string(name) : std::to_string(signal)) + ")");
  }
  const int code = WEXITSTATUS(status);
  if (code == kExitOutOfMemory) return base::FailedPrecondition(stopped + memory);
  if (out.result.empty()) {
    return base::FailedPrecondition(stopped + "the extraction child exited with status " +
                                    std::to_string(code) + " without a result");
  }
  // A whole, well-formed result counts even if the exit after it failed (a leak checker's
  // exit code in sanitized builds, say): the extraction itself was done.
  auto result = ReadResult(out.result, max_body_bytes);
  if (!result) {
    return base::FailedPrecondition(stopped + "the extraction child sent a malformed result");
  }
  return *std::move(result);
}

// ---- The child's side.

// Lowers a limit; one already lower stays (an unprivileged process cannot raise it).
bool SetLimit(int resource, uint64_t soft, uint64_t hard) {
  rlimit current{};
  if (getrlimit(resource, &current) != 0) return false;
  rlimit wanted{};
  wanted.rlim_max = std::min<rlim_t>(hard, current.rlim_max);
  wanted.rlim_cur = std::min<rlim_t>(soft, wanted.rlim_max);
  return setrlimit(resource, &wanted) == 0;
}

bool ParseNumber(const char* text, uint64_t& value) {
  const std::string_view s = text;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  return error == std::errc() && end == s.data() + s.size() && !s.empty();
}

base::Result<ExtractedText> Extract(std::string_view format, size_t max_body_bytes) {
  if (format == "pdf") return internal::ExtractPdf(0, max_body_bytes);
  if (format == "office") return internal::ExtractOffice(0, internal::ZipLimits{}, max_body_bytes);
  return base::InvalidArgument("the extraction child knows no format '" + std::string(format) +
                               "'");
}

}  // namespace

base::Result<ExtractedText> ExtractInChild(const std::filesystem::path& command,
                                           std::string_view format, int fd,
                                           const ChildLimits& limits, size_t max_body_bytes) {
  // (A deadline a year away is none; it keeps the sum from overflowing.)
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(std::clamp<int64_t>(limits.wall_ms, 0, kYearMs));
  const size_t max_result_bytes =
      max_body_bytes + std::min(kResultMargin, SIZE_MAX - max_body_bytes);
  base::UniqueFd input_copy;
  if (fd <= 2) {
    SLUICE_ASSIGN_OR_RETURN(input_copy, AboveStdio(fd));
    fd = input_copy.get();
  }
  SLUICE_ASSIGN_OR_RETURN(Pipe result, MakePipe());
  SLUICE_ASSIGN_OR_RETURN(Pipe error, MakePipe());
  SLUICE_ASSIGN_OR_RETURN(
      const pid_t pid, Spawn(command,
                             {command.string(), "extract-child", std::string(format),
                              std::to_string(limits.cpu_seconds),
                              std::to_string(limits.memory_bytes), std::to_string(max_body_bytes)},
                             fd, result.write.get(), error.write.get()));
  ChildProcess child(pid);
  // Only the child holds the write ends now, so its exit ends the reads.
  result.write = base::UniqueFd();
  error.write = base::UniqueFd();

  ChildOutput out;
  SLUICE_RETURN_IF_ERROR(
      ReadChild(result.read.get(), error.read.get(), deadline, max_result_bytes, out));
  if (out.timed_out || out.too_long) {
    child.Kill();
    child.Wait();
  } else {
    ReapChild(child, deadline, out);
  }
  return Outcome(child, out, format, limits, max_body_bytes, max_result_bytes);
}

int RunExtractChild(int argc, char** argv) {
  uint64_t cpu_seconds = 0, memory_bytes = 0, max_body_bytes = 0;
  if (argc != 6 || std::string_view(argv[1]) != "extract-child" ||
      !ParseNumber(argv[3], cpu_seconds) || !ParseNumber(argv[4], memory_bytes) ||
      !ParseNumber(argv[5], max_body_bytes)) {
    std::fputs("usage: extract-child FORMAT CPU_SECONDS MEMORY_BYTES MAX_BODY_BYTES\n", stderr);
    return kExitUsage;
  }
  const std::string_view format = argv[2];
  // Limits first: nothing of the file has been read yet.
  const uint64_t cpu_hard =
      cpu_seconds == std::numeric_limits<uint64_t>::max() ? cpu_seconds : cpu_seconds + 1;
  const bool limited =
      SetLimit(RLIMIT_CPU, cpu_seconds, cpu_hard) &&
      (!kChildAddressSpaceLimited || SetLimit(RLIMIT_AS, memory_bytes, memory_bytes)) &&
      SetLimit(RLIMIT_FSIZE, 0, 0) && SetLimit(RLIMIT_CORE, 0, 0);
  const int limit_errno = errno;
  // An allocation that fails ends the child at once, without unwinding through a parser's
  // half-built state; the parent reports the memory limit.
  std::set_new_handler([] { _exit(kExitOutOfMemory); });
  // The server's end: the child does not outlive the thread that waits for it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The result goes to a private copy of standard output; whatever a library prints there
  // goes to standard error instead of into the result.
  const int result_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (result_fd < 0 || dup2(2, 1) < 0) return kExitWriteFailed;

  base::Result<ExtractedText> result = base::Internal("not extracted");
  if (!limited) {
    result = base::ErrnoError("limit the extraction child", limit_errno);
  } else {
    lseek(0, 0, SEEK_SET);
    try {
      result = Extract(format, max_body_bytes);
    } catch (const std::bad_alloc&) {
      return kExitOutOfMemory;
    } catch (const std::exception& e) {
      result = base::Internal(std::string("extraction failed: ") + e.what());
    }
  }
  return WriteResult(result_fd, result) ? 0 : kExitWriteFailed;
}

}  // namespace sluice::extract
