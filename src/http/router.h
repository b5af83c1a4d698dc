// Maps method + path pattern to a handler. Patterns are literal segments and
// {name} captures: "/push/v1/organizations/{org}/files".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/message.h"

namespace sluice::http {

// Runs on a handler thread: may block on disk or on the journal.
using Handler = std::function<Response(Request&)>;
// Sees the request before its body (body empty): answers at once, or returns a
// sink that receives the body as it arrives.
using StreamingHandler = std::function<std::variant<Response, std::unique_ptr<BodySink>>(Request&)>;

class Router {
 public:
  // method "*" matches any method.
  void Add(std::string method, std::string_view pattern, Handler handler);
  void AddStreaming(std::string method, std::string_view pattern, StreamingHandler handler);
  // Answers requests no route matches.
  void SetNotFound(Handler handler) { not_found_ = std::move(handler); }

  // Runs around every handler of the routes added after SetGuard (not the not-found one):
  // `admit` first, whose Response, if any, is sent instead of running the handler; then
  // `observe` with each Response a handler answered without reading a streamed body.
  struct Guard {
    std::function<std::optional<Response>(const Request&)> admit;
    std::function<void(const Request&, const Response&)> observe;
  };
  void SetGuard(Guard guard) { guard_ = std::make_shared<const Guard>(std::move(guard)); }

  struct Match {
    const Handler* handler = nullptr;
    const StreamingHandler* streaming = nullptr;
    // The matched route's pattern as added ("/push/v1/organizations/{org}/files"); empty for
    // the not-found handler. Names the route in metrics without the values of its captures.
    std::string_view pattern;
  };
  // Fills request.path_params. Never fails: unmatched requests get the not-found handler.
  Match Find(Request& request) const;

  // Every route, in the order added: what the server answers, for its description.
  struct RouteInfo {
    std::string method;
    std::string pattern;
  };
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    StreamingHandler streaming;
  };
  std::vector<Route> routes_;
  Handler not_found_;
  std::shared_ptr<const Guard> guard_;
};

}  // namespace sluice::http
