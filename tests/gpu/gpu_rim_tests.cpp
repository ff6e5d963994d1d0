// NVIDIA RIMs: NVIDIA's real driver RIM (tests/data/gpu) read, its XML signature and signing chain
// checked at a fixed time, broken and reshaped variants refused with their own reasons, simulated
// RIMs signed by the simulator's xmlsec template, the measurement comparison, and RIM ids.
#include "rim.hpp"
#include "sim_rim.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace support = ccattest::support;
using ccattest::test::refusal;
using support::Bytes;
using namespace ccattest::gpu;

constexpr const char *real_rim_file = "nvat_rim_driver_gh100_550.144.03.xml";
constexpr const char *index7_hash =
    "4a5e4b3d501fe31f91bd8b6f2921b58437704a504dbedba971440e840c938c805"
    "612689ae3ac04b1009515a179063d49";

std::string vector_text(const std::string &name) {
    const Bytes bytes = support::read_file(fs::path(GPU_VECTORS) / name, 1U << 22U);
    return {bytes.begin(), bytes.end()};
}

std::span<const uint8_t> bytes_of(const std::string &text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

support::Certificate trust_root(const std::string &name) {
    return support::Certificate::load(fs::path(NVIDIA_TRUST) / name);
}

int64_t at(const char *time) {
    return support::parse_rfc3339(time).value();
}

constexpr int64_t june_2025 = 1748736000; // 2025-06-01T00:00:00Z

/// `text` with its only occurrence of `from` replaced by `to` (fails the test if not exactly one).
std::string replace_once(const std::string &text, const std::string &from, const std::string &to) {
    const auto first = text.find(from);
    BOOST_REQUIRE(first != std::string::npos);
    BOOST_REQUIRE(text.find(from, first + 1) == std::string::npos);
    return text.substr(0, first) + to + text.substr(first + from.size());
}

Rim parse_text(const std::string &text) {
    return parse_rim(bytes_of(text), "driver");
}

/// Asserts that `call` throws sdk::failure with exactly this status and message.
template <typename F>
void expect_refusal(F &&call, ccattest_status status, const std::string &message) {
    const auto [got_status, got_message] = refusal(std::forward<F>(call));
    BOOST_TEST(got_status == status);
    BOOST_TEST(got_message == message);
}

VerifiedRim verify_text(const std::string &text, int64_t when = june_2025) {
    return verify_rim(parse_text(text), {trust_root("nvidia_rim_root_ca.pem")}, when);
}

} // namespace

BOOST_AUTO_TEST_SUITE(real_rim)

BOOST_AUTO_TEST_CASE(reads_nvidias_driver_rim) {
    const Rim rim = parse_text(vector_text(real_rim_file));
    BOOST_TEST(rim.name == "GH100");
    BOOST_TEST(rim.version == "550.144.03");
    BOOST_TEST(rim.product == "GH100");
    BOOST_TEST(rim.edition == "GPU");
    BOOST_TEST(rim.manufacturer == "NVIDIA Corporation");
    BOOST_TEST(rim.tag_id.rfind("8aa5c875798aecff", 0) == 0U);
    BOOST_REQUIRE_EQUAL(rim.measurements.size(), 64U);
    for (uint32_t i = 0; i < 64; ++i) {
        BOOST_TEST(rim.measurements[i].index == i);
    }
    const RimMeasurement &seventh = rim.measurements[7];
    BOOST_TEST(seventh.active);
    BOOST_TEST(seventh.size == 48U);
    BOOST_TEST(seventh.name == "Measurement_7");
    BOOST_REQUIRE_EQUAL(seventh.alternatives.size(), 1U);
    BOOST_TEST(support::to_hex(seventh.alternatives[0]) == index7_hash);
    BOOST_TEST(!rim.measurements[0].active);
    BOOST_REQUIRE_EQUAL(rim.signing_chain.size(), 4U);
    BOOST_TEST(rim.signing_chain.back().sha256() == trust_root("nvidia_rim_root_ca.pem").sha256());
    BOOST_TEST(rim.sha256.size() == 32U);
}

BOOST_AUTO_TEST_CASE(verifies_to_the_rim_root) {
    const VerifiedRim verified = verify_text(vector_text(real_rim_file));
    BOOST_TEST(verified.chain.anchor().sha256() == trust_root("nvidia_rim_root_ca.pem").sha256());
    BOOST_TEST(verified.rim.version == "550.144.03");
    support::ChainCache cache;
    const Rim rim = parse_text(vector_text(real_rim_file));
    verify_rim(rim, {trust_root("nvidia_rim_root_ca.pem")}, june_2025, &cache);
    BOOST_TEST(cache.size() == 1U);
}

BOOST_AUTO_TEST_CASE(incorrect_signature_fails) {
    const std::string text = vector_text("nvat_rim_driver_incorrect_signature.xml");
    const auto [status, message] = refusal([&] { verify_text(text); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.rfind("RIM driver: XML signature does not verify (the SignatureValue does "
                             "not verify with the signing key",
                             0) == 0U,
               message);
}

BOOST_AUTO_TEST_CASE(expired_in_2027) {
    const std::string text = vector_text(real_rim_file);
    const auto [status, message] = refusal([&] { verify_text(text, at("2027-01-01T00:00:00Z")); });
    BOOST_TEST(status == CCATTEST_E_EXPIRED);
    BOOST_TEST(message.rfind("RIM driver: signing chain: ", 0) == 0U, message);
}

BOOST_AUTO_TEST_CASE(another_anchor_fails) {
    const Rim rim = parse_text(vector_text(real_rim_file));
    const auto [status, message] =
        refusal([&] { verify_rim(rim, {trust_root("nvidia_device_identity_ca.pem")}, june_2025); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.rfind("RIM driver: signing chain: ", 0) == 0U, message);
}

BOOST_AUTO_TEST_CASE(changed_hash_fails) {
    const std::string text =
        replace_once(vector_text(real_rim_file), index7_hash, std::string(96, 'a'));
    const Rim rim = parse_text(text);
    BOOST_TEST(support::to_hex(rim.measurements[7].alternatives[0]) == std::string(96, 'a'));
    const auto [status, message] = refusal([&] { verify_text(text); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.rfind("RIM driver: XML signature does not verify (the digest of the signed "
                             "document does not match its Reference",
                             0) == 0U,
               message);
}

BOOST_AUTO_TEST_CASE(verifies_from_several_threads) {
    const Rim rim = parse_text(vector_text(real_rim_file));
    const support::Certificate root = trust_root("nvidia_rim_root_ca.pem");
    std::atomic<int> verified{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                try {
                    verify_rim(rim, {root}, june_2025);
                    ++verified;
                } catch (const std::exception &) {
                    return;
                }
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    BOOST_TEST(verified.load() == 20);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rim_shape)

constexpr const char *signature_open =
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">";

BOOST_AUTO_TEST_CASE(doctype_and_entities_refused) {
    const std::string real = vector_text(real_rim_file);
    const std::string doctype = "<!DOCTYPE SoftwareIdentity [<!ENTITY x \"GH100\">]>\n" + real;
    expect_refusal([&] { parse_text(doctype); }, CCATTEST_E_MALFORMED,
                   std::string("RIM driver: a DOCTYPE is not allowed (no DTDs or "
                               "entity declarations)"));
    const std::string entity = replace_once(real, "name=\"GH100\" patch", "name=\"&x;\" patch");
    const auto [status, message] = refusal([&] { parse_text(entity); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(
        message.rfind("RIM driver: not well-formed XML (line 1: Entity 'x' not defined", 0) == 0U,
        message);
}

BOOST_AUTO_TEST_CASE(bytes_refused) {
    std::string real = vector_text(real_rim_file);
    std::string latin1 = replace_once(real, "NVIDIA Corporation\" role", "NVIDIA\xE9\" role");
    BOOST_TEST(refusal([&] { parse_text(latin1); }).second == "RIM driver: not valid UTF-8");
    const std::string big(max_rim_size + 1, ' ');
    BOOST_TEST(refusal([&] { parse_text(big); }).second == "RIM driver: larger than 2097152 bytes");
    BOOST_TEST(refusal([&] { parse_text("<a>"); }).first == CCATTEST_E_MALFORMED);
    BOOST_TEST(refusal([&] { parse_text("<a xmlns=\"urn:x\"/>"); }).second ==
               "RIM driver: the root element is not a SWID SoftwareIdentity");
}

BOOST_AUTO_TEST_CASE(missing_fields_named) {
    const std::string real = vector_text(real_rim_file);
    BOOST_TEST(refusal([&] {
                   parse_text(replace_once(real, "colloquialVersion=\"550.144.03\" ", ""));
               }).second == "RIM driver: Meta has no colloquialVersion");
    BOOST_TEST(refusal([&] {
                   parse_text(replace_once(real, "index=\"7\" active=\"True\"",
                                           "index=\"7\" active=\"yes\""));
               }).second ==
               "RIM driver: Resource index 7: active \"yes\" is neither True nor False");
    BOOST_TEST(refusal([&] {
                   parse_text(replace_once(real, "index=\"9\"", "index=\"8\""));
               }).second == "RIM driver: Resource index 8 appears twice");
    BOOST_TEST(refusal([&] { parse_text(replace_once(real, index7_hash, "4a5e")); }).second ==
               "RIM driver: Resource index 7: Hash0 is not 48 bytes of hex");
    BOOST_TEST(refusal([&] {
                   parse_text(replace_once(real, "index=\"7\" active=\"True\" alternatives=\"1\"",
                                           "index=\"7\" active=\"True\" alternatives=\"2\""));
               }).second == "RIM driver: Resource index 7 has no Hash1 (SHA-384 namespace)");
    const std::string hash0 = std::string("ns2:Hash0=\"") + index7_hash + "\"";
    BOOST_TEST(refusal([&] {
                   parse_text(replace_once(real, hash0, hash0 + " ns2:Hash01=\"00\""));
               }).second == "RIM driver: Resource index 7: hash attribute Hash01 is not one of "
                            "Hash0..Hash0");
}

BOOST_AUTO_TEST_CASE(second_signature_refused) {
    const std::string real = vector_text(real_rim_file);
    const auto start = real.find(signature_open);
    const auto end = real.find("</SoftwareIdentity>");
    BOOST_REQUIRE(start != std::string::npos && end != std::string::npos);
    const std::string twice =
        real.substr(0, end) + real.substr(start, end - start) + "</SoftwareIdentity>";
    expect_refusal([&] { parse_text(twice); }, CCATTEST_E_MALFORMED,
                   "RIM driver: 2 ds:Signature elements (exactly one expected)");
}

BOOST_AUTO_TEST_CASE(reference_uri_refused) {
    const std::string text = replace_once(vector_text(real_rim_file), "<ds:Reference URI=\"\">",
                                          "<ds:Reference URI=\"#x\">");
    expect_refusal([&] { verify_text(text); }, CCATTEST_E_VERIFICATION_FAILED,
                   std::string("RIM driver: XML signature refused: Reference URI "
                               "\"#x\" (only URI=\"\", the whole document, is "
                               "accepted)"));
}

BOOST_AUTO_TEST_CASE(extra_transform_refused) {
    const std::string xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116";
    const std::string text =
        replace_once(vector_text(real_rim_file), "</ds:Transforms>",
                     "<ds:Transform Algorithm=\"" + xpath +
                         "\"><ds:XPath>1</ds:XPath></ds:Transform>" + "</ds:Transforms>");
    expect_refusal([&] { verify_text(text); }, CCATTEST_E_VERIFICATION_FAILED,
                   "RIM driver: XML signature refused: transform \"" + xpath +
                       "\" (only enveloped-signature and canonicalization)");
}

BOOST_AUTO_TEST_CASE(signature_method_refused) {
    const std::string text = replace_once(vector_text(real_rim_file),
                                          "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
                                          "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
    expect_refusal([&] { verify_text(text); }, CCATTEST_E_VERIFICATION_FAILED,
                   "RIM driver: XML signature refused: signature method "
                   "\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\"");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct SimulatedRimCa {
    support::PkeyPtr root_key = support::generate_key(support::KeyKind::p384);
    support::PkeyPtr ca_key = support::generate_key(support::KeyKind::p384);
    support::PkeyPtr leaf_key = support::generate_key(support::KeyKind::p384);
    std::vector<support::Certificate> chain; ///< leaf, CA, root

    SimulatedRimCa() {
        const int64_t from = at("2024-01-01T00:00:00Z");
        const int64_t until = at("2034-01-01T00:00:00Z");
        const auto name = [](const char *cn) {
            return std::vector<std::pair<std::string, std::string>>{{"O", "NVIDIA (SIMULATED)"},
                                                                    {"CN", cn}};
        };
        const auto root = support::make_certificate({name("Sim RIM Root"),
                                                     name("Sim RIM Root"),
                                                     1,
                                                     from,
                                                     until,
                                                     root_key.get(),
                                                     root_key.get(),
                                                     support::X509Signature::automatic,
                                                     true,
                                                     {}});
        const auto ca = support::make_certificate({name("Sim RIM CA"),
                                                   name("Sim RIM Root"),
                                                   2,
                                                   from,
                                                   until,
                                                   ca_key.get(),
                                                   root_key.get(),
                                                   support::X509Signature::automatic,
                                                   true,
                                                   {}});
        const auto leaf = support::make_certificate({name("Sim RIM signer"),
                                                     name("Sim RIM CA"),
                                                     3,
                                                     from,
                                                     until,
                                                     leaf_key.get(),
                                                     ca_key.get(),
                                                     support::X509Signature::automatic,
                                                     false,
                                                     {}});
        chain = {leaf, ca, root};
    }
};

Bytes digest(uint8_t fill) {
    return Bytes(48, fill);
}

RimSpec simulated_spec() {
    RimSpec spec;
    spec.tag_id = "sim-driver-tag";
    spec.name = "GH100";
    spec.version = "550.90.07";
    spec.product = "GH100";
    spec.edition = "GPU";
    spec.measurements = {{0, false, {digest(0)}, 48, ""},
                         {1, true, {digest(0x11)}, 48, ""},
                         {2, true, {digest(0x21), digest(0x22)}, 48, "Measurement_2"}};
    return spec;
}

} // namespace

BOOST_AUTO_TEST_SUITE(simulated_rim)

BOOST_AUTO_TEST_CASE(round_trips) {
    const SimulatedRimCa ca;
    const Bytes xml = make_signed_rim(simulated_spec(), ca.leaf_key.get(), ca.chain);
    const Rim rim = parse_rim(xml, "simulated");
    BOOST_TEST(rim.version == "550.90.07");
    BOOST_TEST(rim.manufacturer == "NVIDIA Corporation (SIMULATED)");
    BOOST_REQUIRE_EQUAL(rim.measurements.size(), 3U);
    BOOST_TEST(rim.measurements[2].alternatives.size() == 2U);
    BOOST_TEST((rim.measurements[2].alternatives[1] == digest(0x22)));
    BOOST_TEST(rim.measurements[1].active);
    BOOST_TEST(!rim.measurements[0].active);
    BOOST_REQUIRE_EQUAL(rim.signing_chain.size(), 3U);
    BOOST_TEST(rim.signing_chain[0].subject_cn() == "Sim RIM signer");
    const VerifiedRim verified = verify_rim(rim, {ca.chain.back()}, june_2025);
    BOOST_TEST(verified.chain.path.size() == 3U);
}

BOOST_AUTO_TEST_CASE(tampering_fails) {
    const SimulatedRimCa ca;
    const Bytes xml = make_signed_rim(simulated_spec(), ca.leaf_key.get(), ca.chain);
    const std::string text(xml.begin(), xml.end());
    const std::string tampered =
        replace_once(text, support::to_hex(digest(0x11)), support::to_hex(digest(0x12)));
    const auto [status, message] = refusal([&] {
        verify_rim(parse_rim(bytes_of(tampered), "simulated"), {ca.chain.back()}, june_2025);
    });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.rfind("RIM simulated: XML signature does not verify (the digest", 0) == 0U,
               message);
    // Signed by a key the chain does not certify.
    const SimulatedRimCa other;
    const Bytes forged = make_signed_rim(simulated_spec(), other.leaf_key.get(), ca.chain);
    const auto [forged_status, forged_message] =
        refusal([&] { verify_rim(parse_rim(forged, "forged"), {ca.chain.back()}, june_2025); });
    BOOST_TEST(forged_status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(forged_message.rfind("RIM forged: XML signature does not verify (the SignatureValue",
                                    0) == 0U,
               forged_message);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

Rim rim_with(const std::string &label, std::vector<RimMeasurement> measurements) {
    Rim rim;
    rim.tag_id = label;
    rim.measurements = std::move(measurements);
    return rim;
}

std::vector<MeasurementBlock> report_blocks() {
    std::vector<MeasurementBlock> blocks;
    for (uint8_t index = 1; index <= 4; ++index) {
        blocks.push_back({index, 1, 0, digest(static_cast<uint8_t>(index * 0x10))});
    }
    return blocks;
}

} // namespace

BOOST_AUTO_TEST_SUITE(comparison)

BOOST_AUTO_TEST_CASE(matching_blocks_pass) {
    // RIM index i is block i + 1 (blocks hold digest(0x10 * block index)).
    const Rim driver =
        rim_with("driver", {{0, true, {digest(0x10)}, 48, ""}, {1, false, {digest(0xEE)}, 48, ""}});
    const Rim vbios = rim_with("vbios", {{2, true, {digest(0x01), digest(0x30)}, 48, ""}});
    BOOST_TEST(compare_measurements({&driver, &vbios}, report_blocks()).empty());
}

BOOST_AUTO_TEST_CASE(mismatch_names_index_and_values) {
    const Rim driver = rim_with("driver", {{1, true, {digest(0x21)}, 48, ""}});
    const auto mismatches = compare_measurements({&driver}, report_blocks());
    BOOST_REQUIRE_EQUAL(mismatches.size(), 1U);
    BOOST_TEST(mismatches[0].index == 1U);
    BOOST_TEST(mismatches[0].rim_id == "driver");
    BOOST_REQUIRE_EQUAL(mismatches[0].expected.size(), 1U);
    BOOST_TEST(mismatches[0].expected[0] == support::to_hex(digest(0x21)));
    BOOST_TEST(mismatches[0].actual == support::to_hex(digest(0x20)));
}

BOOST_AUTO_TEST_CASE(missing_block_is_a_mismatch) {
    const Rim vbios = rim_with("vbios", {{9, true, {digest(0x21)}, 48, ""}});
    const auto mismatches = compare_measurements({&vbios}, report_blocks());
    BOOST_REQUIRE_EQUAL(mismatches.size(), 1U);
    BOOST_TEST(mismatches[0].index == 9U);
    BOOST_TEST(mismatches[0].actual.empty());
}

BOOST_AUTO_TEST_CASE(index_active_in_two_rims_conflicts) {
    const Rim driver = rim_with("driver", {{3, true, {digest(0x40)}, 48, ""}});
    const Rim vbios = rim_with("vbios", {{3, true, {digest(0x40)}, 48, ""}});
    expect_refusal(
        [&] {
            compare_measurements({&driver, &vbios}, report_blocks());
        },
        CCATTEST_E_VERIFICATION_FAILED,
        "measurement index 3 is active in both RIM driver and RIM vbios");
}

BOOST_AUTO_TEST_CASE(rim_ids) {
    BOOST_TEST(driver_rim_id(false, "GH100", "550.90.07") == "NV_GPU_DRIVER_GH100_550.90.07");
    BOOST_TEST(driver_rim_id(false, "GB100", "570.86.15") == "NV_GPU_CC_DRIVER_GB100_570.86.15");
    BOOST_TEST(vbios_rim_id(false, "1010", "0200", "882", "96.00.9f.00.01") ==
               "NV_GPU_VBIOS_1010_0200_882_96009F0001");
    BOOST_TEST(vbios_rim_id(true, "5612", "0002", "890", "96.10.55.00.01") ==
               "NV_SWITCH_BIOS_5612_0002_890_9610550001");
    BOOST_TEST(refusal([&] { driver_rim_id(true, "LS10", "550.90.07"); }).first ==
               CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(refusal([&] { driver_rim_id(false, "GA100", "550.90.07"); }).second ==
               "no driver RIM id known for chip \"GA100\"");
}

BOOST_AUTO_TEST_SUITE_END()
