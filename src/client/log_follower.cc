#include "client/log_follower.h"

#include <chrono>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::client {
namespace {

namespace json = boost::json;

constexpr int kPerPage = 1000;
constexpr int64_t kPollMs = 500;

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A line that ends an item's processing: indexed, or given up on.
bool IsFinal(std::string_view task, std::string_view result) {
  if (result == "COMPLETED") return task == "INDEXING";
  return result == "ERROR" || result == "REJECTED" || result == "SKIPPED";
}

}  // namespace

LogFollower::LogFollower(PushClient& client, const base::Clock& clock, int64_t since_ms)
    : client_(client), clock_(clock), since_ms_(since_ms) {}

base::Result<std::vector<ItemOutcome>> LogFollower::Wait(
    const std::unordered_map<std::string, std::string>& items, int64_t timeout_ms,
    const std::function<bool(size_t remaining)>& on_poll) {
  std::unordered_map<std::string, std::string> waiting = items;
  std::vector<ItemOutcome> outcomes;
  const int64_t deadline = clock_.NowMs() + timeout_ms;
  const std::string filter = "{\"sourcesIds\":[" +
                             json::serialize(json::string(client_.target().source)) +
                             "],\"excludeResults\":[\"WARNING\"]}";
  while (!waiting.empty()) {
    if (!on_poll(waiting.size())) {
      for (const auto& [id, request] : waiting) outcomes.push_back({id, "STOPPED", ""});
      break;
    }
    for (int page = 0;; ++page) {
      std::string query = "from=" + PercentEncode(base::FormatIso8601Ms(since_ms_)) +
                          "&perPage=" + std::to_string(kPerPage) + "&page=" + std::to_string(page);
      SLUICE_ASSIGN_OR_RETURN(std::string body, client_.Logs(query, filter));
      boost::system::error_code ec;
      json::value answer = json::parse(body, ec);
      const json::object* object = ec ? nullptr : answer.if_object();
      const json::value* entries = object ? object->if_contains("documentLogEntries") : nullptr;
      if (entries == nullptr || !entries->is_array()) {
        return base::InvalidArgument("the Logs API answered without documentLogEntries: " +
                                     body.substr(0, 200));
      }
      for (const auto& line : entries->as_array()) {
        if (!line.is_object()) continue;
        const auto& e = line.as_object();
        const std::string task = StringField(e, "task");
        const std::string result = StringField(e, "result");
        const std::string request_id = StringField(e, "requestId");
        std::string reason;
        if (const auto* meta = e.if_contains("meta"); meta && meta->is_object()) {
          reason = StringField(meta->as_object(), "reason");
        }
        // A batch file the server could not read fails every item it carried.
        if (StringField(e, "operation") == "BATCH_FILE" && result == "ERROR") {
          for (auto it = waiting.begin(); it != waiting.end();) {
            if (!request_id.empty() && it->second == request_id) {
              outcomes.push_back({it->first, result, "batch file: " + reason});
              it = waiting.erase(it);
            } else {
              ++it;
            }
          }
          continue;
        }
        auto it = waiting.find(StringField(e, "id"));
        if (it == waiting.end() || !IsFinal(task, result)) continue;
        if (!it->second.empty() && !request_id.empty() && it->second != request_id) continue;
        std::string why;
        if (result != "COMPLETED") {
          why = task;
          if (!reason.empty()) why.append(": ").append(reason);
        }
        outcomes.push_back({it->first, result, std::move(why)});
        waiting.erase(it);
      }
      const json::value* more = object->if_contains("hasNextPage");
      if (more == nullptr || !more->is_bool() || !more->as_bool()) break;
    }
    if (waiting.empty()) break;
    if (clock_.NowMs() >= deadline) {
      for (const auto& [id, request] : waiting) {
        outcomes.push_back(
            {id, "TIMEOUT", "not processed within " + std::to_string(timeout_ms / 1000) + " s"});
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return outcomes;
}

}  // namespace sluice::client
