#include "client/commands.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "base/clock.h"
#include "client/config.h"
#include "client/http_client.h"
#include "client/manifest.h"
#include "client/progress.h"
#include "client/push_client.h"
#include "client/pusher.h"

namespace sluice::client {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";

// A bad argument found after parsing: one line on stderr, exit code 2.
int Usage(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "sluice %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return 2;
}

// The first that is set of: the flag, the environment, the settings file, the default.
std::string Pick(const std::string& flag, const std::string& env,
                 const std::map<std::string, std::string>& file, const std::string& key,
                 std::string_view fallback) {
  if (!flag.empty()) return flag;
  if (!env.empty()) return env;
  if (auto it = file.find(key); it != file.end() && !it->second.empty()) return it->second;
  return std::string(fallback);
}

std::string JsonText(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

std::string UpperCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// The array an API answered: the answer itself (`key` empty) or its member `key`.
base::Result<json::array> AnswerArray(const std::string& body, std::string_view key,
                                      std::string_view api) {
  boost::system::error_code ec;
  json::value answer = json::parse(body, ec);
  json::value* list = &answer;
  if (!ec && !key.empty())
    list = answer.is_object() ? answer.as_object().if_contains(key) : nullptr;
  if (ec || list == nullptr || !list->is_array()) {
    return base::InvalidArgument("the " + std::string(api) + " answered without " +
                                 (key.empty() ? std::string("a list") : std::string(key)) + ": " +
                                 body.substr(0, 200));
  }
  return std::move(list->as_array());
}

// An ISO 8601 date (2026-11-26, 2026-11-26T10:00:00Z) or an orderingId.
std::optional<uint64_t> ParseOrderingIdOrDate(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    try {
      return std::stoull(text);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  auto ms = base::ParseIso8601Ms(text);
  if (!ms || *ms < 0) return std::nullopt;
  return static_cast<uint64_t>(*ms);
}

}  // namespace

struct Commands::Flags {
  // Where and as whom, on every command.
  std::string url, platform_url, api_key, org, source;
  int retries = 10;

  CLI::App* push = nullptr;
  PushOptions options;
  std::string compression = "zlib";
  std::vector<std::string> metadata;
  std::string manifest;
  bool no_manifest = false;
  bool quiet = false;
  std::string output = "text";
  int64_t wait_timeout_seconds = 600;
  uint64_t ordering_id = 0;

  CLI::App* del = nullptr;
  std::string delete_uri;
  bool delete_children = false;
  std::string older_than;
  int queue_delay = -1;

  CLI::App* status = nullptr;
  std::string status_type;

  CLI::App* search = nullptr;
  std::string query;
  int count = 10;

  CLI::App* logs = nullptr;
  std::string log_uri;
  std::vector<std::string> log_results;
  std::string log_since;
  int log_limit = 100;

  CLI::App* sources = nullptr;
  bool json_output = false;

  CLI::App* backup = nullptr;
  std::string backup_dir;

  Target target;
  RetryPolicy policy;
};

namespace {

void AddTargetFlags(CLI::App* command, Commands::Flags& f) {
  command->add_option("--url", f.url,
                      "Server: Sluice, or a Coveo Push API host (env SLUICE_URL; default " +
                          std::string(kDefaultUrl) + ")");
  command->add_option("--platform-url", f.platform_url,
                      "Where the Search and Platform APIs are, when not at --url "
                      "(env SLUICE_PLATFORM_URL; Coveo: https://platform.cloud.coveo.com)");
  command->add_option("--api-key", f.api_key, "API key (env SLUICE_API_KEY)");
  command->add_option("--org", f.org, "Organization (env SLUICE_ORG; default local)");
  command->add_option("--source", f.source,
                      "Push source (env SLUICE_SOURCE; default local-default)");
  command->add_option("--retries", f.retries, "Attempts per request on 429, 5xx and network errors")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
}

}  // namespace

Commands::Commands(CLI::App& app, Environment environment)
    : flags_(std::make_unique<Flags>()), environment_(std::move(environment)) {
  Flags& f = *flags_;
  f.push = app.add_subcommand("push", "Push files, a directory or standard input as items");
  f.push->add_option("inputs", f.options.inputs, "FILE, DIR or - (standard input)")->required();
  f.push->add_flag("--json", f.options.json_files,
                   "The inputs are Coveo push JSON files (a document, an array, or "
                   "{addOrUpdate, delete}), sent in batches");
  f.push->add_option("--uri-prefix", f.options.uri_prefix,
                     "documentId = prefix + path relative to DIR (default file://<absolute DIR>/)");
  f.push->add_option("--document-id", f.options.document_id, "documentId of the one item pushed");
  f.push->add_option("--title", f.options.title, "Title of the item(s)");
  f.push->add_option("--metadata", f.metadata, "KEY=VALUE metadata for every item (repeatable)");
  f.push->add_option("--file-extension", f.options.file_extension,
                     "fileExtension instead of the file name's (e.g. .html for standard input)");
  f.push->add_option("--compression", f.compression, "zlib, gzip, deflate, lzma or none")
      ->check(CLI::IsMember({"zlib", "gzip", "deflate", "lzma", "none"}, CLI::ignore_case))
      ->capture_default_str();
  f.push->add_option("--parallel", f.options.parallel, "Files read, compressed and sent at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  f.push
      ->add_option("--batch-bytes", f.options.batch_bytes,
                   "Largest batch file of small items (0: push each on its own; --json: 5 MiB "
                   "unless given, as Coveo's clients)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{256} << 20))
      ->capture_default_str();
  f.push->add_option("--ordering-id", f.ordering_id,
                     "orderingId of every item (default: the time the push starts, in ms)");
  f.push->add_flag("--rebuild", f.options.rebuild,
                   "Full refresh: status REBUILD, push everything with one orderingId, delete "
                   "what is older, status IDLE");
  f.push
      ->add_option("--queue-delay", f.queue_delay,
                   "Minutes the server waits before deleting older items (--rebuild)")
      ->check(CLI::Range(0, 1440));
  f.push->add_flag("--wait", f.options.wait,
                   "Then follow the logs until every item is processed; print the failures");
  f.push->add_option("--wait-timeout", f.wait_timeout_seconds, "Seconds --wait waits at most")
      ->check(CLI::Range(int64_t{1}, int64_t{7} * 24 * 3600))
      ->capture_default_str();
  f.push->add_option("--manifest", f.manifest,
                     "File recording what was pushed, to skip unchanged files when run again "
                     "(default ~/.local/state/sluice/manifests/<target>.tsv)");
  f.push->add_flag("--no-manifest", f.no_manifest, "Push everything; record nothing");
  f.push->add_flag("-q,--quiet", f.quiet, "Print only failures and the summary");
  f.push->add_option("--output", f.output, "text, or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  AddTargetFlags(f.push, f);

  f.del = app.add_subcommand("delete", "Delete an item (and its children), or older items");
  f.del->add_option("uri", f.delete_uri, "documentId of the item");
  f.del->add_flag("--children", f.delete_children, "Also delete every item under URI/");
  f.del->add_option("--older-than", f.older_than,
                    "Delete every item last pushed with a lower orderingId (a number, or a "
                    "date: 2026-11-26 or 2026-11-26T10:00:00Z)");
  f.del->add_option("--queue-delay", f.queue_delay, "Minutes the server waits first (--older-than)")
      ->check(CLI::Range(0, 1440));
  AddTargetFlags(f.del, f);

  f.status = app.add_subcommand("status", "Set the source's status");
  f.status->add_option("type", f.status_type, "REBUILD, REFRESH, INCREMENTAL or IDLE")
      ->required()
      ->check(CLI::IsMember({"REBUILD", "REFRESH", "INCREMENTAL", "IDLE"}, CLI::ignore_case));
  AddTargetFlags(f.status, f);

  f.search = app.add_subcommand("search", "Search the index");
  f.search->add_option("query", f.query, "Query (Coveo query syntax)")->required();
  f.search->add_option("-n,--count", f.count, "Results to show")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  f.search->add_flag("--json", f.json_output, "Print the Search API's JSON answer");
  AddTargetFlags(f.search, f);

  f.logs = app.add_subcommand("logs", "Show the source's item log (the Log Browser)");
  f.logs->add_option("--uri", f.log_uri, "Only this item");
  f.logs
      ->add_option("--result", f.log_results,
                   "Only these results: COMPLETED, WARNING, SKIPPED, REJECTED, ERROR")
      ->check(CLI::IsMember({"COMPLETED", "WARNING", "SKIPPED", "REJECTED", "ERROR"},
                            CLI::ignore_case));
  f.logs->add_option("--since", f.log_since, "From this date (default: 7 days ago)");
  f.logs->add_option("-n,--limit", f.log_limit, "Lines to show, newest first")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  f.logs->add_flag("--json", f.json_output, "Print the Logs API's JSON answer");
  AddTargetFlags(f.logs, f);

  f.sources = app.add_subcommand("sources", "List the organization's sources");
  f.sources->add_flag("--json", f.json_output, "Print the Platform API's JSON answer");
  AddTargetFlags(f.sources, f);

  f.backup = app.add_subcommand(
      "backup", "Have the server write a consistent backup of its data into DIR (on its machine)");
  f.backup->add_option("DIR", f.backup_dir, "A directory that does not exist or is empty")
      ->required();
  AddTargetFlags(f.backup, f);
}

Commands::~Commands() = default;

bool Commands::Chosen() const {
  const Flags& f = *flags_;
  return f.push->parsed() || f.del->parsed() || f.status->parsed() || f.search->parsed() ||
         f.logs->parsed() || f.sources->parsed() || f.backup->parsed();
}

namespace {

// While it lives, SIGINT and SIGTERM stop the push cleanly: the first calls `stop` (no new file
// is started; what is under way is acknowledged and recorded); a second ends the process at once.
// Created before any worker thread, which inherits the blocked signals.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> stop) : stop_(std::move(stop)) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
    watcher_ = std::thread([this] { Watch(); });
  }
  ~StopOnSignal() {
    done_.store(true);
    watcher_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  void Watch() {
    bool stopping = false;
    const timespec tick{0, 200'000'000};
    while (!done_.load()) {
      if (sigtimedwait(&signals_, nullptr, &tick) < 0) continue;
      if (stopping) _exit(Pusher::kInterruptedExitCode);
      stopping = true;
      stop_();
    }
  }

  std::function<void()> stop_;
  sigset_t signals_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

int RunPush(Commands::Flags& f, const Environment& env) {
  PushOptions options = f.options;
  if (f.compression == "none") {
    options.compression = codec::Compression::kUncompressed;
  } else if (auto c = codec::ParseCompression(f.compression); c.ok()) {
    options.compression = *c;
  }
  for (const std::string& pair : f.metadata) {
    const size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Usage("push", "--metadata '" + pair + "': expected KEY=VALUE");
    }
    options.metadata.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
  }
  if (f.push->count("--ordering-id") > 0) options.ordering_id = f.ordering_id;
  // Coveo's clients send push JSON files in batches of 5 MiB; so does --json unless told.
  if (options.json_files && f.push->count("--batch-bytes") == 0) {
    options.batch_bytes = uint64_t{5} << 20;
  }
  if (f.queue_delay >= 0) options.queue_delay_minutes = f.queue_delay;
  options.wait_timeout_ms = f.wait_timeout_seconds * 1000;
  options.temp_dir = env.tmpdir.empty() ? "/tmp" : env.tmpdir;
  if (options.json_files && (f.options.rebuild || !options.document_id.empty())) {
    return Usage("push", "--json takes neither --rebuild nor --document-id");
  }

  std::unique_ptr<Manifest> manifest;
  if (!f.no_manifest && !options.json_files) {
    std::filesystem::path path = f.manifest;
    if (path.empty() && (!env.home.empty() || !env.xdg_state_home.empty())) {
      path = DefaultManifestPath(f.target.url, f.target.organization, f.target.source, env.home,
                                 env.xdg_state_home);
    }
    if (!path.empty()) {
      auto opened = Manifest::Open(path);
      if (!opened.ok()) return Usage("push", "the manifest: " + opened.status().message());
      manifest = std::move(*opened);
    }
  }

  ProgressStyle style = ProgressStyle::kLines;
  if (f.output == "json") {
    style = ProgressStyle::kJson;
  } else if (f.quiet) {
    style = ProgressStyle::kQuiet;
  } else if (env.stderr_is_terminal) {
    style = ProgressStyle::kTerminal;
  }
  base::SystemClock clock;
  Progress progress(style, style == ProgressStyle::kTerminal ? stderr : stdout, clock,
                    env.terminal_width);
  Pusher pusher(std::move(options), f.target, f.policy, progress, manifest.get(), clock);
  StopOnSignal stop_on_signal([&pusher] { pusher.Stop(); });
  return pusher.Run();
}

int Fail(std::string_view command, const base::Status& status) {
  std::fprintf(stderr, "sluice %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  return 1;
}

PushClient MakeClient(const Commands::Flags& f) {
  return PushClient(
      f.target, f.policy, [](std::string_view what, std::string_view why, int64_t delay_ms) {
        std::fprintf(stderr, "retry %.*s: %.*s; again in %.1f s\n", static_cast<int>(what.size()),
                     what.data(), static_cast<int>(why.size()), why.data(),
                     static_cast<double>(delay_ms) / 1000);
      });
}

int RunDelete(Commands::Flags& f) {
  if (f.delete_uri.empty() == f.older_than.empty()) {
    return Usage("delete", "give either a URI or --older-than, not both or neither");
  }
  PushClient client = MakeClient(f);
  if (!f.older_than.empty()) {
    auto ordering = ParseOrderingIdOrDate(f.older_than);
    if (!ordering) {
      return Usage("delete", "--older-than '" + f.older_than +
                                 "': expected an orderingId or a date such as 2026-11-26");
    }
    std::optional<int> delay;
    if (f.queue_delay >= 0) delay = f.queue_delay;
    if (auto s = client.DeleteOlderThan(*ordering, delay); !s.ok()) return Fail("delete", s);
    std::printf("deleting the items older than %llu (accepted)\n",
                static_cast<unsigned long long>(*ordering));
    return 0;
  }
  if (auto s = client.DeleteDocument(f.delete_uri, f.delete_children, std::nullopt); !s.ok()) {
    return Fail("delete", s);
  }
  std::printf("deleting %s%s (accepted)\n", f.delete_uri.c_str(),
              f.delete_children ? " and its children" : "");
  return 0;
}

int RunStatus(Commands::Flags& f) {
  PushClient client = MakeClient(f);
  const std::string type = UpperCase(f.status_type);
  if (auto s = client.SetStatus(type); !s.ok()) return Fail("status", s);
  std::printf("source %s is now %s\n", f.target.source.c_str(), type.c_str());
  return 0;
}

int RunSearch(Commands::Flags& f) {
  PushClient client = MakeClient(f);
  json::object request{{"q", f.query}, {"numberOfResults", f.count}};
  auto body = client.Search(json::serialize(request));
  if (!body.ok()) return Fail("search", body.status());
  if (f.json_output) {
    std::printf("%s\n", body->c_str());
    return 0;
  }
  auto results = AnswerArray(*body, "results", "Search API");
  if (!results.ok()) return Fail("search", results.status());
  int rank = 0;
  for (const auto& r : *results) {
    if (!r.is_object()) continue;
    const auto& result = r.as_object();
    std::printf("%d. %s\n   %s\n", ++rank, JsonText(result, "title").c_str(),
                JsonText(result, "uri").c_str());
    if (std::string excerpt = JsonText(result, "excerpt"); !excerpt.empty()) {
      std::printf("   %s\n", excerpt.c_str());
    }
  }
  boost::system::error_code ec;
  const json::value answer = json::parse(*body, ec);  // parsed before: no error here
  const std::string total = answer.is_object() ? JsonText(answer.as_object(), "totalCount") : "?";
  std::printf("%d of %s results\n", rank, total.c_str());
  return 0;
}

int RunLogs(Commands::Flags& f) {
  PushClient client = MakeClient(f);
  base::SystemClock clock;
  int64_t from = clock.NowMs() - int64_t{7} * 24 * 3600 * 1000;
  if (!f.log_since.empty()) {
    auto parsed = base::ParseIso8601Ms(f.log_since);
    if (!parsed) {
      return Usage("logs", "--since '" + f.log_since + "': expected a date such as 2026-11-26");
    }
    from = *parsed;
  }
  std::string query = "from=" + PercentEncode(base::FormatIso8601Ms(from)) +
                      "&perPage=" + std::to_string(f.log_limit);
  if (!f.log_uri.empty()) query += "&documentId=" + PercentEncode(f.log_uri);
  json::array results;
  for (const std::string& r : f.log_results) results.emplace_back(UpperCase(r));
  json::object filter{{"sourcesIds", json::array{json::string(f.target.source)}}};
  if (!results.empty()) filter["results"] = std::move(results);
  auto body = client.Logs(query, json::serialize(filter));
  if (!body.ok()) return Fail("logs", body.status());
  if (f.json_output) {
    std::printf("%s\n", body->c_str());
    return 0;
  }
  auto entries = AnswerArray(*body, "documentLogEntries", "Logs API");
  if (!entries.ok()) return Fail("logs", entries.status());
  for (const auto& line : *entries) {
    if (!line.is_object()) continue;
    const auto& e = line.as_object();
    std::string reason;
    if (const auto* meta = e.if_contains("meta"); meta && meta->is_object()) {
      reason = JsonText(meta->as_object(), "reason");
    }
    std::printf("%s  %-9s  %-19s  %-15s  %s%s%s\n", JsonText(e, "datetime").c_str(),
                JsonText(e, "result").c_str(), JsonText(e, "operation").c_str(),
                JsonText(e, "task").c_str(), JsonText(e, "id").c_str(), reason.empty() ? "" : "  ",
                reason.c_str());
  }
  return 0;
}

int RunSources(Commands::Flags& f) {
  PushClient client = MakeClient(f);
  auto body = client.Sources();
  if (!body.ok()) return Fail("sources", body.status());
  if (f.json_output) {
    std::printf("%s\n", body->c_str());
    return 0;
  }
  auto sources = AnswerArray(*body, "", "Platform API");
  if (!sources.ok()) return Fail("sources", sources.status());
  for (const auto& s : *sources) {
    if (!s.is_object()) continue;
    const auto& source = s.as_object();
    std::printf("%s  %s  %s\n", JsonText(source, "id").c_str(),
                JsonText(source, "sourceType").c_str(), JsonText(source, "name").c_str());
  }
  return 0;
}

int RunBackup(Commands::Flags& f) {
  // A relative DIR means the same place on the server's machine as here (the usual case:
  // both on one machine).
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(f.backup_dir, ec).lexically_normal().string();
  PushClient client = MakeClient(f);
  auto body = client.Backup(dir);
  if (!body.ok()) return Fail("backup", body.status());
  json::error_code parse_error;
  json::value answer = json::parse(*body, parse_error);
  if (parse_error || !answer.is_object())
    return Fail("backup", base::Internal("unexpected answer: " + *body));
  const json::object& o = answer.as_object();
  std::printf("backup written to %s: %s files, %s bytes\n", JsonText(o, "directory").c_str(),
              JsonText(o, "files").c_str(), JsonText(o, "bytes").c_str());
  return 0;
}

}  // namespace

int Commands::Run() {
  Flags& f = *flags_;
  const Environment& env = environment_;
  std::map<std::string, std::string> file;
  const auto config_path = DefaultConfigPath(env.home, env.xdg_config_home);
  if (!config_path.empty()) {
    auto read = ReadClientConfig(config_path);
    if (!read.ok()) {
      std::fprintf(stderr, "sluice: %s\n", read.status().message().c_str());
      return 2;
    }
    file = std::move(*read);
  }
  f.target.url = Pick(f.url, env.url, file, "url", kDefaultUrl);
  f.target.platform_url = Pick(f.platform_url, env.platform_url, file, "platform-url", "");
  f.target.api_key = Pick(f.api_key, env.api_key, file, "api-key", "");
  f.target.organization = Pick(f.org, env.org, file, "org", "local");
  f.target.source = Pick(f.source, env.source, file, "source", "local-default");
  f.policy.max_attempts = f.retries;
  if (f.target.api_key.empty()) {
    std::fprintf(stderr,
                 "sluice: no API key: give --api-key, set SLUICE_API_KEY, or put api-key = ... "
                 "in %s\n",
                 config_path.empty() ? "~/.config/sluice/config" : config_path.c_str());
    return 2;
  }
  CurlLibrary curl;
  if (f.push->parsed()) return RunPush(f, env);
  if (f.del->parsed()) return RunDelete(f);
  if (f.status->parsed()) return RunStatus(f);
  if (f.search->parsed()) return RunSearch(f);
  if (f.logs->parsed()) return RunLogs(f);
  if (f.backup->parsed()) return RunBackup(f);
  return RunSources(f);
}

}  // namespace sluice::client
