// `ccattest collateral list|prefetch|clear`: the operator's view of the collateral cache under
// state_dir/collateral/ (core/include/ccattest/core/network.hpp), e.g. to prepare an offline site;
// and the site's network service as the other commands build it.
#pragma once

#include "ccattest/core/config.hpp"
#include "ccattest/core/network.hpp"

#include <boost/program_options/options_description.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ccattest::cli {

/// Exit statuses of every command: done, rejected or failed, usage or configuration error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

/// Where an installation keeps its site file and plugins (main.cpp finds them).
struct InstalledPaths {
    std::filesystem::path site_config;
    std::filesystem::path plugin_dir;
};

/// The options and usage lines of `ccattest collateral` (for --help and `ccattest help`).
boost::program_options::options_description collateral_options(const InstalledPaths &paths);

/// Runs `ccattest collateral <action> ...` (args: what follows "collateral"). Returns the exit
/// status: 0 done, 1 a fetch failed, 2 a usage error or a site without a collateral cache (the
/// message is printed here). ConfigError and other failures propagate to main.
int run_collateral(const std::vector<std::string> &args, const InstalledPaths &paths);

/// The network service plugins of this site fetch through, as the registry builds it: the site's
/// `network` block (mode forced online when `online`), the cache in state_dir/collateral (none
/// without a state_dir).
std::shared_ptr<net::FetchService> site_network(const SiteConfig &site, bool online);

} // namespace ccattest::cli
