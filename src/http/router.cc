#include "http/router.h"

namespace sluice::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  std::map<std::string, std::string> captured;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      captured[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  if (guard_) {
    handler = [guard = guard_, inner = std::move(handler)](Request& request) {
      if (guard->admit) {
        if (auto refused = guard->admit(request)) return *refused;
      }
      Response response = inner(request);
      if (guard->observe) guard->observe(request, response);
      return response;
    };
  }
  routes_.push_back(Route{std::move(method), std::string(pattern), SplitPath(pattern),
                          std::move(handler), nullptr});
}

void Router::AddStreaming(std::string method, std::string_view pattern, StreamingHandler handler) {
  if (guard_) {
    handler = [guard = guard_, inner = std::move(handler)](
                  Request& request) -> std::variant<Response, std::unique_ptr<BodySink>> {
      if (guard->admit) {
        if (auto refused = guard->admit(request)) return *refused;
      }
      auto first = inner(request);
      auto* response = std::get_if<Response>(&first);
      if (response != nullptr && guard->observe) guard->observe(request, *response);
      return first;
    };
  }
  routes_.push_back(Route{std::move(method), std::string(pattern), SplitPath(pattern), nullptr,
                          std::move(handler)});
}

Router::Match Router::Find(Request& request) const {
  std::vector<std::string> path = SplitPath(request.path);
  for (const Route& route : routes_) {
    if (route.method != "*" && route.method != request.method) continue;
    if (!MatchSegments(route.segments, path, request.path_params)) continue;
    if (route.streaming) return Match{nullptr, &route.streaming, route.pattern};
    return Match{&route.handler, nullptr, route.pattern};
  }
  return Match{&not_found_, nullptr, {}};
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) out.push_back(RouteInfo{route.method, route.pattern});
  return out;
}

}  // namespace sluice::http
