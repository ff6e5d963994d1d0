// TCB status grading: the real platform and QE against the real collateral, and table tests of the
// matching rules with hand-built TCB info, module identities and QE identities (tcb.cpp states
// the rules).
#include "collateral.hpp"
#include "quote.hpp"
#include "support/refusal.hpp"
#include "tcb.hpp"

#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using ccattest::support::Bytes;
using ccattest::test::refusal;
using namespace ccattest::tdx;

template <typename Document>
Document load(const std::string &name,
              Document (*parse)(std::span<const uint8_t>, const std::string &)) {
    const Bytes bytes = ccattest::support::read_file(fs::path(TDX_VECTORS) / name, 1U << 20U);
    return parse(bytes, name);
}

std::array<uint8_t, 16> filled(uint8_t value) {
    std::array<uint8_t, 16> out{};
    out.fill(value);
    return out;
}

/// TDX components of a level for module major version 0 (byte 1 is the major version, 0).
std::array<uint8_t, 16> tdx_filled(uint8_t value) {
    auto out = filled(value);
    out[1] = 0;
    return out;
}

TcbLevel level(uint8_t sgx, uint16_t pcesvn, uint8_t tdx, TcbStatus status, const std::string &date,
               std::vector<std::string> advisories = {}) {
    TcbLevel out;
    out.sgx_components = filled(sgx);
    out.pcesvn = pcesvn;
    out.tdx_components = tdx_filled(tdx);
    out.tcb_date_text = date;
    out.status = status;
    out.advisory_ids = std::move(advisories);
    return out;
}

/// Three levels, highest first, as Intel publishes them; the tdxModule block is Intel's (signer
/// zero, attributes zero under a full mask).
TcbInfo table_info() {
    TcbInfo info;
    info.id = "TDX";
    info.version = 3;
    info.fmspc = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00};
    info.tdx_module = TdxModule{};
    info.tdx_module->attributes_mask.fill(0xFF);
    info.levels = {
        level(5, 11, 3, TcbStatus::up_to_date, "2024-03-13T00:00:00Z"),
        level(4, 10, 2, TcbStatus::sw_hardening_needed, "2023-08-09T00:00:00Z", {"INTEL-SA-1"}),
        level(2, 5, 1, TcbStatus::out_of_date, "2018-01-04T00:00:00Z", {"INTEL-SA-2"}),
    };
    return info;
}

/// A platform that meets the first level exactly, module major version 0.
PlatformTcb top_platform() {
    PlatformTcb platform;
    platform.pck_components = filled(5);
    platform.pcesvn = 11;
    platform.tee_tcb_svn = tdx_filled(3);
    return platform;
}

TdxModuleIdentity module_identity(const std::string &id, std::vector<ModuleTcbLevel> levels) {
    TdxModuleIdentity identity;
    identity.id = id;
    identity.module.attributes_mask.fill(0xFF);
    identity.levels = std::move(levels);
    return identity;
}

ModuleTcbLevel module_level(uint8_t isvsvn, TcbStatus status,
                            std::vector<std::string> advisories = {}) {
    ModuleTcbLevel out;
    out.isvsvn = isvsvn;
    out.status = status;
    out.tcb_date_text = "2024-03-13T00:00:00Z";
    out.advisory_ids = std::move(advisories);
    return out;
}

/// A platform on TDX module major version 3, minor SVN `minor`.
PlatformTcb module_3_platform(uint8_t minor) {
    PlatformTcb platform = top_platform();
    platform.tee_tcb_svn[0] = minor;
    platform.tee_tcb_svn[1] = 3;
    return platform;
}

std::string platform_refusal(const TcbInfo &info, const PlatformTcb &platform) {
    const auto [status, message] = refusal([&] { (void)grade_platform(info, platform); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    return message;
}

constexpr std::array<TcbStatus, 7> all_statuses{
    TcbStatus::up_to_date,
    TcbStatus::sw_hardening_needed,
    TcbStatus::configuration_needed,
    TcbStatus::configuration_and_sw_hardening_needed,
    TcbStatus::out_of_date,
    TcbStatus::out_of_date_configuration_needed,
    TcbStatus::revoked,
};

/// What "out of date underneath" (module or QE) makes of each non-revoked platform status.
TcbStatus expected_out_of_date(TcbStatus status) {
    switch (status) {
    case TcbStatus::up_to_date:
    case TcbStatus::sw_hardening_needed:
    case TcbStatus::out_of_date: return TcbStatus::out_of_date;
    default: return TcbStatus::out_of_date_configuration_needed;
    }
}

std::string label() {
    return "TCB info (FMSPC 00906ea10000): ";
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_tcb_status_names)

BOOST_AUTO_TEST_CASE(every_status_name_round_trips) {
    const std::array<std::string_view, 7> names{"UpToDate",
                                                "SWHardeningNeeded",
                                                "ConfigurationNeeded",
                                                "ConfigurationAndSWHardeningNeeded",
                                                "OutOfDate",
                                                "OutOfDateConfigurationNeeded",
                                                "Revoked"};
    for (size_t i = 0; i < all_statuses.size(); ++i) {
        BOOST_TEST(tcb_status_name(all_statuses[i]) == names[i]);
        BOOST_TEST((parse_tcb_status(names[i]) == all_statuses[i]));
    }
    BOOST_TEST(!parse_tcb_status("Fine").has_value());
    BOOST_TEST(!parse_tcb_status("uptodate").has_value());
    BOOST_TEST(!parse_tcb_status("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_tcb_real_vectors)

// The go-tdx-guest quote's platform: its PCK's SGX components are below both levels of the TCB
// info of its own FMSPC (a pre-production part), so no level matches.
BOOST_AUTO_TEST_CASE(the_real_platform_matches_no_level) {
    const TcbInfo info = load<TcbInfo>("gotdx_tcbinfo_fmspc50806f000000.json", parse_tcb_info);
    PlatformTcb platform;
    platform.pck_components = {3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    platform.pcesvn = 11;
    platform.tee_tcb_svn = {3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    BOOST_TEST(platform_refusal(info, platform) ==
               "TCB info (FMSPC 50806f000000): no TCB level matches the platform (PCK SGX "
               "components 3,3,2,2,2,1,0,2,0,0,0,0,0,0,0,0; PCESVN 11; TEE TCB SVN "
               "03000400000000000000000000000000)");
    // With the first level's SGX components the TEE TCB SVN (byte 2 is 4, the levels need 5)
    // still matches nothing, and the message says where the SGX side stopped.
    platform.pck_components = info.levels[0].sgx_components;
    BOOST_TEST(platform_refusal(info, platform) ==
               "TCB info (FMSPC 50806f000000): no TCB level matches the platform: its SGX "
               "components and PCESVN meet level 0 (tcbDate 2023-02-15T00:00:00Z) but its TEE TCB "
               "SVN meets none from there (PCK SGX components 5,5,2,2,3,1,0,3,0,0,0,0,0,0,0,0; "
               "PCESVN 11; TEE TCB SVN 03000400000000000000000000000000)");
    platform.tee_tcb_svn[2] = 5;
    const Grade grade = grade_platform(info, platform);
    BOOST_TEST((grade.status == TcbStatus::up_to_date));
    BOOST_TEST(grade.tcb_date == "2023-02-15T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(the_real_qe_identity_grades_its_qe_up_to_date) {
    const QeIdentity identity = load<QeIdentity>("gotdx_qe_identity_td_qe.json", parse_qe_identity);
    EnclaveReport report;
    report.isvsvn = 4;
    report.isvprodid = identity.isvprodid;
    report.mrsigner = identity.mrsigner;
    report.miscselect = identity.miscselect;
    report.attributes = identity.attributes;
    report.attributes[0] |= 0x04; // a bit the mask (FB) ignores
    report.attributes[15] = 0xAA; // bytes the mask ignores
    const Grade grade = grade_qe(identity, report);
    BOOST_TEST((grade.status == TcbStatus::up_to_date));
    BOOST_TEST(grade.tcb_date == "2023-02-15T00:00:00Z");
    BOOST_TEST(grade.advisory_ids.empty());
    report.isvsvn = 3;
    const auto [status, message] = refusal([&] { (void)grade_qe(identity, report); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "QE identity (TD_QE): no TCB level matches the QE's ISVSVN 3");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_tcb_platform_matching)

BOOST_AUTO_TEST_CASE(the_first_matching_level_wins) {
    const TcbInfo info = table_info();
    Grade grade = grade_platform(info, top_platform());
    BOOST_TEST((grade.status == TcbStatus::up_to_date));
    BOOST_TEST(grade.tcb_date == "2024-03-13T00:00:00Z");
    // Above every level: still the first.
    PlatformTcb above = top_platform();
    above.pck_components = filled(9);
    above.pcesvn = 20;
    above.tee_tcb_svn = tdx_filled(9);
    grade = grade_platform(info, above);
    BOOST_TEST((grade.status == TcbStatus::up_to_date));
    // Order is the document's: with the levels reversed the lowest one matches first.
    TcbInfo reversed = info;
    std::reverse(reversed.levels.begin(), reversed.levels.end());
    grade = grade_platform(reversed, top_platform());
    BOOST_TEST((grade.status == TcbStatus::out_of_date));
    BOOST_TEST(grade.advisory_ids == std::vector<std::string>{"INTEL-SA-2"});
}

BOOST_AUTO_TEST_CASE(each_sgx_component_below_moves_to_the_next_level) {
    const TcbInfo info = table_info();
    for (size_t i = 0; i < 16; ++i) {
        PlatformTcb platform = top_platform();
        platform.pck_components[i] = 4;
        const Grade grade = grade_platform(info, platform);
        BOOST_TEST((grade.status == TcbStatus::sw_hardening_needed), "component " << i);
        BOOST_TEST(grade.advisory_ids == std::vector<std::string>{"INTEL-SA-1"});
        BOOST_TEST(grade.tcb_date == "2023-08-09T00:00:00Z");
    }
}

BOOST_AUTO_TEST_CASE(a_pcesvn_below_moves_to_the_next_level) {
    PlatformTcb platform = top_platform();
    platform.pcesvn = 10;
    BOOST_TEST((grade_platform(table_info(), platform).status == TcbStatus::sw_hardening_needed));
    platform.pcesvn = 4;
    BOOST_TEST(
        platform_refusal(table_info(), platform)
            .starts_with(label() + "no TCB level matches the platform (PCK SGX components 5,5,"));
}

BOOST_AUTO_TEST_CASE(each_tdx_component_below_moves_to_the_next_level) {
    const TcbInfo info = table_info();
    for (size_t i = 0; i < 16; ++i) {
        if (i == 1) {
            continue; // the major version: 0 in every level of this table
        }
        PlatformTcb platform = top_platform();
        platform.tee_tcb_svn[i] = 2;
        BOOST_TEST((grade_platform(info, platform).status == TcbStatus::sw_hardening_needed),
                   "component " << i);
    }
}

BOOST_AUTO_TEST_CASE(below_every_level) {
    PlatformTcb platform = top_platform();
    platform.pck_components[7] = 1;
    BOOST_TEST(platform_refusal(table_info(), platform) ==
               label() + "no TCB level matches the platform (PCK SGX components "
                         "5,5,5,5,5,5,5,1,5,5,5,5,5,5,5,5; PCESVN 11; TEE TCB SVN "
                         "03000303030303030303030303030303)");
    platform = top_platform();
    platform.tee_tcb_svn[15] = 0;
    BOOST_TEST(platform_refusal(table_info(), platform) ==
               label() + "no TCB level matches the platform: its SGX components and PCESVN meet "
                         "level 0 (tcbDate 2024-03-13T00:00:00Z) but its TEE TCB SVN meets none "
                         "from there (PCK SGX components 5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5; PCESVN "
                         "11; TEE TCB SVN 03000303030303030303030303030300)");
}

BOOST_AUTO_TEST_CASE(a_revoked_level_is_refused) {
    TcbInfo info = table_info();
    info.levels[0].status = TcbStatus::revoked;
    BOOST_TEST(platform_refusal(info, top_platform()) ==
               label() + "the platform's TCB level (tcbDate 2024-03-13T00:00:00Z) is Revoked");
}

BOOST_AUTO_TEST_CASE(a_td_15_report_is_matched_by_tee_tcb_svn) {
    PlatformTcb platform = top_platform();
    platform.tee_tcb_svn[2] = 2;
    platform.tee_tcb_svn2 = tdx_filled(9);
    BOOST_TEST((grade_platform(table_info(), platform).status == TcbStatus::sw_hardening_needed));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_tcb_module)

BOOST_AUTO_TEST_CASE(version_0_checks_the_tdx_module_block) {
    TcbInfo info = table_info();
    PlatformTcb platform = top_platform();
    platform.seam_attributes = {0, 0, 0, 0, 0, 0, 0, 1};
    BOOST_TEST(platform_refusal(info, platform) ==
               label() + "the TDX module's SEAMATTRIBUTES 0000000000000001 under the mask "
                         "ffffffffffffffff are not the attributes of tdxModule "
                         "(0000000000000000)");
    info.tdx_module->attributes_mask = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE};
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::up_to_date));
    platform.mr_signer_seam[0] = 1;
    BOOST_TEST(platform_refusal(info, platform) ==
               label() + "the TDX module's signer (MRSIGNERSEAM 01" + std::string(94, '0') +
                   ") is not the mrsigner of tdxModule (" + std::string(96, '0') + ")");
    info.tdx_module.reset();
    BOOST_TEST(platform_refusal(info, top_platform()) ==
               label() + "has no tdxModule to check the TDX module (major version 0) against");
}

BOOST_AUTO_TEST_CASE(version_above_0_compares_tdx_components_from_byte_2) {
    TcbInfo info = table_info();
    info.tdx_module_identities = {
        module_identity("TDX_03", {module_level(2, TcbStatus::up_to_date)})};
    // Byte 0 (2) is below the first level's 3, byte 1 (3) above its 0: neither counts.
    PlatformTcb platform = module_3_platform(2);
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::up_to_date));
    // On major version 0 byte 0 counts, and the same SVN meets only the second level.
    platform.tee_tcb_svn[1] = 0;
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::sw_hardening_needed));
    // Byte 2 still counts.
    platform = module_3_platform(2);
    platform.tee_tcb_svn[2] = 2;
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::sw_hardening_needed));
}

BOOST_AUTO_TEST_CASE(a_missing_module_identity_is_refused) {
    TcbInfo info = table_info();
    BOOST_TEST(platform_refusal(info, module_3_platform(2)) ==
               label() + "no TDX module identity TDX_03 for the TDX module's major version 3 (TEE "
                         "TCB SVN byte 1)");
    info.tdx_module_identities = {
        module_identity("TDX_01", {module_level(0, TcbStatus::up_to_date)})};
    BOOST_TEST(platform_refusal(info, module_3_platform(2)).find("no TDX module identity TDX_03") !=
               std::string::npos);
    // Major version 0x1A is "TDX_1A"; the document's id is compared without regard to case.
    info.tdx_module_identities = {
        module_identity("tdx_1a", {module_level(0, TcbStatus::up_to_date)})};
    PlatformTcb platform = module_3_platform(2);
    platform.tee_tcb_svn[1] = 0x1A;
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::up_to_date));
}

BOOST_AUTO_TEST_CASE(the_module_identity_signer_and_attributes) {
    TcbInfo info = table_info();
    auto identity = module_identity("TDX_03", {module_level(0, TcbStatus::up_to_date)});
    identity.module.mrsigner[47] = 0x5A;
    info.tdx_module_identities = {identity};
    BOOST_TEST(platform_refusal(info, module_3_platform(2)) ==
               label() + "the TDX module's signer (MRSIGNERSEAM " + std::string(96, '0') +
                   ") is not the mrsigner of TDX module identity TDX_03 (" + std::string(94, '0') +
                   "5a)");
    PlatformTcb platform = module_3_platform(2);
    platform.mr_signer_seam[47] = 0x5A;
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::up_to_date));
    platform.seam_attributes[0] = 0x80;
    BOOST_TEST(
        platform_refusal(info, platform)
            .find("SEAMATTRIBUTES 8000000000000000 under the mask ffffffffffffffff are not the "
                  "attributes of TDX module identity TDX_03") != std::string::npos);
    // The tdxModule block does not apply on version 3.
    info.tdx_module.reset();
    platform.seam_attributes[0] = 0;
    BOOST_TEST((grade_platform(info, platform).status == TcbStatus::up_to_date));
}

BOOST_AUTO_TEST_CASE(the_module_level_by_isvsvn) {
    TcbInfo info = table_info();
    info.tdx_module_identities = {module_identity(
        "TDX_03", {module_level(5, TcbStatus::up_to_date, {"INTEL-SA-M1"}),
                   module_level(2, TcbStatus::out_of_date, {"INTEL-SA-M2", "INTEL-SA-1"})})};
    BOOST_TEST((grade_platform(info, module_3_platform(5)).status == TcbStatus::up_to_date));
    BOOST_TEST(grade_platform(info, module_3_platform(7)).advisory_ids ==
               std::vector<std::string>{"INTEL-SA-M1"});
    // The platform's second level and the module's second level: advisories of both, once each.
    PlatformTcb platform = module_3_platform(3);
    platform.pcesvn = 10;
    const Grade grade = grade_platform(info, platform);
    BOOST_TEST((grade.status == TcbStatus::out_of_date));
    BOOST_TEST(grade.advisory_ids == (std::vector<std::string>{"INTEL-SA-1", "INTEL-SA-M2"}));
    BOOST_TEST(grade.tcb_date == "2023-08-09T00:00:00Z");
    BOOST_TEST(platform_refusal(info, module_3_platform(1)) ==
               label() + "TDX module identity TDX_03 has no TCB level for the module's SVN 1 (TEE "
                         "TCB SVN byte 0)");
}

BOOST_AUTO_TEST_CASE(a_module_out_of_date_converges_with_every_platform_status) {
    for (const TcbStatus status : all_statuses) {
        if (status == TcbStatus::revoked) {
            continue;
        }
        TcbInfo info = table_info();
        info.levels[0].status = status;
        info.tdx_module_identities = {
            module_identity("TDX_03", {module_level(5, TcbStatus::up_to_date),
                                       module_level(0, TcbStatus::out_of_date)})};
        BOOST_TEST((grade_platform(info, module_3_platform(5)).status == status),
                   tcb_status_name(status));
        BOOST_TEST(
            (grade_platform(info, module_3_platform(4)).status == expected_out_of_date(status)),
            tcb_status_name(status));
    }
}

BOOST_AUTO_TEST_CASE(a_module_revoked_or_with_a_status_a_module_cannot_have) {
    TcbInfo info = table_info();
    info.tdx_module_identities = {module_identity("TDX_03", {module_level(0, TcbStatus::revoked)})};
    BOOST_TEST(platform_refusal(info, module_3_platform(2)) ==
               label() + "the TDX module's TCB level (TDX_03, isvsvn 0) is Revoked");
    info.tdx_module_identities[0].levels[0].status = TcbStatus::configuration_needed;
    BOOST_TEST(platform_refusal(info, module_3_platform(2)) ==
               label() +
                   "TDX module identity TDX_03 level isvsvn 0 has status ConfigurationNeeded, "
                   "which a module level cannot have (UpToDate, OutOfDate or Revoked)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_tcb_qe)

namespace {

QeIdentity table_identity() {
    QeIdentity identity;
    identity.id = "TD_QE";
    identity.version = 2;
    identity.miscselect = 0x00000001;
    identity.miscselect_mask = 0x0000000F;
    identity.attributes[0] = 0x11;
    identity.attributes_mask[0] = 0xFB;
    identity.mrsigner.fill(0xDC);
    identity.isvprodid = 2;
    QeTcbLevel up;
    up.isvsvn = 8;
    up.tcb_date_text = "2024-03-13T00:00:00Z";
    up.status = TcbStatus::up_to_date;
    QeTcbLevel old = up;
    old.isvsvn = 4;
    old.tcb_date_text = "2023-02-15T00:00:00Z";
    old.status = TcbStatus::out_of_date;
    old.advisory_ids = {"INTEL-SA-Q"};
    QeTcbLevel revoked = up;
    revoked.isvsvn = 1;
    revoked.status = TcbStatus::revoked;
    identity.levels = {up, old, revoked};
    return identity;
}

EnclaveReport matching_report() {
    EnclaveReport report;
    report.miscselect = 0xFFFF0001; // differs outside the mask
    report.attributes[0] = 0x15;    // differs under a mask bit that is clear
    report.attributes[9] = 0x77;
    report.mrsigner.fill(0xDC);
    report.isvprodid = 2;
    report.isvsvn = 8;
    return report;
}

std::string repeated(const std::string &text, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i) {
        out += text;
    }
    return out;
}

std::string qe_refusal(const EnclaveReport &report) {
    const auto [status, message] = refusal([&] { (void)grade_qe(table_identity(), report); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    return message;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_qe_level_by_isvsvn) {
    const QeIdentity identity = table_identity();
    EnclaveReport report = matching_report();
    BOOST_TEST((grade_qe(identity, report).status == TcbStatus::up_to_date));
    report.isvsvn = 7;
    const Grade grade = grade_qe(identity, report);
    BOOST_TEST((grade.status == TcbStatus::out_of_date));
    BOOST_TEST(grade.advisory_ids == std::vector<std::string>{"INTEL-SA-Q"});
    BOOST_TEST(grade.tcb_date == "2023-02-15T00:00:00Z");
    report.isvsvn = 3;
    BOOST_TEST(qe_refusal(report) ==
               "QE identity (TD_QE): the QE's TCB level (isvsvn 1) is Revoked");
    report.isvsvn = 0;
    BOOST_TEST(qe_refusal(report) == "QE identity (TD_QE): no TCB level matches the QE's ISVSVN 0");
}

BOOST_AUTO_TEST_CASE(each_identity_mismatch_is_named) {
    EnclaveReport report = matching_report();
    report.miscselect = 0x00000003;
    BOOST_TEST(qe_refusal(report) ==
               "QE identity (TD_QE): the QE's MISCSELECT 00000003 under the mask 0000000F is "
               "00000003, the identity requires 00000001");
    report = matching_report();
    report.attributes[0] = 0x10;
    BOOST_TEST(qe_refusal(report) ==
               "QE identity (TD_QE): the QE's attributes 10000000000000000077000000000000 under "
               "the mask fb000000000000000000000000000000 are not the identity's "
               "11000000000000000000000000000000");
    report = matching_report();
    report.mrsigner[31] = 0xDD;
    BOOST_TEST(qe_refusal(report) == "QE identity (TD_QE): the QE's MRSIGNER " +
                                         repeated("dc", 31) + "dd is not the identity's " +
                                         repeated("dc", 32));
    report = matching_report();
    report.isvprodid = 3;
    BOOST_TEST(qe_refusal(report) ==
               "QE identity (TD_QE): the QE's ISVPRODID 3 is not the identity's 2");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_tcb_combine)

BOOST_AUTO_TEST_CASE(every_platform_status_with_every_qe_status) {
    for (const TcbStatus platform : all_statuses) {
        for (const TcbStatus qe : all_statuses) {
            const Grade platform_grade{platform, {}, "2024-03-13T00:00:00Z"};
            const Grade qe_grade{qe, {}, "2024-03-13T00:00:00Z"};
            if (platform == TcbStatus::revoked || qe == TcbStatus::revoked) {
                const auto [status, message] =
                    refusal([&] { (void)combine(platform_grade, qe_grade); });
                BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
                BOOST_TEST(message == std::string("combined TCB status: the ") +
                                          (platform == TcbStatus::revoked ? "platform" : "QE") +
                                          " is Revoked");
                continue;
            }
            // Any QE level but UpToDate is "QE out of date".
            const TcbStatus expected =
                qe == TcbStatus::up_to_date ? platform : expected_out_of_date(platform);
            BOOST_TEST((combine(platform_grade, qe_grade).status == expected),
                       tcb_status_name(platform) << " with QE " << tcb_status_name(qe));
        }
    }
}

BOOST_AUTO_TEST_CASE(advisories_of_both_once_and_the_older_date) {
    const Grade platform{
        TcbStatus::sw_hardening_needed, {"INTEL-SA-1", "INTEL-SA-2"}, "2024-03-13T00:00:00Z"};
    const Grade qe{TcbStatus::up_to_date, {"INTEL-SA-2", "INTEL-SA-3"}, "2023-02-15T00:00:00Z"};
    Grade combined = combine(platform, qe);
    BOOST_TEST((combined.status == TcbStatus::sw_hardening_needed));
    BOOST_TEST(combined.advisory_ids ==
               (std::vector<std::string>{"INTEL-SA-1", "INTEL-SA-2", "INTEL-SA-3"}));
    BOOST_TEST(combined.tcb_date == "2023-02-15T00:00:00Z");
    combined = combine(qe, platform);
    BOOST_TEST((combined.status == TcbStatus::out_of_date));
    BOOST_TEST(combined.tcb_date == "2023-02-15T00:00:00Z");
}

BOOST_AUTO_TEST_SUITE_END()
