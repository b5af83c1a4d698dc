#include "platform/platform_api.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/api_key.h"
#include "base/ascii.h"
#include "base/random.h"
#include "push/errors.h"
#include "push/params.h"

namespace sluice::platform {
namespace {

namespace json = boost::json;
using push::CoveoError;

constexpr size_t kSourceIdRandomChars = 26;
constexpr size_t kOrganizationNameChars = 30;
constexpr size_t kOrganizationIdRandomChars = 12;
constexpr size_t kMaxNameLength = 255;
constexpr uint32_t kMaxSourcesPerPage = 1000;
constexpr std::string_view kSourceTypes[] = {"PUSH", "CATALOG"};
constexpr std::string_view kVisibilities[] = {"PRIVATE", "SECURED", "SHARED"};
constexpr std::string_view kKeyPrivileges[] = {
    push::kPrivilegeAdmin,  push::kPrivilegeFields,      push::kPrivilegePush,
    push::kPrivilegeSearch, push::kPrivilegeImpersonate, push::kPrivilegeViewAllContent};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

template <size_t N>
std::string ListOf(const std::string_view (&allowed)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    out += i == 0 ? "" : (i + 1 == N ? " or " : ", ");
    out += allowed[i];
  }
  return out;
}

http::Response NoContent() { return http::Response::Json(204, ""); }

http::Response InvalidParameter(std::string_view message) {
  return CoveoError(412, "INVALID_PARAMETER", message);
}

http::Response MissingParameter(std::string_view name) {
  return CoveoError(412, "MISSING_PARAMETER", "Parameter '" + std::string(name) + "' is missing.");
}

// The request body as JSON; the 400 to send when it is not JSON.
std::variant<json::value, http::Response> ParseBody(const http::Request& request) {
  if (request.body.empty()) return json::value();
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec) {
    return CoveoError(400, "INVALID_JSON", "The request body is not valid JSON: " + ec.message());
  }
  return body;
}

// A string member that may be absent or null; the 412 to send when it has another type.
std::variant<std::optional<std::string>, http::Response> StringMember(const json::object& obj,
                                                                      std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) {
    return InvalidParameter("'" + std::string(key) + "' must be a string (got " +
                            json::serialize(*v) + ").");
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

// A new source's name, type and visibility from a SourceModel; the 412 to send otherwise.
std::variant<store::Source, http::Response> SourceFromJson(const json::object& model,
                                                           const std::string& org) {
  store::Source source;
  source.organization_id = org;
  auto name = StringMember(model, "name");
  if (auto* error = std::get_if<http::Response>(&name)) return *error;
  auto& name_value = std::get<std::optional<std::string>>(name);
  if (!name_value || name_value->empty()) return MissingParameter("name");
  if (name_value->size() > kMaxNameLength) {
    return InvalidParameter("'name' must be at most " + std::to_string(kMaxNameLength) +
                            " characters (got " + std::to_string(name_value->size()) + ").");
  }
  source.name = *name_value;
  auto type = StringMember(model, "sourceType");
  if (auto* error = std::get_if<http::Response>(&type)) return *error;
  auto& type_value = std::get<std::optional<std::string>>(type);
  if (!type_value) return MissingParameter("sourceType");
  if (!OneOf(*type_value, kSourceTypes)) {
    return InvalidParameter("sourceType '" + *type_value + "' is not supported: Sluice hosts " +
                            ListOf(kSourceTypes) + " sources.");
  }
  source.type = *type_value;
  auto visibility = StringMember(model, "sourceVisibility");
  if (auto* error = std::get_if<http::Response>(&visibility)) return *error;
  if (auto& v = std::get<std::optional<std::string>>(visibility)) {
    if (!OneOf(*v, kVisibilities)) {
      return InvalidParameter("sourceVisibility must be " + ListOf(kVisibilities) + " (got '" + *v +
                              "').");
    }
    source.visibility = *v;
  }
  return source;
}

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object SourceJson(const store::Source& s) {
  return json::object{{"id", s.id},
                      {"name", s.name},
                      {"sourceType", s.type},
                      {"sourceVisibility", s.visibility},
                      {"pushEnabled", true},  // every Sluice source takes the Push API
                      {"streamEnabled", s.type == "CATALOG"},
                      {"createdDate", base::FormatIso8601Ms(s.created_ms)}};
}

json::object ApiKeyJson(const store::ApiKey& k) {
  return json::object{{"id", k.id},
                      {"organizationId", k.organization_id},
                      {"displayName", k.display_name},
                      {"privileges", StringArray(k.privileges)},
                      {"sourceIds", StringArray(k.source_ids)},
                      {"createdDate", base::FormatIso8601Ms(k.created_ms)},
                      // Tells keys apart without revealing them: the first 16 hex digits of
                      // the stored SHA-256, i.e. `printf %s "$KEY" | sha256sum | cut -c1-16`.
                      {"fingerprint", k.key_hash.substr(0, 16)}};
}

http::Response FieldNotFound(const std::string& name, const std::string& org) {
  return CoveoError(404, "FIELD_NOT_FOUND",
                    "Field '" + name + "' does not exist in organization '" + org + "'.");
}

http::Response SystemFieldRefused(const std::string& name) {
  return CoveoError(
      412, "SYSTEM_FIELD",
      "Field '" + name + "' is a system field; it cannot be created, changed or deleted.");
}

// The field names of ?fields=a&fields=b (or fields=a,b).
std::vector<std::string> FieldNamesParameter(const http::Request& request) {
  std::vector<std::string> names;
  for (const std::string& value : request.QueryAll("fields")) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) names.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return names;
}

// Fields from a JSON array of FieldModels; the 412 naming the bad one otherwise.
std::variant<std::vector<store::Field>, http::Response> FieldsFromArray(const json::value& body,
                                                                        std::string_view org,
                                                                        int64_t now_ms) {
  if (!body.is_array()) {
    return InvalidParameter("The body must be a JSON array of fields (FieldModel objects).");
  }
  std::vector<store::Field> fields;
  const json::array& models = body.as_array();
  for (size_t i = 0; i < models.size(); ++i) {
    auto field = FieldFromJson(models[i], org, now_ms);
    if (!field.ok()) {
      return InvalidParameter("Field #" + std::to_string(i + 1) +
                              " of the batch: " + field.status().message() + ".");
    }
    fields.push_back(std::move(*field));
  }
  return fields;
}

// The privileges of a new key: known Sluice names, each once.
std::variant<std::vector<std::string>, http::Response> KeyPrivileges(const json::object& body) {
  const json::value* raw = body.if_contains("privileges");
  if (raw == nullptr || raw->is_null()) return MissingParameter("privileges");
  const std::string allowed = ListOf(kKeyPrivileges);
  if (!raw->is_array() || raw->as_array().empty()) {
    return InvalidParameter("'privileges' must be a non-empty array of Sluice privilege names (" +
                            allowed + ").");
  }
  std::vector<std::string> privileges;
  for (const json::value& p : raw->as_array()) {
    if (!p.is_string() || !OneOf(p.as_string(), kKeyPrivileges)) {
      return InvalidParameter("Privilege " + json::serialize(p) +
                              " is not a Sluice privilege; use " + allowed + ".");
    }
    std::string name(p.as_string());
    if (std::find(privileges.begin(), privileges.end(), name) == privileges.end()) {
      privileges.push_back(std::move(name));
    }
  }
  return privileges;
}

// Appends `count` random lower-case letters and digits to `id`.
void AppendRandomChars(std::string& id, size_t count) {
  constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  // Bytes at or above 252 (7 * 36) are skipped so that every character is equally likely.
  constexpr unsigned kUnbiasedLimit = 252;
  const size_t length = id.size() + count;
  std::array<std::byte, 32> bytes{};
  while (id.size() < length) {
    base::RandomBytes(bytes);
    for (std::byte b : bytes) {
      auto v = static_cast<unsigned>(b);
      if (v < kUnbiasedLimit && id.size() < length) id += kAlphabet[v % kAlphabet.size()];
    }
  }
}

}  // namespace

std::string NewSourceId(std::string_view organization_id) {
  std::string id(organization_id);
  id += '-';
  AppendRandomChars(id, kSourceIdRandomChars);
  return id;
}

std::string NewOrganizationId(std::string_view name) {
  std::string id;
  for (char c : name) {
    if (id.size() == kOrganizationNameChars) break;
    const char lower = base::AsciiLower(c);
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) id += lower;
  }
  if (id.empty()) id = "organization";
  AppendRandomChars(id, kOrganizationIdRandomChars);
  return id;
}

PlatformApi::PlatformApi(store::StateStore& store, const base::Clock& clock)
    : store_(store), clock_(clock), access_(store) {}

void PlatformApi::Register(http::Router& router) {
  using H = http::Response (PlatformApi::*)(http::Request&);
  auto add = [&](std::string method, const std::string& pattern, H handler) {
    router.Add(std::move(method), pattern,
               [this, handler](http::Request& r) { return (this->*handler)(r); });
  };
  const std::string org = "/rest/organizations/{org}";
  add("POST", org + "/sources", &PlatformApi::CreateSource);
  add("GET", org + "/sources", &PlatformApi::ListSources);
  add("GET", org + "/sources/pages", &PlatformApi::ListSourcePages);  // before {source}
  add("GET", org + "/sources/{source}", &PlatformApi::GetSource);
  add("DELETE", org + "/sources/{source}", &PlatformApi::DeleteSource);

  add("POST", "/rest/privilege/evaluate", &PlatformApi::EvaluatePrivilege);
  add("POST", "/rest/organizations", &PlatformApi::CreateOrganization);

  const std::string fields = org + "/indexes/fields";
  add("GET", org + "/indexes/page/fields", &PlatformApi::ListFieldPage);
  add("POST", fields + "/search", &PlatformApi::SearchFields);
  add("POST", fields + "/batch/create", &PlatformApi::CreateFields);
  add("PUT", fields + "/batch/update", &PlatformApi::UpdateFields);
  add("DELETE", fields + "/batch/delete", &PlatformApi::DeleteFields);
  add("POST", fields, &PlatformApi::CreateField);
  add("GET", fields + "/{field}", &PlatformApi::GetField);
  add("PUT", fields + "/{field}", &PlatformApi::UpdateField);
  add("DELETE", fields + "/{field}", &PlatformApi::DeleteField);

  add("POST", org + "/apikeys", &PlatformApi::CreateApiKey);
  add("GET", org + "/apikeys", &PlatformApi::ListApiKeys);
  add("DELETE", org + "/apikeys/{key}", &PlatformApi::DeleteApiKey);
}

std::variant<store::ApiKey, http::Response> PlatformApi::Authorize(const http::Request& request,
                                                                   const PrivilegeRequest& needed) {
  auto access = access_.Authenticate(request, request.path_params.at("org"));
  if (!access.key) return access.error;
  if (!IsGranted(*access.key, needed)) {
    std::string granting;
    for (std::string_view p : GrantingPrivileges(needed)) {
      granting += (granting.empty() ? "'" : ", '") + std::string(p) + "'";
    }
    return CoveoError(403, "ACCESS_DENIED",
                      "The API key lacks the privilege " + Describe(needed) +
                          "; a key needs one of the Sluice privileges " + granting + ".");
  }
  return std::move(*access.key);
}

// Sources ------------------------------------------------------------------

http::Response PlatformApi::CreateSource(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "SOURCE", "CREATE"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const json::object* model = std::get<json::value>(body).if_object();
  if (model == nullptr) return CoveoError(400, "INVALID_JSON", "The body must be a JSON object.");

  auto parsed = SourceFromJson(*model, request.path_params.at("org"));
  if (auto* error = std::get_if<http::Response>(&parsed)) return *error;
  store::Source& source = std::get<store::Source>(parsed);
  source.id = NewSourceId(source.organization_id);
  source.created_ms = clock_.NowMs();
  base::Status s = store_.CreateSource(source);
  if (!s.ok()) return push::FromStatus(s);
  return http::Response::Json(201, json::serialize(SourceJson(source)));
}

http::Response PlatformApi::ListSources(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "SOURCE", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto sources = store_.ListSources(request.path_params.at("org"));
  if (!sources.ok()) return push::FromStatus(sources.status());
  json::array out;
  for (const auto& s : *sources) out.push_back(SourceJson(s));
  return http::Response::Json(200, json::serialize(out));
}

http::Response PlatformApi::ListSourcePages(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "SOURCE", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto paging = push::ParsePage(request, 100, kMaxSourcesPerPage);
  if (!paging.ok()) return InvalidParameter(paging.status().message());
  const auto [page, per_page] = *paging;
  auto sources = store_.ListSources(request.path_params.at("org"));
  if (!sources.ok()) return push::FromStatus(sources.status());
  const uint64_t total = sources->size();
  const uint64_t first = uint64_t{page} * per_page;
  json::array items;
  for (uint64_t i = first; i < total && i < first + per_page; ++i) {
    items.push_back(SourceJson((*sources)[i]));
  }
  json::object body{{"items", std::move(items)},
                    {"totalEntries", total},
                    {"totalPages", (total + per_page - 1) / per_page}};
  return http::Response::Json(200, json::serialize(body));
}

http::Response PlatformApi::GetSource(http::Request& request) {
  const std::string& id = request.path_params.at("source");
  auto key = Authorize(request, {"PLATFORM", "SOURCE", "VIEW", id});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  auto source = store_.GetSource(org, id);
  if (!source.ok()) return push::FromStatus(source.status());
  if (!*source) {
    return CoveoError(404, "SOURCE_NOT_FOUND",
                      "Source '" + id + "' does not exist in organization '" + org + "'.");
  }
  return http::Response::Json(200, json::serialize(SourceJson(**source)));
}

http::Response PlatformApi::DeleteSource(http::Request& request) {
  const std::string& id = request.path_params.at("source");
  auto key = Authorize(request, {"PLATFORM", "SOURCE", "EDIT", id});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  // Only the catalog entry goes: the source's items, journal entries, logs and index
  // directory stay on disk until a later version reclaims them. Nothing reaches them, as
  // new source ids are random and search only reads the sources in the catalog.
  base::Status s = store_.DeleteSource(org, id);
  if (s.code() == base::StatusCode::kNotFound) {
    return CoveoError(404, "SOURCE_NOT_FOUND",
                      "Source '" + id + "' does not exist in organization '" + org + "'.");
  }
  if (!s.ok()) return push::FromStatus(s);
  return NoContent();
}

// Privileges ---------------------------------------------------------------

http::Response PlatformApi::EvaluatePrivilege(http::Request& request) {
  auto access = access_.Authenticate(request, "");
  if (!access.key) return access.error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const json::object* model = std::get<json::value>(body).if_object();
  if (model == nullptr) return CoveoError(400, "INVALID_JSON", "The body must be a JSON object.");
  auto org = StringMember(*model, "organizationId");
  if (auto* error = std::get_if<http::Response>(&org)) return *error;
  const std::string organization_id =
      std::get<std::optional<std::string>>(org).value_or(access.key->organization_id);
  const json::value* requested = model->if_contains("requestedPrivilege");
  if (requested == nullptr || !requested->is_object()) {
    return MissingParameter("requestedPrivilege");
  }
  PrivilegeRequest privilege;
  for (auto [member, target] : {std::pair{"owner", &privilege.owner},
                                {"targetDomain", &privilege.target_domain},
                                {"type", &privilege.type},
                                {"targetId", &privilege.target_id}}) {
    auto value = StringMember(requested->as_object(), member);
    if (auto* error = std::get_if<http::Response>(&value)) return *error;
    if (auto& v = std::get<std::optional<std::string>>(value)) *target = *v;
  }
  std::string_view report = "OPERATION_GRANTED";
  if (organization_id != access.key->organization_id) {
    report = "OPERATION_FORBIDDEN_FOR_AUTHENTICATION_BOUND_TO_DIFFERENT_ORGANIZATION";
  } else if (privilege.target_domain.empty() || privilege.type.empty()) {
    report = "OPERATION_FORBIDDEN_INVALID_PRIVILEGE_REQUEST";
  } else if (!IsGranted(*access.key, privilege)) {
    report = "OPERATION_NOT_ALLOWED";
  }
  json::object out{{"approved", report == "OPERATION_GRANTED"},
                   {"evaluationReport", report},
                   {"organizationId", organization_id},
                   {"requestedPrivilege", json::object{{"owner", privilege.owner},
                                                       {"targetDomain", privilege.target_domain},
                                                       {"type", privilege.type},
                                                       {"targetId", privilege.target_id}}}};
  return http::Response::Json(200, json::serialize(out));
}

// Fields -------------------------------------------------------------------

http::Response PlatformApi::FieldPage(const std::string& org,
                                      const base::Result<FieldListing>& listing) {
  if (!listing.ok()) return InvalidParameter(listing.status().message());
  auto stored = store_.ListFields(org);
  if (!stored.ok()) return push::FromStatus(stored.status());
  std::vector<store::Field> fields = SystemFields(org);
  fields.insert(fields.end(), stored->begin(), stored->end());
  return http::Response::Json(200, json::serialize(ListPage(std::move(fields), *listing)));
}

http::Response PlatformApi::ListFieldPage(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  return FieldPage(request.path_params.at("org"), ListingFromQuery(request));
}

http::Response PlatformApi::SearchFields(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  return FieldPage(request.path_params.at("org"), ListingFromJson(std::get<json::value>(body)));
}

http::Response PlatformApi::WriteFields(const std::string& org,
                                        const std::vector<store::Field>& fields, bool create) {
  for (const store::Field& f : fields) {
    if (!IsSystemField(f.name)) continue;
    if (create) {
      return CoveoError(409, "FIELD_ALREADY_EXISTS",
                        "Field '" + f.name + "' already exists: it is a system field.");
    }
    return SystemFieldRefused(f.name);
  }
  base::Status s = create ? store_.CreateFields(fields) : store_.UpdateFields(fields);
  if (s.code() == base::StatusCode::kAlreadyExists) {
    return CoveoError(409, "FIELD_ALREADY_EXISTS",
                      "Could not create the fields: " + s.message() + " in organization '" + org +
                          "'. No field of the request was created.");
  }
  if (s.code() == base::StatusCode::kNotFound) {
    return CoveoError(404, "FIELD_NOT_FOUND",
                      "Could not update the fields: " + s.message() + " in organization '" + org +
                          "'. No field of the request was changed.");
  }
  if (!s.ok()) return push::FromStatus(s);
  return NoContent();
}

http::Response PlatformApi::CreateField(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "CREATE"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const std::string& org = request.path_params.at("org");
  auto field = FieldFromJson(std::get<json::value>(body), org, clock_.NowMs());
  if (!field.ok()) return InvalidParameter(field.status().message() + ".");
  return WriteFields(org, {std::move(*field)}, /*create=*/true);
}

http::Response PlatformApi::CreateFields(http::Request& request) {
  return WriteFieldArray(request, {"PLATFORM", "FIELD", "CREATE"}, /*create=*/true);
}

http::Response PlatformApi::WriteFieldArray(http::Request& request,
                                            const PrivilegeRequest& privilege, bool create) {
  auto key = Authorize(request, privilege);
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const std::string& org = request.path_params.at("org");
  auto fields = FieldsFromArray(std::get<json::value>(body), org, clock_.NowMs());
  if (auto* error = std::get_if<http::Response>(&fields)) return *error;
  return WriteFields(org, std::get<std::vector<store::Field>>(fields), create);
}

http::Response PlatformApi::GetField(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  const std::string& name = request.path_params.at("field");
  for (const store::Field& f : SystemFields(org)) {
    if (f.name == name) return http::Response::Json(200, json::serialize(FieldToJson(f)));
  }
  auto field = store_.GetField(org, name);
  if (!field.ok()) return push::FromStatus(field.status());
  if (!*field) return FieldNotFound(name, org);
  return http::Response::Json(200, json::serialize(FieldToJson(**field)));
}

http::Response PlatformApi::UpdateField(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "EDIT"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const std::string& org = request.path_params.at("org");
  const std::string& name = request.path_params.at("field");
  json::value& model = std::get<json::value>(body);
  if (json::object* obj = model.if_object()) {
    const json::value* sent = obj->if_contains("name");
    if (sent == nullptr || sent->is_null()) {
      (*obj)["name"] = name;  // the path names the field; the body may omit it
    } else if (!sent->is_string() || sent->as_string() != name) {
      return InvalidParameter("The body names field " + json::serialize(*sent) +
                              " but the path names '" + name + "'; fields cannot be renamed.");
    }
  }
  auto field = FieldFromJson(model, org, clock_.NowMs());
  if (!field.ok()) return InvalidParameter(field.status().message() + ".");
  return WriteFields(org, {std::move(*field)}, /*create=*/false);
}

http::Response PlatformApi::UpdateFields(http::Request& request) {
  return WriteFieldArray(request, {"PLATFORM", "FIELD", "EDIT"}, /*create=*/false);
}

http::Response PlatformApi::DeleteField(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "EDIT"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  const std::string& name = request.path_params.at("field");
  if (IsSystemField(name)) return SystemFieldRefused(name);
  base::Status s = store_.DeleteFields(org, {name});
  if (s.code() == base::StatusCode::kNotFound) return FieldNotFound(name, org);
  if (!s.ok()) return push::FromStatus(s);
  return NoContent();
}

http::Response PlatformApi::DeleteFields(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "FIELD", "EDIT"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  std::vector<std::string> names = FieldNamesParameter(request);
  if (names.empty()) return MissingParameter("fields");
  for (const std::string& name : names) {
    if (IsSystemField(name)) return SystemFieldRefused(name);
  }
  base::Status s = store_.DeleteFields(org, names);
  if (s.code() == base::StatusCode::kNotFound) {
    return CoveoError(404, "FIELD_NOT_FOUND",
                      "Could not delete the fields: " + s.message() + " in organization '" + org +
                          "'. No field of the request was deleted.");
  }
  if (!s.ok()) return push::FromStatus(s);
  return NoContent();
}

// API keys -----------------------------------------------------------------

http::Response PlatformApi::CreateApiKey(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "API_KEY", "CREATE"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto body = ParseBody(request);
  if (auto* error = std::get_if<http::Response>(&body)) return *error;
  const json::object* model = std::get<json::value>(body).if_object();
  if (model == nullptr) return CoveoError(400, "INVALID_JSON", "The body must be a JSON object.");
  const std::string& org = request.path_params.at("org");

  store::ApiKey created;
  created.organization_id = org;
  auto name = StringMember(*model, "displayName");
  if (auto* error = std::get_if<http::Response>(&name)) return *error;
  created.display_name = std::get<std::optional<std::string>>(name).value_or("");
  if (created.display_name.size() > kMaxNameLength) {
    return InvalidParameter("'displayName' must be at most " + std::to_string(kMaxNameLength) +
                            " characters.");
  }
  auto privileges = KeyPrivileges(*model);
  if (auto* error = std::get_if<http::Response>(&privileges)) return *error;
  created.privileges = std::move(std::get<std::vector<std::string>>(privileges));
  auto scope = KeyScope(*model, org);
  if (auto* error = std::get_if<http::Response>(&scope)) return *error;
  created.source_ids = std::move(std::get<std::vector<std::string>>(scope));
  const std::string value = auth::GenerateApiKey();
  created.id = base::NewUuid();
  created.key_hash = auth::HashApiKey(value);
  created.created_ms = clock_.NowMs();
  {
    std::lock_guard lock(api_keys_mu_);
    base::Status s = store_.PutApiKey(created);
    if (!s.ok()) return push::FromStatus(s);
  }
  json::object out = ApiKeyJson(created);
  out["value"] = value;  // shown once: only its hash is stored
  return http::Response::Json(201, json::serialize(out));
}

http::Response PlatformApi::CreateOrganization(http::Request& request) {
  // The caller's own organization decides: an admin there may create others, which share
  // nothing with it (its keys do not reach the new one, whose first key only it receives).
  auto access = access_.Authenticate(request, "");
  if (!access.key) return access.error;
  const PrivilegeRequest needed{"PLATFORM", "ORGANIZATION", "CREATE"};
  if (!IsGranted(*access.key, needed)) {
    return CoveoError(403, "ACCESS_DENIED",
                      "The API key lacks the privilege " + Describe(needed) +
                          "; a key needs the Sluice privilege 'admin'.");
  }
  std::optional<std::string> name = request.Query("name");
  if (!name || name->empty()) return MissingParameter("name");
  if (name->size() > kMaxNameLength) {
    return InvalidParameter("'name' must be at most " + std::to_string(kMaxNameLength) +
                            " characters.");
  }
  const int64_t now = clock_.NowMs();
  const std::string org = NewOrganizationId(*name);
  base::Status s = store_.EnsureOrganization(org, now);
  if (!s.ok()) return push::FromStatus(s);

  store::ApiKey admin;
  admin.id = base::NewUuid();
  admin.organization_id = org;
  admin.display_name = "First admin key of " + *name;
  admin.privileges = {std::string(push::kPrivilegeAdmin)};
  const std::string value = auth::GenerateApiKey();
  admin.key_hash = auth::HashApiKey(value);
  admin.created_ms = now;
  {
    std::lock_guard lock(api_keys_mu_);
    s = store_.PutApiKey(admin);
  }
  if (!s.ok()) return push::FromStatus(s);
  json::object key = ApiKeyJson(admin);
  key["value"] = value;  // shown once: only its hash is stored
  return http::Response::Json(201, json::serialize(json::object{{"id", org}, {"apiKey", key}}));
}

std::variant<std::vector<std::string>, http::Response> PlatformApi::KeyScope(
    const json::object& model, const std::string& org) {
  std::vector<std::string> source_ids;
  const json::value* ids = model.if_contains("sourceIds");
  if (ids == nullptr || ids->is_null()) return source_ids;
  if (!ids->is_array()) return InvalidParameter("'sourceIds' must be an array of source ids.");
  for (const json::value& id : ids->as_array()) {
    if (!id.is_string()) {
      return InvalidParameter("'sourceIds' must hold only strings (got " + json::serialize(id) +
                              ").");
    }
    std::string source_id(id.as_string());
    auto source = store_.GetSource(org, source_id);
    if (!source.ok()) return push::FromStatus(source.status());
    if (!*source) {
      std::string message = "Source '" + source_id + "' does not exist in organization '";
      message += org;
      message += "'; a key can only be limited to existing sources.";
      return CoveoError(412, "SOURCE_DOES_NOT_EXIST", message);
    }
    source_ids.push_back(std::move(source_id));
  }
  return source_ids;
}

http::Response PlatformApi::ListApiKeys(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "API_KEY", "VIEW"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  auto keys = store_.ListApiKeys(request.path_params.at("org"));
  if (!keys.ok()) return push::FromStatus(keys.status());
  json::array out;
  for (const auto& k : *keys) out.push_back(ApiKeyJson(k));
  return http::Response::Json(200, json::serialize(out));
}

http::Response PlatformApi::DeleteApiKey(http::Request& request) {
  auto key = Authorize(request, {"PLATFORM", "API_KEY", "EDIT"});
  if (auto* error = std::get_if<http::Response>(&key)) return *error;
  const std::string& org = request.path_params.at("org");
  const std::string& id = request.path_params.at("key");
  std::lock_guard lock(api_keys_mu_);
  auto keys = store_.ListApiKeys(org);
  if (!keys.ok()) return push::FromStatus(keys.status());
  auto target = std::find_if(keys->begin(), keys->end(), [&](const auto& k) { return k.id == id; });
  if (target == keys->end()) {
    return CoveoError(404, "API_KEY_NOT_FOUND",
                      "API key '" + id + "' does not exist in organization '" + org + "'.");
  }
  auto is_admin = [](const store::ApiKey& k) {
    return push::HasPrivilege(k, push::kPrivilegeAdmin);
  };
  if (is_admin(*target) && std::count_if(keys->begin(), keys->end(), is_admin) == 1) {
    return CoveoError(412, "LAST_ADMIN_KEY",
                      "API key '" + id + "' is the last admin key of organization '" + org +
                          "'; create another admin key before deleting it.");
  }
  base::Status s = store_.DeleteApiKey(org, id);
  if (!s.ok()) return push::FromStatus(s);
  return NoContent();
}

}  // namespace sluice::platform
