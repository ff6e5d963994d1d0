// TCB status grading for TDX, following the rules of Intel's quote verification library:
//
//  - Platform level: the first level, in document order, whose SGX components are each at most the
//    PCK's and whose PCESVN is at most the PCK's, and whose TDX components are each at most the
//    TD's TEE_TCB_SVN. When the TDX module's major version (TEE_TCB_SVN byte 1) is above zero,
//    bytes 0 and 1 (the module's minor SVN and major version) are graded by the module identity
//    instead, so the TDX comparison starts at byte 2.
//  - TDX module: with major version 0 the TCB info's tdxModule block must match the report
//    (MRSIGNERSEAM equal to its mrsigner, SEAMATTRIBUTES under attributesMask equal to its
//    attributes), and it adds no status. With a major version above 0 the identity whose id is
//    "TDX_" and that version as two upper-case hex digits (the document's id is compared without
//    regard to case) must exist and match the same way; its first level whose isvsvn is at most
//    TEE_TCB_SVN byte 0 gives the module's status, which may only be UpToDate, OutOfDate or
//    Revoked. A module OutOfDate turns UpToDate and SWHardeningNeeded into OutOfDate, and
//    ConfigurationNeeded and ConfigurationAndSWHardeningNeeded into OutOfDateConfigurationNeeded;
//    a module Revoked makes the platform Revoked.
//  - A TD 1.5 report is matched by its TEE_TCB_SVN like a 1.0 report. TEE_TCB_SVN2 (the module
//    the TD would run on after a relaunch) only feeds Intel's "relaunch advised" statuses, which
//    this grading does not report: such a TD keeps its OutOfDate status.
//  - QE: MISCSELECT under its mask, attributes under their mask, MRSIGNER and ISVPRODID must
//    match, in that order; then the first level whose isvsvn is at most the report's. Any QE level
//    other than UpToDate and Revoked counts as "QE out of date", which turns the platform's
//    UpToDate and SWHardeningNeeded into OutOfDate, and ConfigurationNeeded and
//    ConfigurationAndSWHardeningNeeded into OutOfDateConfigurationNeeded.
//  - Revoked anywhere refuses the evidence.
#include "tcb.hpp"

#include "collateral.hpp"
#include "quote.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/bytes.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <span>

namespace ccattest::tdx {

using sdk::failure;

namespace {

constexpr std::array<std::pair<TcbStatus, std::string_view>, 7> status_names{{
    {TcbStatus::up_to_date, "UpToDate"},
    {TcbStatus::sw_hardening_needed, "SWHardeningNeeded"},
    {TcbStatus::configuration_needed, "ConfigurationNeeded"},
    {TcbStatus::configuration_and_sw_hardening_needed, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::out_of_date, "OutOfDate"},
    {TcbStatus::out_of_date_configuration_needed, "OutOfDateConfigurationNeeded"},
    {TcbStatus::revoked, "Revoked"},
}};

[[noreturn]] void refuse(const std::string &message) {
    throw failure(CCATTEST_E_VERIFICATION_FAILED, message);
}

std::string decimal_list(std::span<const uint8_t> values) {
    std::string out;
    for (const uint8_t value : values) {
        out += (out.empty() ? "" : ",") + std::to_string(value);
    }
    return out;
}

/// The status after something the platform rests on (the TDX module, the QE) is out of date.
TcbStatus made_out_of_date(TcbStatus status) {
    switch (status) {
    case TcbStatus::up_to_date:
    case TcbStatus::sw_hardening_needed: return TcbStatus::out_of_date;
    case TcbStatus::configuration_needed:
    case TcbStatus::configuration_and_sw_hardening_needed:
        return TcbStatus::out_of_date_configuration_needed;
    default: return status;
    }
}

void append_unique(std::vector<std::string> &to, const std::vector<std::string> &ids) {
    for (const auto &id : ids) {
        if (std::find(to.begin(), to.end(), id) == to.end()) {
            to.push_back(id);
        }
    }
}

bool components_met(std::span<const uint8_t, 16> have, std::span<const uint8_t, 16> need,
                    size_t from) {
    for (size_t i = from; i < have.size(); ++i) {
        if (have[i] < need[i]) {
            return false;
        }
    }
    return true;
}

std::string module_identity_id(uint8_t major) {
    std::array<char, 8> id{};
    (void)std::snprintf(id.data(), id.size(), "TDX_%02X", static_cast<unsigned>(major));
    return id.data();
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

template <size_t N>
std::array<uint8_t, N> masked(const std::array<uint8_t, N> &value,
                              const std::array<uint8_t, N> &mask) {
    std::array<uint8_t, N> out{};
    for (size_t i = 0; i < N; ++i) {
        out[i] = static_cast<uint8_t>(value[i] & mask[i]);
    }
    return out;
}

/// The module block (tdxModule or an identity) the report's SEAM signer and attributes must match.
void check_module(const TdxModule &module, const std::string &name, const PlatformTcb &platform,
                  const std::string &label) {
    if (platform.mr_signer_seam != module.mrsigner) {
        refuse(label + ": the TDX module's signer (MRSIGNERSEAM " +
               support::to_hex(platform.mr_signer_seam) + ") is not the mrsigner of " + name +
               " (" + support::to_hex(module.mrsigner) + ")");
    }
    if (masked(platform.seam_attributes, module.attributes_mask) != module.attributes) {
        refuse(label + ": the TDX module's SEAMATTRIBUTES " +
               support::to_hex(platform.seam_attributes) + " under the mask " +
               support::to_hex(module.attributes_mask) + " are not the attributes of " + name +
               " (" + support::to_hex(module.attributes) + ")");
    }
}

/// The module identity for a module major version above 0, its signer and attributes checked.
const TdxModuleIdentity &module_identity(const TcbInfo &info, const PlatformTcb &platform,
                                         const std::string &label) {
    const uint8_t major = platform.tee_tcb_svn[1];
    const std::string id = module_identity_id(major);
    const auto found = std::find_if(
        info.tdx_module_identities.begin(), info.tdx_module_identities.end(),
        [&](const TdxModuleIdentity &identity) { return same_ignoring_case(identity.id, id); });
    if (found == info.tdx_module_identities.end()) {
        refuse(label + ": no TDX module identity " + id + " for the TDX module's major version " +
               std::to_string(major) + " (TEE TCB SVN byte 1)");
    }
    check_module(found->module, "TDX module identity " + id, platform, label);
    return *found;
}

/// The module identity's level for the module's SVN (TEE_TCB_SVN byte 0).
const ModuleTcbLevel &module_level(const TdxModuleIdentity &identity, const PlatformTcb &platform,
                                   const std::string &label) {
    const uint8_t svn = platform.tee_tcb_svn[0];
    const auto found =
        std::find_if(identity.levels.begin(), identity.levels.end(),
                     [&](const ModuleTcbLevel &level) { return svn >= level.isvsvn; });
    if (found == identity.levels.end()) {
        refuse(label + ": TDX module identity " + identity.id +
               " has no TCB level for the module's SVN " + std::to_string(svn) +
               " (TEE TCB SVN byte 0)");
    }
    if (found->status != TcbStatus::up_to_date && found->status != TcbStatus::out_of_date &&
        found->status != TcbStatus::revoked) {
        refuse(label + ": TDX module identity " + identity.id + " level isvsvn " +
               std::to_string(found->isvsvn) + " has status " +
               std::string(tcb_status_name(found->status)) +
               ", which a module level cannot have (UpToDate, OutOfDate or Revoked)");
    }
    return *found;
}

/// The first level the platform meets, or a refusal naming what the platform has.
const TcbLevel &matching_level(const TcbInfo &info, const PlatformTcb &platform,
                               const std::string &label) {
    // With a module identity in use, bytes 0 and 1 are the module's and graded by it.
    const size_t tdx_from = platform.tee_tcb_svn[1] > 0 ? 2 : 0;
    std::optional<size_t> sgx_met;
    for (size_t i = 0; i < info.levels.size(); ++i) {
        const TcbLevel &level = info.levels[i];
        if (!components_met(platform.pck_components, level.sgx_components, 0) ||
            platform.pcesvn < level.pcesvn) {
            continue;
        }
        if (!sgx_met) {
            sgx_met = i;
        }
        if (components_met(platform.tee_tcb_svn, level.tdx_components, tdx_from)) {
            return level;
        }
    }
    const std::string have = "PCK SGX components " + decimal_list(platform.pck_components) +
                             "; PCESVN " + std::to_string(platform.pcesvn) + "; TEE TCB SVN " +
                             support::to_hex(platform.tee_tcb_svn);
    if (sgx_met) {
        refuse(label +
               ": no TCB level matches the platform: its SGX components and PCESVN meet "
               "level " +
               std::to_string(*sgx_met) + " (tcbDate " + info.levels[*sgx_met].tcb_date_text +
               ") but its TEE TCB SVN meets none from there (" + have + ")");
    }
    refuse(label + ": no TCB level matches the platform (" + have + ")");
}

} // namespace

std::string_view tcb_status_name(TcbStatus status) noexcept {
    for (const auto &[value, name] : status_names) {
        if (value == status) {
            return name;
        }
    }
    return "unknown";
}

std::optional<TcbStatus> parse_tcb_status(std::string_view name) noexcept {
    for (const auto &[value, known] : status_names) {
        if (known == name) {
            return value;
        }
    }
    return std::nullopt;
}

Grade grade_platform(const TcbInfo &tcb_info, const PlatformTcb &platform) {
    const std::string label = "TCB info (FMSPC " + support::to_hex(tcb_info.fmspc) + ")";
    // The module is checked first, as Intel's library does: a report from an unknown module is
    // refused whatever its TCB level.
    const TdxModuleIdentity *identity = nullptr;
    if (platform.tee_tcb_svn[1] > 0) {
        identity = &module_identity(tcb_info, platform, label);
    } else if (tcb_info.tdx_module) {
        check_module(*tcb_info.tdx_module, "tdxModule", platform, label);
    } else {
        refuse(label + ": has no tdxModule to check the TDX module (major version 0) against");
    }
    const TcbLevel &level = matching_level(tcb_info, platform, label);
    Grade grade{level.status, level.advisory_ids, level.tcb_date_text};
    if (identity != nullptr) {
        const ModuleTcbLevel &module = module_level(*identity, platform, label);
        if (module.status == TcbStatus::revoked) {
            refuse(label + ": the TDX module's TCB level (" + identity->id + ", isvsvn " +
                   std::to_string(module.isvsvn) + ") is Revoked");
        }
        if (module.status == TcbStatus::out_of_date) {
            grade.status = made_out_of_date(grade.status);
        }
        append_unique(grade.advisory_ids, module.advisory_ids);
    }
    if (grade.status == TcbStatus::revoked) {
        refuse(label + ": the platform's TCB level (tcbDate " + level.tcb_date_text +
               ") is Revoked");
    }
    return grade;
}

Grade grade_qe(const QeIdentity &identity, const EnclaveReport &qe_report) {
    const std::string label = "QE identity (" + identity.id + ")";
    const uint32_t miscselect = qe_report.miscselect & identity.miscselect_mask;
    if (miscselect != identity.miscselect) {
        std::array<char, 64> text{};
        (void)std::snprintf(text.data(), text.size(), "%08X under the mask %08X is %08X",
                            qe_report.miscselect, identity.miscselect_mask, miscselect);
        std::array<char, 16> wanted{};
        (void)std::snprintf(wanted.data(), wanted.size(), "%08X", identity.miscselect);
        refuse(label + ": the QE's MISCSELECT " + text.data() + ", the identity requires " +
               wanted.data());
    }
    if (masked(qe_report.attributes, identity.attributes_mask) != identity.attributes) {
        refuse(label + ": the QE's attributes " + support::to_hex(qe_report.attributes) +
               " under the mask " + support::to_hex(identity.attributes_mask) +
               " are not the identity's " + support::to_hex(identity.attributes));
    }
    if (qe_report.mrsigner != identity.mrsigner) {
        refuse(label + ": the QE's MRSIGNER " + support::to_hex(qe_report.mrsigner) +
               " is not the identity's " + support::to_hex(identity.mrsigner));
    }
    if (qe_report.isvprodid != identity.isvprodid) {
        refuse(label + ": the QE's ISVPRODID " + std::to_string(qe_report.isvprodid) +
               " is not the identity's " + std::to_string(identity.isvprodid));
    }
    const auto level = std::find_if(
        identity.levels.begin(), identity.levels.end(),
        [&](const QeTcbLevel &candidate) { return qe_report.isvsvn >= candidate.isvsvn; });
    if (level == identity.levels.end()) {
        refuse(label + ": no TCB level matches the QE's ISVSVN " +
               std::to_string(qe_report.isvsvn));
    }
    if (level->status == TcbStatus::revoked) {
        refuse(label + ": the QE's TCB level (isvsvn " + std::to_string(level->isvsvn) +
               ") is Revoked");
    }
    return Grade{level->status, level->advisory_ids, level->tcb_date_text};
}

Grade combine(const Grade &platform, const Grade &qe) {
    if (platform.status == TcbStatus::revoked || qe.status == TcbStatus::revoked) {
        refuse(std::string("combined TCB status: the ") +
               (platform.status == TcbStatus::revoked ? "platform" : "QE") + " is Revoked");
    }
    Grade combined = platform;
    if (qe.status != TcbStatus::up_to_date) {
        combined.status = made_out_of_date(platform.status);
    }
    append_unique(combined.advisory_ids, qe.advisory_ids);
    // The combined TCB is as old as its older part. Dates are all "YYYY-MM-DDThh:mm:ssZ"
    // (collateral.cpp refuses other spellings), so their text orders as their time does.
    if (combined.tcb_date.empty() || (!qe.tcb_date.empty() && qe.tcb_date < combined.tcb_date)) {
        combined.tcb_date = qe.tcb_date;
    }
    return combined;
}

} // namespace ccattest::tdx
