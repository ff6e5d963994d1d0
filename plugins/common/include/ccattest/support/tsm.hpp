// configfs-tsm: the Linux kernel's TEE-neutral report interface (/sys/kernel/config/tsm/report),
// an evidence source for every TEE whose guest driver registers with it: SEV-SNP ("sev_guest"),
// TDX ("tdx_guest") and others. The provider attribute tells which; a plugin names the one it
// expects and is refused, with both names, on a machine of another kind.
//
// One request: create a report entry (a folder) under the configfs path, check the provider,
// write privlevel (when given) and inblob, read generation, outblob, auxblob (when wanted) and
// generation again, and remove the entry. When another writer raced (the generation moved, or
// the caller's check finds another request's data in outblob) the request is repeated, a bounded
// number of times.
#pragma once

#include <ccattest/support/bytes.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace ccattest::support::tsm {

/// The kernel's default mount point of the report interface.
inline constexpr const char *default_report_path = "/sys/kernel/config/tsm/report";

/// What outblob holds, as the caller judges it.
enum class Outblob {
    ours,     ///< the report answering this request
    not_ours, ///< another writer's report (its data, not ours): try again
};

struct Request {
    std::filesystem::path report_path = default_report_path;
    /// The provider the caller can use ("sev_guest", "tdx_guest"), and how a refusal names the
    /// machine that has it ("an SEV-SNP guest", "a TDX guest").
    std::string expected_provider;
    std::string expected_machine;
    /// Written to inblob: the report data the evidence must bind.
    std::span<const uint8_t> inblob;
    /// Written to privlevel when set (SEV-SNP's VMPL; TDX has none).
    std::optional<uint32_t> privlevel;
    /// Whether to read auxblob (SEV-SNP's certificate table; not every provider has one).
    bool read_auxblob = true;
    /// Judges outblob: returns ours or not_ours, or throws sdk::failure when it is unusable
    /// (e.g. of the wrong size). Unset: every outblob is ours.
    std::function<Outblob(std::span<const uint8_t> outblob)> judge;
    size_t max_blob_size = size_t{64} << 10U;
    int max_attempts = 3;
    /// Test seam, standing in for the kernel: called after the entry is created.
    std::function<void(const std::filesystem::path &entry)> after_mkdir;
};

struct Report {
    Bytes outblob;
    Bytes auxblob; ///< empty when not read
};

/// Throws sdk::failure, every message starting "configfs-tsm: ": CCATTEST_E_NO_DEVICE when the
/// report path does not exist or the provider is another one (naming both), CCATTEST_E_IO for
/// a file that cannot be created, written or read, or when other writers raced every attempt.
Report get_report(const Request &request);

} // namespace ccattest::support::tsm
