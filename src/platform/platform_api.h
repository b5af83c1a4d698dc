// The subset of Coveo's Platform API that the official Push clients call, under
// /rest: sources, privilege evaluation, index fields and API keys.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/object.hpp>

#include "base/clock.h"
#include "http/router.h"
#include "platform/fields.h"
#include "platform/privileges.h"
#include "push/access.h"
#include "store/state_store.h"

namespace sluice::platform {

// A new source id shaped like Coveo's: "<org>-" and 26 random lower-case letters and digits.
std::string NewSourceId(std::string_view organization_id);

// A new organization id shaped like Coveo's: the lower-case letters and digits of `name`
// (at most 30; "organization" when it has none) and 12 random lower-case letters and digits.
std::string NewOrganizationId(std::string_view name);

class PlatformApi {
 public:
  PlatformApi(store::StateStore& store, const base::Clock& clock);
  void Register(http::Router& router);

 private:
  http::Response CreateSource(http::Request& request);
  http::Response ListSources(http::Request& request);
  http::Response ListSourcePages(http::Request& request);
  http::Response GetSource(http::Request& request);
  http::Response DeleteSource(http::Request& request);

  http::Response EvaluatePrivilege(http::Request& request);

  // POST /rest/organizations?name=: a new, empty organization and its first admin key.
  http::Response CreateOrganization(http::Request& request);

  http::Response ListFieldPage(http::Request& request);
  http::Response SearchFields(http::Request& request);
  http::Response CreateField(http::Request& request);
  http::Response CreateFields(http::Request& request);
  http::Response GetField(http::Request& request);
  http::Response UpdateField(http::Request& request);
  http::Response UpdateFields(http::Request& request);
  // Creates or updates an array of FieldModels, all or nothing.
  http::Response WriteFieldArray(http::Request& request, const PrivilegeRequest& privilege,
                                 bool create);
  http::Response DeleteField(http::Request& request);
  http::Response DeleteFields(http::Request& request);

  http::Response CreateApiKey(http::Request& request);
  http::Response ListApiKeys(http::Request& request);
  http::Response DeleteApiKey(http::Request& request);

  // The caller's key when it is valid for the request's {org} and granted `needed`;
  // otherwise the Coveo error to send.
  std::variant<store::ApiKey, http::Response> Authorize(const http::Request& request,
                                                        const PrivilegeRequest& needed);
  // The organization's fields, system ones included, as one listing page.
  http::Response FieldPage(const std::string& org, const base::Result<FieldListing>& listing);
  // The sourceIds of a new key, each an existing source of `org`; the 412 otherwise.
  std::variant<std::vector<std::string>, http::Response> KeyScope(const boost::json::object& model,
                                                                  const std::string& org);
  // Stores new (create) or changed fields; the Coveo error when one is refused.
  http::Response WriteFields(const std::string& org, const std::vector<store::Field>& fields,
                             bool create);

  store::StateStore& store_;
  const base::Clock& clock_;
  push::Access access_;
  // Creating and deleting keys is serialised so that the last admin key is never deleted.
  std::mutex api_keys_mu_;
};

}  // namespace sluice::platform
