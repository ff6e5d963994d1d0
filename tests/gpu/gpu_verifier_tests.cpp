// The GPU verifier against NVIDIA's real H100 report and chain (tests/data/gpu): the facts it
// must produce, the nonce binding, each chain case, byte flips each with its own reason, RIMs
// offered for another driver version; and the simulator's round trips (GPU, switch, 8 devices,
// RIM mismatch, OCSP good / revoked / hold).
#include "evidence.hpp"
#include "rim.hpp"
#include "simulator.hpp"
#include "support/refusal.hpp"
#include "support/scratch_dir.hpp"
#include "verifier.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/ocsp.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <filesystem>

namespace {
namespace fs = std::filesystem;
namespace gpu = ccattest::gpu;
namespace support = ccattest::support;
namespace json = boost::json;
using ccattest::test::refusal;
using support::Bytes;

fs::path vectors() {
    return GPU_VECTORS;
}
constexpr int64_t june_2025 = 1748736000; // 2025-06-01T00:00:00Z
constexpr const char *report_nonce =
    "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
constexpr const char *report_fwid =
    "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94"
    "bb5cdfdb3055ee051762b1f75d";

Bytes vector_file(const std::string &name) {
    return support::read_file(vectors() / name, size_t{1} << 20U);
}

Bytes report() {
    return vector_file("nvtrust_hopper_report.bin");
}

// The 64 bytes of report data the core binds: the SPDM nonce, then 32 bytes the report does not
// carry.
Bytes report_data(const std::string &nonce_hex = report_nonce) {
    Bytes data = support::from_hex(nonce_hex, "nonce");
    data.resize(64, 0);
    return data;
}

gpu::VerifierConfig raw_config(const std::string &chain = "nvtrust_hopper_cert_chain.pem") {
    gpu::VerifierConfig config;
    config.certificate_files = {vectors() / chain};
    return config;
}

std::vector<Bytes> chain_der(const std::string &file) {
    std::vector<Bytes> out;
    for (const auto &certificate : support::Certificate::parse_bundle(vector_file(file), file)) {
        out.push_back(certificate.der());
    }
    return out;
}

Bytes ccattest_token(const Bytes &spdm, std::vector<Bytes> certificates) {
    gpu::Evidence evidence;
    evidence.form = gpu::TokenForm::ccattest;
    gpu::DeviceEvidence device;
    device.kind = gpu::DeviceKind::gpu;
    device.arch = gpu::Arch::hopper;
    device.report = spdm;
    device.certificates = std::move(certificates);
    evidence.devices.push_back(std::move(device));
    const std::string text = gpu::encode_token(evidence);
    return {text.begin(), text.end()};
}

std::pair<ccattest_status, std::string> verify_refusal(const gpu::Verifier &verifier,
                                                       const Bytes &token,
                                                       const Bytes &data = report_data()) {
    return refusal([&] { (void)verifier.verify(token, data, june_2025); });
}

void expect_refusal(const std::pair<ccattest_status, std::string> &outcome, ccattest_status status,
                    const std::string &reason) {
    BOOST_TEST(outcome.first == status, outcome.second);
    BOOST_TEST(outcome.second.find(reason) != std::string::npos, outcome.second);
}

size_t find_bytes(const Bytes &haystack, const Bytes &needle) {
    const auto at = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    BOOST_REQUIRE(at != haystack.end());
    return static_cast<size_t>(at - haystack.begin());
}

Bytes flipped(Bytes bytes, size_t offset) {
    bytes.at(offset) ^= 0x01U;
    return bytes;
}

void check_h100_facts(const json::object &claims) {
    BOOST_TEST(claims.at("device_count").to_number<int64_t>() == 1);
    BOOST_TEST(claims.at("mode").as_string() == "local");
    BOOST_TEST(!claims.at("simulated").as_bool());
    BOOST_TEST(claims.at("all_verified").as_bool());
    BOOST_TEST(claims.at("nonce").as_string() == std::string(report_nonce));
    const auto &device = claims.at("devices").as_array().at(0).as_object();
    BOOST_TEST(device.at("kind").as_string() == "gpu");
    BOOST_TEST(device.at("arch").as_string() == "hopper");
    BOOST_TEST(device.at("index").to_number<int64_t>() == 0);
    BOOST_TEST(device.at("driver_version").as_string() == "550.90.07");
    BOOST_TEST(device.at("vbios_version").as_string() == "96.00.9f.00.01");
    BOOST_TEST(device.at("chip_sku").as_string() == "882");
    BOOST_TEST(device.at("project").as_string() == "1010");
    BOOST_TEST(device.at("fwid").as_string() == std::string(report_fwid));
    BOOST_TEST(device.at("nonce").as_string() == std::string(report_nonce));
    BOOST_TEST(device.at("measurements_count").to_number<int64_t>() == 64);
    BOOST_TEST(device.at("measurements").as_string() == "not_checked");
    BOOST_TEST(device.at("mismatched_indices").as_array().empty());
    BOOST_TEST(device.at("hwmodel").as_string() == "GH100 A01 GSP BROM");
    BOOST_TEST(device.at("ueid").as_string() == "478176379286082186618948445787393647364802107249");
    BOOST_TEST(device.at("cert_chain_status").as_string() == "valid");
    BOOST_TEST(device.at("ocsp").at("status").as_string() == "not_checked");
    BOOST_TEST(device.at("rim").at("driver").at("id").as_string() ==
               "NV_GPU_DRIVER_GH100_550.90.07");
    BOOST_TEST(device.at("rim").at("driver").at("signature").as_string() == "not_found");
    BOOST_TEST(device.at("trailing_bytes").to_number<int64_t>() == 0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_verifier_real_h100)

BOOST_AUTO_TEST_CASE(raw_report_verifies_with_its_chain_and_nonce) {
    const gpu::Verifier verifier(raw_config());
    const json::object claims = verifier.verify(report(), report_data(), june_2025);
    check_h100_facts(claims);
    BOOST_TEST(claims.at("token_form").as_string() == "raw-spdm");
    // The replay key covers the signed bytes only: SHA-256 over SHA-256(request || response
    // without its signature).
    const Bytes spdm = report();
    const auto digest = support::sha256(std::span(spdm.data(), spdm.size() - 96));
    BOOST_TEST(claims.at("evidence_digest").as_string() ==
               support::to_hex(support::sha256(digest)));
    // A second (warm) verification gives the same claims.
    BOOST_TEST(verifier.verify(report(), report_data(), june_2025) == claims);
}

BOOST_AUTO_TEST_CASE(ccattest_token_verifies_and_without_expected_data) {
    const gpu::Verifier verifier{gpu::VerifierConfig{}};
    const Bytes token = ccattest_token(report(), chain_der("nvtrust_hopper_cert_chain.pem"));
    const json::object claims = verifier.verify(token, report_data(), june_2025);
    check_h100_facts(claims);
    BOOST_TEST(claims.at("token_form").as_string() == "ccattest-gpu-v1");
    const json::object unbound = verifier.verify(token, {}, june_2025);
    BOOST_TEST(unbound.at("nonce").as_string() == std::string(report_nonce));
}

BOOST_AUTO_TEST_CASE(wrong_nonce_is_a_binding_mismatch) {
    const gpu::Verifier verifier(raw_config());
    std::string other = report_nonce;
    other[0] = '8';
    expect_refusal(
        verify_refusal(verifier, report(), report_data(other)), CCATTEST_E_BINDING_MISMATCH,
        std::string("SPDM request nonce ") + report_nonce + " differs from the expected " + other);
}

BOOST_AUTO_TEST_CASE(each_chain_case_fails_with_its_own_reason) {
    expect_refusal(
        verify_refusal(gpu::Verifier(raw_config("trustee_hopper_chain_case2_root_only.pem")),
                       report()),
        CCATTEST_E_VERIFICATION_FAILED, "device certificate chain has only the root");
    expect_refusal(
        verify_refusal(gpu::Verifier(raw_config("trustee_hopper_chain_case4_missing_leaf.pem")),
                       report()),
        CCATTEST_E_VERIFICATION_FAILED,
        "signing certificate has no FWID extension: the chain's leaf is missing?");
    expect_refusal(
        verify_refusal(gpu::Verifier(raw_config("trustee_hopper_signing_cert.pem")), report()),
        CCATTEST_E_VERIFICATION_FAILED,
        "device certificate chain has 1 certificates, needs at least the leaf and the "
        "root");
    // The leaf and the root without the three intermediates.
    auto full = chain_der("nvtrust_hopper_cert_chain.pem");
    const gpu::Verifier verifier{gpu::VerifierConfig{}};
    expect_refusal(verify_refusal(verifier, ccattest_token(report(), {full.front(), full.back()})),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "the issuer \"GH100 A01 GSP BROM\" of certificate \"GH100 A01 GSP FMC LF\" is "
                   "missing (a missing intermediate");
    // A chain that does not end in NVIDIA's root: the leaf's issuers without the root.
    full.pop_back();
    expect_refusal(verify_refusal(verifier, ccattest_token(report(), full)),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "device certificate chain ends in certificate \"NVIDIA GH100 Identity\", which "
                   "is no root");
    // No chain at all for a raw report.
    expect_refusal(verify_refusal(verifier, report()), CCATTEST_E_VERIFICATION_FAILED,
                   "device certificate chain is empty");
}

BOOST_AUTO_TEST_CASE(byte_flips_fail_each_with_their_reason) {
    const gpu::Verifier verifier(raw_config());
    const Bytes spdm = report();
    // Request: its version byte.
    expect_refusal(verify_refusal(verifier, flipped(spdm, 0)), CCATTEST_E_MALFORMED, "SPDM report");
    // Request: a nonce byte. The signature covers the request, so this is a forgery first.
    expect_refusal(verify_refusal(verifier, flipped(spdm, 10)), CCATTEST_E_VERIFICATION_FAILED,
                   "SPDM signature does not verify with the device certificate");
    // Response header: the number of blocks.
    const auto header = verify_refusal(verifier, flipped(spdm, 37 + 4));
    expect_refusal(header, CCATTEST_E_MALFORMED, "SPDM report");
    // A measurement's value (block 1's digest starts 7 bytes into the record at 37 + 8).
    expect_refusal(verify_refusal(verifier, flipped(spdm, 37 + 8 + 7)),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "SPDM signature does not verify with the device certificate");
    // Opaque data: a byte of the driver version string, then a byte of the FWID.
    const size_t driver = find_bytes(spdm, Bytes{'5', '5', '0', '.', '9', '0'});
    expect_refusal(verify_refusal(verifier, flipped(spdm, driver + 4)),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "SPDM signature does not verify with the device certificate");
    const size_t fwid = find_bytes(spdm, support::from_hex(report_fwid, "fwid"));
    expect_refusal(verify_refusal(verifier, flipped(spdm, fwid + 5)),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "FWID in the report's opaque data (f5c384aebb569217");
    expect_refusal(
        verify_refusal(verifier, flipped(spdm, fwid + 5)), CCATTEST_E_VERIFICATION_FAILED,
        std::string(") differs from the signing certificate's FWID (") + report_fwid + ")");
    // The signature.
    expect_refusal(verify_refusal(verifier, flipped(spdm, spdm.size() - 40)),
                   CCATTEST_E_VERIFICATION_FAILED,
                   "SPDM signature does not verify with the device certificate");
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_ignored_and_counted) {
    const gpu::Verifier verifier(raw_config());
    Bytes spdm = report();
    spdm.insert(spdm.end(), {0xde, 0xad, 0xbe});
    const json::object claims = verifier.verify(spdm, report_data(), june_2025);
    BOOST_TEST(claims.at("devices").at(0).at("trailing_bytes").to_number<int64_t>() == 3);
    // Unsigned bytes are not part of the evidence's identity.
    BOOST_TEST(claims.at("evidence_digest") ==
               verifier.verify(report(), report_data(), june_2025).at("evidence_digest"));
}

BOOST_AUTO_TEST_CASE(a_rim_for_another_driver_version_is_refused_not_compared) {
    gpu::VerifierConfig config = raw_config();
    config.rim_files = {vectors() / "nvat_rim_driver_gh100_550.144.03.xml"};
    expect_refusal(verify_refusal(gpu::Verifier(config), report()), CCATTEST_E_VERIFICATION_FAILED,
                   "driver RIM nvat_rim_driver_gh100_550.144.03.xml is for version 550.144.03, the "
                   "report's driver is 550.90.07");
    // The same RIM carried in the token.
    gpu::Evidence evidence =
        gpu::decode_token(ccattest_token(report(), chain_der("nvtrust_hopper_cert_chain.pem")));
    evidence.rims.push_back(vector_file("nvat_rim_driver_gh100_550.144.03.xml"));
    const std::string text = gpu::encode_token(evidence);
    expect_refusal(
        verify_refusal(gpu::Verifier(gpu::VerifierConfig{}), Bytes(text.begin(), text.end())),
        CCATTEST_E_VERIFICATION_FAILED,
        "driver RIM token RIM 0 is for version 550.144.03, the report's driver is "
        "550.90.07");
}

BOOST_AUTO_TEST_CASE(rim_documents_verify_alone_only_when_accepted) {
    const Bytes xml = vector_file("nvat_rim_driver_gh100_550.144.03.xml");
    expect_refusal(verify_refusal(gpu::Verifier(gpu::VerifierConfig{}), xml, {}),
                   CCATTEST_E_MALFORMED, "a RIM document is not evidence");
    gpu::VerifierConfig config;
    config.accept_rim_documents = true;
    const gpu::Verifier verifier(config);
    const json::object claims = verifier.verify(xml, {}, june_2025);
    BOOST_TEST(claims.at("kind").as_string() == "rim");
    BOOST_TEST(claims.at("version").as_string() == "550.144.03");
    BOOST_TEST(claims.at("signature").as_string() == "verified");
    BOOST_TEST(claims.at("measurements").as_array().size() == 64U);
    BOOST_TEST(claims.at("chain").as_array().size() == 4U); // signer, L3, GH100 CA, RIM root
    const auto broken =
        verify_refusal(verifier, vector_file("nvat_rim_driver_incorrect_signature.xml"), {});
    expect_refusal(broken, CCATTEST_E_VERIFICATION_FAILED, "RIM document: ");
}

BOOST_AUTO_TEST_CASE(inspect_decodes_every_field) {
    const gpu::Verifier verifier{gpu::VerifierConfig{}};
    const json::object out =
        verifier.inspect(ccattest_token(report(), chain_der("nvtrust_hopper_cert_chain.pem")));
    BOOST_TEST(!out.at("verified").as_bool());
    const auto &device = out.at("devices").at(0);
    BOOST_TEST(device.at("request").at("nonce").as_string() == std::string(report_nonce));
    BOOST_TEST(device.at("response").at("blocks").as_array().size() == 64U);
    BOOST_TEST(device.at("response").at("opaque_data").at("decoded").at("driver_version") ==
               "550.90.07");
    BOOST_TEST(device.at("certificates").as_array().size() == 5U);
    bool named_fwid = false;
    for (const auto &entry : device.at("response").at("opaque_data").at("entries").as_array()) {
        named_fwid = named_fwid || entry.at("name") == "fwid";
    }
    BOOST_TEST(named_fwid);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

fs::path sim_state() {
    return GPU_SIM_STATE;
}

int64_t now() {
    return static_cast<int64_t>(std::time(nullptr));
}

std::array<uint8_t, 32> sim_nonce(uint8_t fill) {
    std::array<uint8_t, 32> nonce{};
    nonce.fill(fill);
    return nonce;
}

Bytes sim_report_data(uint8_t fill) {
    Bytes data(64, 0);
    std::fill_n(data.begin(), 32, fill);
    return data;
}

gpu::SimulatorConfig sim(gpu::DeviceKind kind = gpu::DeviceKind::gpu,
                         gpu::Arch arch = gpu::Arch::hopper, unsigned count = 1) {
    gpu::SimulatorConfig config;
    config.state_dir = sim_state();
    config.kind = kind;
    config.arch = arch;
    config.device_count = count;
    return config;
}

Bytes sim_token(const gpu::SimulatorConfig &config, uint8_t fill = 0x42) {
    const auto nonce = sim_nonce(fill);
    const std::string text = gpu::encode_token(gpu::simulate_evidence(config, nonce, now()));
    return {text.begin(), text.end()};
}

gpu::VerifierConfig trusting_config() {
    gpu::VerifierConfig config;
    config.allow_simulated = true;
    config.simulator_state_dir = sim_state();
    return config;
}

const gpu::Verifier &trusting() {
    static const gpu::Verifier verifier(trusting_config());
    return verifier;
}

json::object sim_verify(const gpu::Verifier &verifier, const Bytes &token, uint8_t fill = 0x42) {
    return verifier.verify(token, sim_report_data(fill), now());
}

void check_verified_device(const json::value &device, const std::string &kind,
                           const std::string &arch) {
    BOOST_TEST(device.at("kind").as_string() == kind);
    BOOST_TEST(device.at("arch").as_string() == arch);
    BOOST_TEST(device.at("measurements").as_string() == "success", device);
    BOOST_TEST(device.at("rim").at("driver").at("signature").as_string() ==
               (kind == "switch" ? "not_found" : "verified"));
    BOOST_TEST(device.at("rim").at("vbios").at("signature").as_string() == "verified");
    BOOST_TEST(device.at("ocsp").at("status").as_string() == "good", device.at("ocsp"));
    BOOST_TEST(device.at("simulated").as_bool());
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_verifier_simulator)

BOOST_AUTO_TEST_CASE(hopper_and_blackwell_gpus_verify_with_rims_and_ocsp) {
    (void)gpu::simulated_device_root(sim_state()); // the roots exist before the verifier reads them
    (void)gpu::simulated_rim_root(sim_state());
    for (const auto arch : {gpu::Arch::hopper, gpu::Arch::blackwell}) {
        const json::object claims =
            sim_verify(trusting(), sim_token(sim(gpu::DeviceKind::gpu, arch)));
        BOOST_TEST(claims.at("all_verified").as_bool());
        BOOST_TEST(claims.at("simulated").as_bool());
        BOOST_TEST(claims.at("device_count").to_number<int64_t>() == 1);
        check_verified_device(claims.at("devices").at(0), "gpu", std::string(gpu::arch_name(arch)));
    }
}

BOOST_AUTO_TEST_CASE(an_nvswitch_verifies) {
    const json::object claims =
        sim_verify(trusting(), sim_token(sim(gpu::DeviceKind::nvswitch, gpu::Arch::ls10)));
    BOOST_TEST(claims.at("all_verified").as_bool(), claims);
    const auto &device = claims.at("devices").at(0);
    BOOST_TEST(device.at("kind").as_string() == "switch");
    BOOST_TEST(device.at("arch").as_string() == "ls10");
    BOOST_TEST(device.at("rim").at("vbios").at("signature").as_string() == "verified", device);
}

BOOST_AUTO_TEST_CASE(eight_gpus_verify_and_one_mismatch_is_graded) {
    const json::object claims =
        sim_verify(trusting(), sim_token(sim(gpu::DeviceKind::gpu, gpu::Arch::hopper, 8)));
    BOOST_TEST(claims.at("device_count").to_number<int64_t>() == 8);
    BOOST_TEST(claims.at("all_verified").as_bool());
    for (size_t i = 0; i < 8; ++i) {
        BOOST_TEST(claims.at("devices").at(i).at("index").to_number<int64_t>() ==
                   static_cast<int64_t>(i));
        check_verified_device(claims.at("devices").at(i), "gpu", "hopper");
    }
    auto config = sim(gpu::DeviceKind::gpu, gpu::Arch::hopper, 8);
    config.mismatched_indices = {5, 17};
    config.mismatch_device = 2;
    const json::object mismatch = sim_verify(trusting(), sim_token(config));
    BOOST_TEST(!mismatch.at("all_verified").as_bool());
    const auto &bad = mismatch.at("devices").at(2);
    BOOST_TEST(bad.at("measurements").as_string() == "failure");
    BOOST_TEST(bad.at("mismatched_indices") == json::parse("[5,17]"));
    BOOST_TEST(bad.at("mismatches").at(0).at("index").to_number<int64_t>() == 5);
    BOOST_TEST(!bad.at("mismatches").at(0).at("actual").as_string().empty());
    BOOST_TEST(mismatch.at("devices").at(1).at("measurements").as_string() == "success");
}

BOOST_AUTO_TEST_CASE(ocsp_revoked_and_hold_fail_the_device_unless_hold_is_tolerated) {
    auto config = sim();
    config.ocsp_status = support::OcspStatus::revoked;
    const json::object revoked = sim_verify(trusting(), sim_token(config));
    BOOST_TEST(!revoked.at("all_verified").as_bool());
    const auto &ocsp = revoked.at("devices").at(0).at("ocsp");
    BOOST_TEST(ocsp.at("status").as_string() == "revoked");
    BOOST_TEST(ocsp.at("certificates").at(0).at("status").as_string() == "revoked");
    BOOST_TEST(ocsp.at("certificates").at(0).as_object().contains("reason"));

    config.ocsp_status = support::OcspStatus::certificate_hold;
    const Bytes hold_token = sim_token(config);
    const json::object hold = sim_verify(trusting(), hold_token);
    BOOST_TEST(!hold.at("all_verified").as_bool());
    BOOST_TEST(hold.at("devices").at(0).at("ocsp").at("status").as_string() == "certificate_hold");
    auto tolerant_config = trusting_config();
    tolerant_config.tolerate_certificate_hold = true;
    const json::object tolerated = sim_verify(gpu::Verifier(tolerant_config), hold_token);
    BOOST_TEST(tolerated.at("all_verified").as_bool());
    BOOST_TEST(tolerated.at("devices").at(0).at("ocsp").at("status").as_string() ==
               "certificate_hold");

    // Without carried answers (and no network), revocation is not known.
    config = sim();
    config.include_ocsp = false;
    const json::object unknown = sim_verify(trusting(), sim_token(config));
    BOOST_TEST(unknown.at("all_verified").as_bool());
    BOOST_TEST(unknown.at("devices").at(0).at("ocsp").at("status").as_string() == "not_checked");
}

BOOST_AUTO_TEST_CASE(without_rims_measurements_are_not_checked) {
    auto config = sim();
    config.include_rims = false;
    const json::object claims = sim_verify(trusting(), sim_token(config));
    BOOST_TEST(claims.at("devices").at(0).at("measurements").as_string() == "not_checked");
    BOOST_TEST(claims.at("all_verified").as_bool());
}

BOOST_AUTO_TEST_CASE(simulated_evidence_is_refused_unless_allowed_and_nonces_must_agree) {
    const Bytes token = sim_token(sim());
    expect_refusal(
        refusal([&] {
            (void)gpu::Verifier(gpu::VerifierConfig{}).verify(token, sim_report_data(0x42), now());
        }),
        CCATTEST_E_VERIFICATION_FAILED, "which is not NVIDIA's pinned Device Identity CA");
    expect_refusal(refusal([&] { (void)sim_verify(trusting(), token, 0x43); }),
                   CCATTEST_E_BINDING_MISMATCH, "SPDM request nonce 4242");
    // Two devices answering different challenges.
    gpu::Evidence evidence = gpu::simulate_evidence(sim(), sim_nonce(0x42), now());
    gpu::Evidence other = gpu::simulate_evidence(sim(), sim_nonce(0x43), now());
    evidence.devices.push_back(other.devices.front());
    const std::string text = gpu::encode_token(evidence);
    const Bytes mixed(text.begin(), text.end());
    expect_refusal(refusal([&] { (void)trusting().verify(mixed, {}, now()); }),
                   CCATTEST_E_BINDING_MISMATCH, "device 1 answered nonce 4343");
}

// RIMs named by their id and OCSP answers named by serial number in a collateral folder, for a
// token that carries neither.
BOOST_AUTO_TEST_CASE(rims_and_ocsp_answers_come_from_collateral_folders) {
    const ccattest::test::ScratchDir folder;
    auto config = sim();
    config.include_rims = false;
    config.include_ocsp = false;
    const gpu::Evidence evidence = gpu::simulate_evidence(config, sim_nonce(0x42), now());
    for (const Bytes &xml : gpu::simulated_rims(config, now())) {
        const gpu::Rim rim = gpu::parse_rim(xml, "simulated RIM");
        const bool vbios = rim.edition == "VBIOS";
        const auto &device = evidence.devices.front();
        const gpu::SpdmReport report = gpu::parse_spdm_report(device.report);
        const auto &data = report.opaque_data;
        const std::string id = vbios ? gpu::vbios_rim_id(false, *data.project, *data.project_sku,
                                                         *data.chip_sku, *data.vbios_version)
                                     : gpu::driver_rim_id(false, "GH100", *data.driver_version);
        (void)folder.write(id + ".xml", std::string(xml.begin(), xml.end()));
    }
    const auto &certificates = evidence.devices.front().certificates;
    const auto leaf = support::Certificate::parse(certificates.at(0), "leaf");
    const Bytes answer =
        gpu::simulated_ocsp_response(sim_state(), leaf, support::OcspStatus::revoked, now());
    (void)folder.write(leaf.serial_hex() + ".ocsp", std::string(answer.begin(), answer.end()));
    auto verifier_config = trusting_config();
    verifier_config.collateral = {folder.path()};
    const std::string text = gpu::encode_token(evidence);
    const json::object claims =
        sim_verify(gpu::Verifier(verifier_config), Bytes(text.begin(), text.end()));
    const auto &device = claims.at("devices").at(0);
    BOOST_TEST(device.at("measurements").as_string() == "success", device);
    BOOST_TEST(device.at("rim").at("driver").at("source").as_string() == "directory");
    BOOST_TEST(device.at("ocsp").at("status").as_string() == "revoked", device.at("ocsp"));
    BOOST_TEST(device.at("ocsp").at("certificates").at(1).at("status").as_string() ==
               "not_checked");
    BOOST_TEST(!claims.at("all_verified").as_bool());
}

BOOST_AUTO_TEST_SUITE_END()
