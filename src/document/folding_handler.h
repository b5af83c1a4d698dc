// The SAX handler behind every Push API JSON reader: builds boost::json values
// with lower-cased keys and refuses keys that collide once folded (Boost.JSON's
// own DOM parser keeps only the last duplicate, hiding the error).
// Internal to the document module.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/basic_parser.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "base/status.h"

namespace sluice::document::internal {

namespace json = boost::json;

class FoldingHandler {
 public:
  // Receives each value completed `emit_depth` levels down (2: the elements of
  // the root object's arrays) with the root key it sits under, instead of
  // keeping it; a failed Status stops the parse.
  using Emit = std::function<base::Status(std::string_view root_key, json::value value)>;

  FoldingHandler() = default;
  FoldingHandler(size_t emit_depth, Emit emit) : emit_depth_(emit_depth), emit_(std::move(emit)) {}

  static constexpr size_t max_object_size = 1000000;
  static constexpr size_t max_array_size = 100000000;
  static constexpr size_t max_key_size = 1 << 20;
  static constexpr size_t max_string_size = 1u << 30;

  json::value result;
  std::string error;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) { return Push(json::object()); }
  bool on_object_end(size_t, json::error_code&) { return Pop(); }
  bool on_array_begin(json::error_code&) { return Push(json::array()); }
  bool on_array_end(size_t, json::error_code&) { return Pop(); }

  bool on_key_part(std::string_view s, size_t, json::error_code&) {
    key_ += s;
    return true;
  }
  bool on_key(std::string_view s, size_t, json::error_code& ec) {
    key_ += s;
    std::string folded = base::AsciiLower(key_);
    json::object& obj = stack_.back().as_object();
    if (obj.contains(folded)) {
      error = "duplicate key '" + key_ + "' (keys are case-insensitive)";
      ec = json::error::syntax;
      return false;
    }
    pending_keys_.push_back(std::move(folded));
    key_.clear();
    return true;
  }

  bool on_string_part(std::string_view s, size_t, json::error_code&) {
    string_ += s;
    return true;
  }
  bool on_string(std::string_view s, size_t, json::error_code&) {
    string_ += s;
    bool ok = Add(json::string(string_));
    string_.clear();
    return ok;
  }
  bool on_number_part(std::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t v, std::string_view, json::error_code&) { return Add(v); }
  bool on_uint64(uint64_t v, std::string_view, json::error_code&) { return Add(v); }
  bool on_double(double v, std::string_view, json::error_code& ec) {
    // Boost.JSON reads 1e400 as infinity, which it then writes as "Infinity": the
    // journaled body would no longer be JSON.
    if (!std::isfinite(v)) {
      error = "a number is out of range (JSON numbers must fit in a double, about 1.8e308)";
      ec = json::error::exponent_overflow;
      return false;
    }
    return Add(v);
  }
  bool on_bool(bool v, json::error_code&) { return Add(v); }
  bool on_null(json::error_code&) { return Add(nullptr); }
  bool on_comment_part(std::string_view, json::error_code&) { return true; }
  bool on_comment(std::string_view, json::error_code&) { return true; }

 private:
  bool Push(json::value v) {
    stack_.push_back(std::move(v));
    return true;
  }
  bool Pop() {
    json::value done = std::move(stack_.back());
    stack_.pop_back();
    return Add(std::move(done));
  }
  bool Add(json::value v) {
    if (emit_ && stack_.size() == emit_depth_ && stack_.back().is_array() &&
        pending_keys_.size() == 1) {
      base::Status s = emit_(pending_keys_.front(), std::move(v));
      if (!s.ok()) {
        error = s.message();
        return false;
      }
      return true;
    }
    if (stack_.empty()) {
      result = std::move(v);
    } else if (stack_.back().is_object()) {
      stack_.back().as_object().emplace(pending_keys_.back(), std::move(v));
      pending_keys_.pop_back();
    } else {
      stack_.back().as_array().push_back(std::move(v));
    }
    return true;
  }

  size_t emit_depth_ = 0;
  Emit emit_;
  std::vector<json::value> stack_;
  std::vector<std::string> pending_keys_;
  std::string key_;
  std::string string_;
};

}  // namespace sluice::document::internal
