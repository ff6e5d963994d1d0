// The x-nv-gpu token decoder and encoder: the ccattest-gpu-v1 form round trip and its one spelling
// (each refusal with its reason), NVIDIA's evidence JSON as nvtrust, Confidential Containers and
// nvattest write it (with NVIDIA's real H100 report and its chain), a raw SPDM report, an NRAS
// detached EAT and a RIM document recognised by content, and the size limits.
#include "evidence.hpp"
#include "spdm.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>

using ccattest::support::Bytes;
using ccattest::test::refusal;
namespace gpu = ccattest::gpu;

namespace {

std::filesystem::path vector_file(const char *name) {
    return std::filesystem::path(GPU_VECTORS) / name;
}

Bytes read_vector(const char *name) {
    return ccattest::support::read_file(vector_file(name), 1U << 20U);
}

Bytes real_report() {
    return read_vector("nvtrust_hopper_report.bin");
}

std::vector<Bytes> real_chain() {
    std::vector<Bytes> der;
    for (const auto &certificate : ccattest::support::Certificate::parse_bundle(
             read_vector("nvtrust_hopper_cert_chain.pem"), "chain")) {
        der.push_back(certificate.der());
    }
    return der;
}

std::string b64(std::span<const uint8_t> bytes) {
    return ccattest::support::base64_encode(bytes);
}

std::string b64(std::string_view text) {
    return b64(std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

gpu::Evidence real_evidence() {
    gpu::Evidence evidence;
    gpu::DeviceEvidence device;
    device.arch = gpu::Arch::hopper;
    device.report = real_report();
    device.certificates = real_chain();
    evidence.devices.push_back(device);
    return evidence;
}

std::string real_token() {
    return gpu::encode_token(real_evidence());
}

// The message of a refused token; a refusal with another status fails the test.
std::string refused(std::string_view token) {
    const auto [status, message] = refusal([&] { (void)gpu::decode_token(bytes_of(token)); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    return message;
}

// `token` with the first `from` replaced by `to`.
std::string edited(std::string token, std::string_view from, std::string_view to) {
    const size_t at = token.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos, "\"" << from << "\" not in the token");
    return token.replace(at, from.size(), to);
}

// The device object of the real token, and the token around it.
std::string device_json(std::string_view kind, std::string_view arch, const std::string &report,
                        const std::string &certificates) {
    return std::string(R"({"kind":")") + std::string(kind) + R"(","arch":")" + std::string(arch) +
           R"(","report":")" + report + R"(","certificates":)" + certificates + "}";
}

std::string chain_json(size_t count) {
    const auto chain = real_chain();
    std::string out = "[";
    for (size_t i = 0; i < count; ++i) {
        out += (i == 0 ? "\"" : ",\"") + b64(chain[i % chain.size()]) + "\"";
    }
    return out + "]";
}

std::string nvidia_json(std::string_view list, std::string_view extra_entry_members,
                        std::string_view extra_top_members) {
    const std::string pem =
        ccattest::support::read_text_file(vector_file("nvtrust_hopper_cert_chain.pem"), 1U << 20U);
    return std::string("{\n  ") + std::string(extra_top_members) + "\"" + std::string(list) +
           "\": [\n    {" + std::string(extra_entry_members) + "\"certificate\": \"" + b64(pem) +
           "\", \"evidence\": \"" + b64(real_report()) + "\"}\n  ]\n}\n";
}

void check_real_device(const gpu::DeviceEvidence &device) {
    BOOST_TEST((device.kind == gpu::DeviceKind::gpu));
    BOOST_TEST((device.arch == gpu::Arch::hopper));
    BOOST_TEST(device.report == real_report(), boost::test_tools::per_element());
    const auto chain = real_chain();
    BOOST_TEST_REQUIRE(device.certificates.size() == 5U);
    for (size_t i = 0; i < chain.size(); ++i) {
        BOOST_TEST(device.certificates[i] == chain[i], boost::test_tools::per_element());
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_token)

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(gpu::device_kind_name(gpu::DeviceKind::gpu) == "gpu");
    BOOST_TEST(gpu::device_kind_name(gpu::DeviceKind::nvswitch) == "switch");
    BOOST_TEST(gpu::arch_name(gpu::Arch::hopper) == "hopper");
    BOOST_TEST(gpu::arch_name(gpu::Arch::blackwell) == "blackwell");
    BOOST_TEST(gpu::arch_name(gpu::Arch::ls10) == "ls10");
    BOOST_TEST((gpu::arch_from_name("HOPPER") == gpu::Arch::hopper));
    BOOST_TEST((gpu::arch_from_name("Blackwell") == gpu::Arch::blackwell));
    BOOST_TEST((gpu::arch_from_name("LS10") == gpu::Arch::ls10));
    BOOST_TEST(!gpu::arch_from_name("Ampere").has_value());
    BOOST_TEST(!gpu::arch_from_name("hopperx").has_value());
    BOOST_TEST(!gpu::arch_from_name("").has_value());
    BOOST_TEST(gpu::token_form_name(gpu::TokenForm::ccattest) == "ccattest-gpu-v1");
    BOOST_TEST(gpu::token_form_name(gpu::TokenForm::nvidia_evidence) == "nvidia-evidence");
    BOOST_TEST(gpu::token_form_name(gpu::TokenForm::raw_spdm) == "raw-spdm");
    BOOST_TEST(gpu::token_form_name(gpu::TokenForm::nras_eat) == "nras-eat");
    BOOST_TEST(gpu::token_form_name(gpu::TokenForm::rim_document) == "rim-document");
}

BOOST_AUTO_TEST_CASE(ccattest_form_round_trip) {
    const std::string token = real_token();
    BOOST_TEST(token.starts_with(R"({"format":"ccattest-gpu-v1","devices":[{"kind":"gpu",)"
                                 R"("arch":"hopper","report":"EeAB)"));
    BOOST_TEST(token.find("rims") == std::string::npos);
    BOOST_TEST(token.find("ocsp") == std::string::npos);
    const auto evidence = gpu::decode_token(bytes_of(token));
    BOOST_TEST((evidence.form == gpu::TokenForm::ccattest));
    BOOST_TEST_REQUIRE(evidence.devices.size() == 1U);
    check_real_device(evidence.devices[0]);
    BOOST_TEST(gpu::encode_token(evidence) == token);
}

BOOST_AUTO_TEST_CASE(ccattest_form_with_rims_ocsp_and_a_switch) {
    auto evidence = real_evidence();
    auto device = evidence.devices[0];
    device.kind = gpu::DeviceKind::nvswitch;
    device.arch = gpu::Arch::ls10;
    evidence.devices.push_back(device);
    evidence.rims.push_back(read_vector("nvat_rim_driver_gh100_550.144.03.xml"));
    // DER-shaped stand-ins: the decoder checks an OCSP response's outer SEQUENCE only.
    evidence.ocsp_responses = {{0x30, 0x03, 0x0A, 0x01, 0x00}, {0x30, 0x00}};
    const std::string token = gpu::encode_token(evidence);
    BOOST_TEST(token.find(R"(},{"kind":"switch","arch":"ls10","report":)") != std::string::npos);
    BOOST_TEST(token.ends_with(R"(],"ocsp":["MAMKAQA=","MAA="]})"));
    const auto decoded = gpu::decode_token(bytes_of(token));
    BOOST_TEST_REQUIRE(decoded.devices.size() == 2U);
    BOOST_TEST((decoded.devices[1].kind == gpu::DeviceKind::nvswitch));
    BOOST_TEST((decoded.devices[1].arch == gpu::Arch::ls10));
    BOOST_TEST_REQUIRE(decoded.rims.size() == 1U);
    BOOST_TEST(decoded.rims[0] == evidence.rims[0], boost::test_tools::per_element());
    BOOST_TEST(decoded.ocsp_responses.size() == 2U);
    BOOST_TEST(gpu::encode_token(decoded) == token);
}

BOOST_AUTO_TEST_CASE(ccattest_form_one_spelling) {
    const std::string token = real_token();
    const std::string canonical =
        "token is not in canonical form (whitespace or escapes, which encode_token does not write)";
    BOOST_TEST(refused(edited(token, R"({"format")", R"({ "format")")) == canonical);
    BOOST_TEST(refused(" " + token) == canonical);
    BOOST_TEST(refused(token + "\n") == canonical);
    BOOST_TEST(refused(edited(token, R"("kind":"gpu")", R"("kind":"\u0067pu")")) == canonical);
    BOOST_TEST(
        refused(edited(token, R"({"format":"ccattest-gpu-v1","devices":)", R"({"devices":)") +
                "") == "token has no \"format\"");
    const std::string devices_first = edited(edited(token, R"({"format":"ccattest-gpu-v1",)", "{"),
                                             "]}]}", R"(]}],"format":"ccattest-gpu-v1"})");
    BOOST_TEST(refused(devices_first) ==
               "token member \"format\" is out of order (the order is format, ..., ocsp)");
    BOOST_TEST(refused(edited(token, "]}]}", R"(]}],"uuid":"x"})")) ==
               "token has an unknown member \"uuid\"");
    BOOST_TEST(refused(edited(token, R"("kind":"gpu",)", R"("uuid":"x","kind":"gpu",)")) ==
               "token device 0 has an unknown member \"uuid\"");
    BOOST_TEST(refused(edited(token, R"("kind":"gpu","arch":"hopper")",
                              R"("arch":"hopper","kind":"gpu")")) ==
               "token device 0 member \"kind\" is out of order (the order is kind, ..., "
               "certificates)");
    BOOST_TEST(refused(edited(token, R"("format":"ccattest-gpu-v1")",
                              R"("format":"ccattest-gpu-v1","format":"ccattest-gpu-v1")"))
                   .starts_with("token is not valid JSON: "));
}

BOOST_AUTO_TEST_CASE(ccattest_form_empty_arrays_are_not_written) {
    const std::string token = real_token();
    BOOST_TEST(refused(edited(token, "]}]}", R"(]}],"rims":[]})")) == "token \"rims\" is empty");
    BOOST_TEST(refused(edited(token, "]}]}", R"(]}],"ocsp":[]})")) == "token \"ocsp\" is empty");
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":[]})") ==
               "token \"devices\" is empty");
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":[)" +
                       device_json("gpu", "hopper", b64(real_report()), "[]") + "]}") ==
               "token device 0 \"certificates\" is empty");
}

BOOST_AUTO_TEST_CASE(ccattest_form_fields_refused) {
    const std::string token = real_token();
    const std::string report = b64(real_report());
    const auto with_device = [](const std::string &device) {
        return R"({"format":"ccattest-gpu-v1","devices":[)" + device + "]}";
    };
    BOOST_TEST(refused(edited(token, "ccattest-gpu-v1", "ccattest-gpu-v2")) ==
               "token format \"ccattest-gpu-v2\" is not \"ccattest-gpu-v1\"");
    BOOST_TEST(refused(edited(token, R"("kind":"gpu")", R"("kind":"cpu")")) ==
               "token device 0 kind \"cpu\" is not \"gpu\" or \"switch\"");
    BOOST_TEST(refused(edited(token, R"("arch":"hopper")", R"("arch":"Hopper")")) ==
               "token device 0 arch \"Hopper\" is not \"hopper\", \"blackwell\" or \"ls10\"");
    BOOST_TEST(refused(edited(token, R"("arch":"hopper")", R"("arch":"ampere")")) ==
               "token device 0 arch \"ampere\" is not \"hopper\", \"blackwell\" or \"ls10\"");
    BOOST_TEST(refused(edited(token, R"("arch":"hopper")", R"("arch":"ls10")")) ==
               "token device 0 kind \"gpu\" does not match its arch \"ls10\"");
    BOOST_TEST(refused(edited(token, R"("kind":"gpu")", R"("kind":"switch")")) ==
               "token device 0 kind \"switch\" does not match its arch \"hopper\"");
    BOOST_TEST(refused(edited(token, R"("arch":"hopper",)", "")) ==
               "token device 0 has no \"arch\"");
    BOOST_TEST(refused(edited(token, R"("report":"EeAB)", R"("report":"Ee=B)")) ==
               "token device 0 report is not canonical base64");
    BOOST_TEST(refused(edited(token, R"("report":")", R"("report":"A)")) ==
               "token device 0 report is not base64 (length 5493 is not a multiple of 4)");
    BOOST_TEST(refused(with_device(device_json("gpu", "hopper", "", chain_json(5)))) ==
               "token device 0 report is empty");
    BOOST_TEST(refused(with_device(device_json("gpu", "hopper", report, chain_json(1)))) ==
               "token device 0 has 1 certificate; a chain has 2 to 8");
    BOOST_TEST(refused(with_device(device_json("gpu", "hopper", report, chain_json(9)))) ==
               "token device 0 \"certificates\" has 9 entries, more than the 8 allowed");
    BOOST_TEST(gpu::decode_token(
                   bytes_of(with_device(device_json("gpu", "hopper", report, chain_json(8)))))
                   .devices[0]
                   .certificates.size() == 8U);
    // PEM where DER belongs.
    const std::string pem = ccattest::support::read_text_file(
        vector_file("trustee_hopper_signing_cert.pem"), 1U << 20U);
    const auto [status, message] = refusal([&] {
        (void)gpu::decode_token(bytes_of(with_device(
            device_json("gpu", "hopper", report, "[\"" + b64(pem) + "\",\"" + b64(pem) + "\"]"))));
    });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(message.starts_with("token device 0 certificate 0"), message);
    BOOST_TEST(refused(edited(token, "]}]}", R"(]}],"ocsp":["AQID"]})")) ==
               "token \"ocsp\" entry 0 is not DER (it does not start with a SEQUENCE)");
    BOOST_TEST(refused(edited(token, "]}]}", R"(]}],"rims":[7]})")) ==
               "token \"rims\" entry 0 is not a string");
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":[1]})") ==
               "token device 0 is not an object");
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":{}})") ==
               "token \"devices\" is not an array");
}

BOOST_AUTO_TEST_CASE(ccattest_form_limits) {
    std::string devices;
    const std::string device = device_json("gpu", "hopper", "AAAA", chain_json(2));
    for (size_t i = 0; i <= gpu::max_devices; ++i) {
        devices += (i == 0 ? "" : ",") + device;
    }
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":[)" + devices + "]}") ==
               "token \"devices\" has 65 entries, more than the 64 allowed");
    const Bytes big_report(gpu::max_report_size + 1, 0x11);
    BOOST_TEST(refused(R"({"format":"ccattest-gpu-v1","devices":[)" +
                       device_json("gpu", "hopper", b64(big_report), chain_json(2)) + "]}") ==
               "token device 0 report is 65537 bytes, more than the 65536 allowed");
    const std::string huge(gpu::max_token_size + 1, ' ');
    BOOST_TEST(refused(huge) == "token is 8388609 bytes, more than the 8388608 allowed");
    BOOST_TEST(refused("") == "token is empty");
}

BOOST_AUTO_TEST_CASE(encode_refuses_what_decode_would) {
    auto evidence = real_evidence();
    evidence.devices[0].arch.reset();
    auto [status, message] = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: device 0 has no architecture");
    evidence = real_evidence();
    evidence.devices[0].certificates.resize(1);
    std::tie(status, message) = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: device 0 has 1 certificates (2 "
                          "to 8)");
    evidence = real_evidence();
    evidence.devices[0].kind = gpu::DeviceKind::nvswitch;
    std::tie(status, message) = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: device 0 kind switch does not "
                          "match its arch hopper");
    evidence.devices.clear();
    std::tie(status, message) = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: 0 devices (1 to 64)");
    evidence = real_evidence();
    evidence.rims.emplace_back();
    std::tie(status, message) = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: an empty RIM or OCSP response");
}

BOOST_AUTO_TEST_CASE(nvidia_evidence_json_of_nvtrust) {
    // nvtrust's collect-evidence script: nonce, evidence_list, arch at the top; printed with a
    // line break.
    const std::string json = nvidia_json(
        "evidence_list", "",
        R"("nonce": "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", "arch": "HOPPER", )");
    const auto evidence = gpu::decode_token(bytes_of(json));
    BOOST_TEST((evidence.form == gpu::TokenForm::nvidia_evidence));
    BOOST_TEST_REQUIRE(evidence.devices.size() == 1U);
    check_real_device(evidence.devices[0]);
    // Written again, it is a ccattest token of the same devices.
    const std::string token = gpu::encode_token(evidence);
    BOOST_TEST(token == real_token());
}

BOOST_AUTO_TEST_CASE(nvidia_evidence_json_of_coco_and_nvattest) {
    // Confidential Containers' attester: device_evidence_list, arch and uuid per device.
    auto evidence = gpu::decode_token(bytes_of(
        nvidia_json("device_evidence_list", R"("arch": "Hopper", "uuid": "GPU-1111-2222", )", "")));
    BOOST_TEST((evidence.form == gpu::TokenForm::nvidia_evidence));
    BOOST_TEST_REQUIRE(evidence.devices.size() == 1U);
    check_real_device(evidence.devices[0]);
    // nvattest collect-evidence: evidences with version, arch, nonce, versions; result code.
    evidence = gpu::decode_token(bytes_of(nvidia_json(
        "evidences",
        R"("version": "1.0", "arch": "HOPPER", "nonce": "93", "vbios_version": "96.00.9f.00.01", )",
        R"("result_code": 0, "result_message": "Ok", )")));
    BOOST_TEST_REQUIRE(evidence.devices.size() == 1U);
    check_real_device(evidence.devices[0]);
    // An NVSwitch.
    evidence = gpu::decode_token(bytes_of(nvidia_json("evidences", R"("arch": "LS10", )", "")));
    BOOST_TEST((evidence.devices[0].kind == gpu::DeviceKind::nvswitch));
    BOOST_TEST((evidence.devices[0].arch == gpu::Arch::ls10));
    // No arch anywhere: a GPU of unstated architecture.
    evidence = gpu::decode_token(bytes_of(nvidia_json("evidence_list", "", "")));
    BOOST_TEST((evidence.devices[0].kind == gpu::DeviceKind::gpu));
    BOOST_TEST(!evidence.devices[0].arch.has_value());
}

BOOST_AUTO_TEST_CASE(nvidia_evidence_json_chain_cases_reach_the_verifier) {
    // A root alone decodes (the verifier names what is missing); it cannot become a ccattest token.
    const std::string root = ccattest::support::read_text_file(
        vector_file("trustee_hopper_chain_case2_root_only.pem"), 1U << 20U);
    const std::string json = R"({"evidence_list":[{"certificate":")" + b64(root) +
                             R"(","evidence":")" + b64(real_report()) + R"(","arch":"HOPPER"}]})";
    const auto evidence = gpu::decode_token(bytes_of(json));
    BOOST_TEST(evidence.devices[0].certificates.size() == 1U);
    const auto [status, message] = refusal([&] { (void)gpu::encode_token(evidence); });
    BOOST_TEST(status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(message == "cannot encode a ccattest-gpu-v1 token: device 0 has 1 certificates (2 "
                          "to 8)");
}

BOOST_AUTO_TEST_CASE(nvidia_evidence_json_refused) {
    const std::string report = b64(real_report());
    const std::string pem = b64(
        ccattest::support::read_text_file(vector_file("nvtrust_hopper_cert_chain.pem"), 1U << 20U));
    BOOST_TEST(refused(R"({"evidence_list":[],"evidences":[]})") ==
               "NVIDIA evidence has both \"evidence_list\" and \"evidences\"");
    BOOST_TEST(refused(R"({"evidence_list":[]})") == "NVIDIA evidence \"evidence_list\" is empty");
    BOOST_TEST(refused(R"({"evidences":{}})") == "NVIDIA evidence \"evidences\" is not an array");
    BOOST_TEST(refused(R"({"evidence_list":["x"]})") == "NVIDIA evidence entry 0 is not an object");
    BOOST_TEST(refused(R"({"evidence_list":[{"certificate":")" + pem + R"("}]})") ==
               "NVIDIA evidence entry 0 has no \"evidence\"");
    BOOST_TEST(refused(R"({"evidence_list":[{"evidence":")" + report + R"("}]})") ==
               "NVIDIA evidence entry 0 has no \"certificate\"");
    BOOST_TEST(refused(R"({"evidence_list":[{"evidence":"QUJD","certificate":")" + pem +
                       R"(","arch":"AMPERE"}]})") ==
               "NVIDIA evidence entry 0 arch \"AMPERE\" is not Hopper, Blackwell or LS10");
    BOOST_TEST(refused(R"({"arch":7,"evidence_list":[{"evidence":"QUJD","certificate":")" + pem +
                       R"("}]})") == "NVIDIA evidence \"arch\" is not a string");
    BOOST_TEST(
        refused(R"({"evidence_list":[{"evidence":"QUJD=","certificate":")" + pem + R"("}]})") ==
        "NVIDIA evidence entry 0 evidence is not base64 (length 5 is not a multiple of 4)");
    const auto [status, message] = refusal([&] {
        (void)gpu::decode_token(
            bytes_of(R"({"evidence_list":[{"evidence":"QUJD","certificate":"QUJD"}]})"));
    });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(message.starts_with("NVIDIA evidence entry 0 certificate"), message);
    std::string devices;
    for (size_t i = 0; i <= gpu::max_devices; ++i) {
        devices += std::string(i == 0 ? "" : ",") + "{}";
    }
    BOOST_TEST(refused(R"({"device_evidence_list":[)" + devices + "]}") ==
               "NVIDIA evidence \"device_evidence_list\" has 65 entries, more than the 64 allowed");
    BOOST_TEST(refused(R"({"nonce":"00"})") ==
               "token is a JSON object with neither \"format\" (ccattest-gpu-v1) nor "
               "\"evidence_list\", \"device_evidence_list\" or \"evidences\" (NVIDIA's evidence "
               "JSON)");
    BOOST_TEST(refused("{\"evidence_list\":").starts_with("token is not valid JSON: "));
}

BOOST_AUTO_TEST_CASE(raw_spdm_report) {
    const Bytes report = real_report();
    const auto evidence = gpu::decode_token(report);
    BOOST_TEST((evidence.form == gpu::TokenForm::raw_spdm));
    BOOST_TEST_REQUIRE(evidence.devices.size() == 1U);
    BOOST_TEST((evidence.devices[0].kind == gpu::DeviceKind::gpu));
    BOOST_TEST(!evidence.devices[0].arch.has_value());
    BOOST_TEST(evidence.devices[0].certificates.empty());
    BOOST_TEST(evidence.devices[0].report == report, boost::test_tools::per_element());
    const std::string encoded = gpu::encode_token(evidence);
    BOOST_TEST(Bytes(encoded.begin(), encoded.end()) == report, boost::test_tools::per_element());
    // Structure is the SPDM parser's business; size is checked here.
    BOOST_TEST((gpu::decode_token(Bytes{0x11, 0xE0}).form == gpu::TokenForm::raw_spdm));
    Bytes big = report;
    big.resize(gpu::max_report_size + 1);
    BOOST_TEST(refused(std::string(big.begin(), big.end())) ==
               "raw SPDM report is 65537 bytes, more than the 65536 allowed");
    BOOST_TEST(refused("\x11\xE1") ==
               "token is neither a ccattest-gpu-v1 or NVIDIA evidence JSON object, a raw SPDM "
               "report (0x11 0xe0), an NRAS detached EAT (a JSON array) nor a RIM document ('<')");
}

BOOST_AUTO_TEST_CASE(nras_detached_eat) {
    const std::string eat =
        R"([["JWT","eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJOVklESUEifQ.c2ln"],)"
        R"({"GPU-0":"eyJhbGciOiJFUzM4NCJ9.eyJ4LW52aWRpYS1kZXZpY2UtdHlwZSI6ImdwdSJ9.c2ln"}])"
        "\n";
    const auto evidence = gpu::decode_token(bytes_of(eat));
    BOOST_TEST((evidence.form == gpu::TokenForm::nras_eat));
    BOOST_TEST(evidence.text == eat);
    BOOST_TEST(evidence.devices.empty());
    BOOST_TEST(gpu::encode_token(evidence) == eat);
    const std::string not_eat = "token is a JSON array but not an NRAS detached EAT (its first "
                                "element must be [\"JWT\", \"<token>\"])";
    BOOST_TEST(refused("[]") == not_eat);
    BOOST_TEST(refused(R"([["JWS","x"]])") == not_eat);
    BOOST_TEST(refused(R"([["JWT",""]])") == not_eat);
    BOOST_TEST(refused(R"([["JWT","x","y"]])") == not_eat);
    BOOST_TEST(refused("[1]") == not_eat);
}

BOOST_AUTO_TEST_CASE(rim_document) {
    const Bytes rim = read_vector("nvat_rim_driver_gh100_550.144.03.xml");
    const auto evidence = gpu::decode_token(rim);
    BOOST_TEST((evidence.form == gpu::TokenForm::rim_document));
    BOOST_TEST(evidence.text == std::string(rim.begin(), rim.end()));
    BOOST_TEST(evidence.devices.empty());
    BOOST_TEST(gpu::encode_token(evidence) == evidence.text);
    Bytes with_bom = {0xEF, 0xBB, 0xBF};
    with_bom.insert(with_bom.end(), rim.begin(), rim.end());
    BOOST_TEST(refused(std::string(with_bom.begin(), with_bom.end())) ==
               "token starts with a UTF-8 byte order mark");
    BOOST_TEST(refused("\n<SoftwareIdentity/>") ==
               "token starts with whitespace before '<'; a RIM document starts with '<'");
}

BOOST_AUTO_TEST_SUITE_END()
