// `ccattest provision`: a federation's startup kits. From a project file it makes the federation's
// own root CA and, for every site, a key and a certificate whose subject names the site and its
// role, issued by that CA, and a site config that names them. Each kit is copied to its machine;
// the CA's key stays with the operator who provisions.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ccattest {

/// One site of a project.
struct ProvisionedSite {
    std::string name;
    std::string role;          ///< "server" or "client"
    std::filesystem::path kit; ///< its folder under the output folder
};

struct ProvisionResult {
    std::filesystem::path ca_folder; ///< federation-ca.pem and federation-ca.key (0600)
    std::vector<ProvisionedSite> sites;
};

/// Validates `project` (project.schema.json; `origin` names it in errors, `project_dir` is where
/// its relative policy files are) and writes the kits into `out`, which must not exist or be an
/// empty folder: nothing is ever overwritten. Keys are P-384, private keys are written 0600.
/// The kits are built in a temporary folder beside `out` and renamed into place, so a failure
/// leaves nothing half-written. `now` is the certificates' start (seconds since the epoch).
/// Throws ConfigError for a bad project, std::runtime_error naming the file for I/O failures.
ProvisionResult provision_federation(const boost::json::value &project, const std::string &origin,
                                     const std::filesystem::path &project_dir,
                                     const std::filesystem::path &out, int64_t now);

} // namespace ccattest
