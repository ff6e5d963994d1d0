// The TDX simulator: the bytes of the quotes it makes (v4 and v5, TD report bodies 1.0 and 1.5)
// at the offsets quote.hpp documents, checked by hand and then through the decoder; the QE
// report's binding of the attestation key; every signature; the PCK chain to the simulated root
// and its SGX extensions; the collateral documents (shape of Intel's, signature over the body
// bytes, graded to each status the config names); the CRLs; state reuse; refused configs; speed.
#include "collateral.hpp"
#include "evidence.hpp"
#include "pck.hpp"
#include "quote.hpp"
#include "simulator.hpp"
#include "support/refusal.hpp"
#include "tcb.hpp"
#include "verifier.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using ccattest::support::Bytes;
using ccattest::support::Certificate;
using ccattest::test::refusal;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace support = ccattest::support;
namespace tdx = ccattest::tdx;

namespace {

constexpr int64_t now = 1767225600; // 2026-01-01T00:00:00Z
constexpr int64_t one_day = 86400;
constexpr size_t header_size = 48;

// A fresh state folder per test, under the build tree.
fs::path fresh_state(const std::string &name) {
    fs::path folder = fs::path(TDX_SIM_STATE) / name;
    fs::remove_all(folder);
    return folder;
}

tdx::Bytes48 filled(uint8_t value) {
    tdx::Bytes48 out{};
    out.fill(value);
    return out;
}

// Every measurement distinct, so a field at a wrong offset shows.
tdx::SimulatorConfig sim(const fs::path &state, uint16_t version, tdx::BodyKind body) {
    tdx::SimulatorConfig config;
    config.state_dir = state;
    config.quote_version = version;
    config.body = body;
    config.mr_td = filled(0x11);
    config.mr_config_id = filled(0x22);
    config.mr_owner = filled(0x33);
    config.mr_owner_config = filled(0x44);
    config.mr_seam = filled(0x55);
    config.mr_service_td = filled(0x66);
    for (size_t i = 0; i < config.rtmr.size(); ++i) {
        config.rtmr[i] = filled(static_cast<uint8_t>(0x70 + i));
    }
    config.tee_tcb_svn = {3, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    config.tee_tcb_svn2 = {5, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8};
    config.qe_isvsvn = 0x0104;
    return config;
}

std::array<uint8_t, 64> data_of(uint8_t seed) {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(size_t{seed} * 7 + i);
    }
    return data;
}

uint16_t u16_at(const Bytes &bytes, size_t at) {
    return support::ByteReader(bytes).u16(at, "test");
}

uint32_t u32_at(const Bytes &bytes, size_t at) {
    return support::ByteReader(bytes).u32(at, "test");
}

uint64_t u64_at(const Bytes &bytes, size_t at) {
    return support::ByteReader(bytes).u64(at, "test");
}

Bytes slice(const Bytes &bytes, size_t at, size_t length) {
    const auto view = support::ByteReader(bytes).bytes(at, length, "test");
    return {view.begin(), view.end()};
}

template <size_t N> Bytes bytes_of(const std::array<uint8_t, N> &array) {
    return {array.begin(), array.end()};
}

std::string text_of(const Bytes &bytes) {
    return {bytes.begin(), bytes.end()};
}

// Where the parts of a quote lie, found from its length fields (quote.hpp).
struct Layout {
    size_t body_at = 0;
    size_t body_size = 0;
    size_t signature_data_at = 0;
    size_t qe_report_at = 0;
    size_t auth_data_at = 0;
    size_t auth_data_size = 0;
    size_t pck_chain_at = 0;
    size_t pck_chain_size = 0;
};

Layout layout_of(const Bytes &quote) {
    Layout layout;
    const bool v5 = u16_at(quote, 0) == 5;
    layout.body_at = v5 ? header_size + 6 : header_size;
    layout.body_size = v5 ? u32_at(quote, header_size + 2) : tdx::td_report_body_10_size;
    const size_t size_at = layout.body_at + layout.body_size;
    layout.signature_data_at = size_at + 4;
    BOOST_TEST(u32_at(quote, size_at) == quote.size() - layout.signature_data_at);
    const size_t certification_at = layout.signature_data_at + 128;
    BOOST_TEST(u16_at(quote, certification_at) == 6);
    BOOST_TEST(u32_at(quote, certification_at + 2) == quote.size() - (certification_at + 6));
    layout.qe_report_at = certification_at + 6;
    const size_t auth_size_at = layout.qe_report_at + 384 + 64;
    layout.auth_data_size = u16_at(quote, auth_size_at);
    layout.auth_data_at = auth_size_at + 2;
    const size_t pck_at = layout.auth_data_at + layout.auth_data_size;
    BOOST_TEST(u16_at(quote, pck_at) == 5);
    layout.pck_chain_size = u32_at(quote, pck_at + 2);
    layout.pck_chain_at = pck_at + 6;
    BOOST_TEST(layout.pck_chain_at + layout.pck_chain_size == quote.size());
    return layout;
}

void check_header(const Bytes &quote, uint16_t version) {
    BOOST_TEST(u16_at(quote, 0) == version);
    BOOST_TEST(u16_at(quote, 2) == 2);     // ECDSA P-256
    BOOST_TEST(u32_at(quote, 4) == 0x81U); // TDX
    BOOST_TEST(u32_at(quote, 8) == 0U);    // reserved
    BOOST_TEST(support::to_hex(slice(quote, 12, 16)) == "939a7233f79c4ca9940a0db3957f0607");
    BOOST_TEST(support::is_all_zero(slice(quote, 28, 20)));
}

// The TD report body at `at` (quote.hpp's field order), as `sim` filled it.
void check_body(const Bytes &quote, size_t at, const tdx::SimulatorConfig &config,
                const std::array<uint8_t, 64> &data) {
    BOOST_TEST(slice(quote, at, 16) == bytes_of(config.tee_tcb_svn));
    BOOST_TEST(slice(quote, at + 16, 48) == bytes_of(config.mr_seam));
    BOOST_TEST(support::is_all_zero(slice(quote, at + 64, 48 + 8))); // MRSIGNERSEAM, SEAMATTRIB.
    BOOST_TEST(u64_at(quote, at + 120) == config.td_attributes);
    BOOST_TEST(u64_at(quote, at + 128) == config.xfam);
    BOOST_TEST(slice(quote, at + 136, 48) == bytes_of(config.mr_td));
    BOOST_TEST(slice(quote, at + 184, 48) == bytes_of(config.mr_config_id));
    BOOST_TEST(slice(quote, at + 232, 48) == bytes_of(config.mr_owner));
    BOOST_TEST(slice(quote, at + 280, 48) == bytes_of(config.mr_owner_config));
    for (size_t i = 0; i < 4; ++i) {
        BOOST_TEST(slice(quote, at + 328 + 48 * i, 48) == bytes_of(config.rtmr[i]));
    }
    BOOST_TEST(slice(quote, at + 520, 64) == bytes_of(data));
    if (config.body == tdx::BodyKind::td15) {
        BOOST_TEST(slice(quote, at + 584, 16) == bytes_of(config.tee_tcb_svn2));
        BOOST_TEST(slice(quote, at + 600, 48) == bytes_of(config.mr_service_td));
    }
}

std::vector<Certificate> pck_chain_of(const Bytes &quote) {
    const Layout layout = layout_of(quote);
    return Certificate::parse_bundle(slice(quote, layout.pck_chain_at, layout.pck_chain_size),
                                     "PCK chain");
}

json::object body_of(const Bytes &document, const char *member) {
    return support::parse_json(text_of(document)).as_object().at(member).as_object();
}

std::vector<std::string> keys_of(const json::object &object) {
    std::vector<std::string> keys;
    for (const auto &member : object) {
        keys.emplace_back(member.key());
    }
    return keys;
}

std::vector<int64_t> svns_of(const json::value &components) {
    std::vector<int64_t> svns;
    for (const auto &component : components.as_array()) {
        svns.push_back(component.at("svn").to_number<int64_t>());
    }
    return svns;
}

template <size_t N> std::vector<int64_t> as_svns(const std::array<uint8_t, N> &values) {
    return {values.begin(), values.end()};
}

// The P-256 public key of a point x||y.
support::PkeyPtr p256_key(const std::array<uint8_t, 64> &x_then_y) {
    Bytes point{0x04};
    point.insert(point.end(), x_then_y.begin(), x_then_y.end());
    std::string group = "P-256";
    const std::array<OSSL_PARAM, 3> params{
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
        EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), &EVP_PKEY_CTX_free);
    EVP_PKEY *key = nullptr;
    BOOST_REQUIRE(context != nullptr && EVP_PKEY_fromdata_init(context.get()) == 1 &&
                  EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY,
                                    const_cast<OSSL_PARAM *>(params.data())) == 1);
    return support::PkeyPtr(key);
}

constexpr std::array<tdx::TcbStatus, 7> every_status{
    tdx::TcbStatus::up_to_date,
    tdx::TcbStatus::sw_hardening_needed,
    tdx::TcbStatus::configuration_needed,
    tdx::TcbStatus::configuration_and_sw_hardening_needed,
    tdx::TcbStatus::out_of_date,
    tdx::TcbStatus::out_of_date_configuration_needed,
    tdx::TcbStatus::revoked,
};

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_simulator)

BOOST_AUTO_TEST_CASE(v4_quote_has_the_documented_layout) {
    const auto config = sim(fresh_state("v4-layout"), 4, tdx::BodyKind::td10);
    const auto data = data_of(1);
    const Bytes quote = tdx::simulate_evidence(config, data, now).quote;
    check_header(quote, 4);
    check_body(quote, header_size, config, data);
    const Layout layout = layout_of(quote);
    BOOST_TEST(layout.signature_data_at == header_size + 584 + 4);
    BOOST_TEST(layout.auth_data_size == 32U);
    BOOST_TEST(pck_chain_of(quote).size() == 3U);
    // The decoder reads the same fields.
    const tdx::Quote parsed = tdx::parse_quote(quote);
    BOOST_TEST(parsed.version == 4);
    BOOST_TEST((parsed.body_kind == tdx::BodyKind::td10));
    BOOST_TEST(parsed.body.mr_td == config.mr_td);
    BOOST_TEST(parsed.body.rtmr[3] == config.rtmr[3]);
    BOOST_TEST(parsed.body.report_data == data);
    BOOST_TEST(!parsed.body.tee_tcb_svn2.has_value());
    BOOST_TEST(parsed.signed_part == slice(quote, 0, header_size + 584));
    BOOST_TEST(parsed.trailing_bytes == 0U);
}

BOOST_AUTO_TEST_CASE(v5_quotes_carry_body_type_and_size) {
    const fs::path state = fresh_state("v5-layout");
    for (const auto body : {tdx::BodyKind::td10, tdx::BodyKind::td15}) {
        const bool td15 = body == tdx::BodyKind::td15;
        BOOST_TEST_CONTEXT((td15 ? "TD 1.5" : "TD 1.0")) {
            const auto config = sim(state, 5, body);
            const auto data = data_of(td15 ? 3 : 2);
            const Bytes quote = tdx::simulate_evidence(config, data, now).quote;
            check_header(quote, 5);
            BOOST_TEST(u16_at(quote, header_size) == (td15 ? 3 : 2));
            BOOST_TEST(u32_at(quote, header_size + 2) == (td15 ? 648U : 584U));
            check_body(quote, header_size + 6, config, data);
            const Layout layout = layout_of(quote);
            BOOST_TEST(layout.signature_data_at == header_size + 6 + (td15 ? 648 : 584) + 4);
            const tdx::Quote parsed = tdx::parse_quote(quote);
            BOOST_TEST(parsed.version == 5);
            BOOST_TEST((parsed.body_kind == body));
            BOOST_TEST(parsed.body.report_data == data);
            BOOST_TEST(parsed.body.tee_tcb_svn2.has_value() == td15);
            if (td15) {
                BOOST_TEST(*parsed.body.mr_service_td == config.mr_service_td);
            }
            BOOST_TEST(parsed.signed_part == slice(quote, 0, layout.signature_data_at - 4));
        }
    }
}

BOOST_AUTO_TEST_CASE(qe_report_binds_the_attestation_key_and_auth_data) {
    const auto config = sim(fresh_state("qe-binding"), 4, tdx::BodyKind::td10);
    const Bytes quote = tdx::simulate_evidence(config, data_of(4), now).quote;
    const Layout layout = layout_of(quote);
    const Bytes key = slice(quote, layout.signature_data_at + 64, 64);
    const Bytes auth = slice(quote, layout.auth_data_at, layout.auth_data_size);
    Bytes bound = key;
    bound.insert(bound.end(), auth.begin(), auth.end());
    const auto digest = support::sha256(bound);
    const size_t report = layout.qe_report_at;
    BOOST_TEST(slice(quote, report + 320, 32) == bytes_of(digest));
    BOOST_TEST(support::is_all_zero(slice(quote, report + 352, 32)));
    BOOST_TEST(slice(quote, report, 16) == bytes_of(config.sgx_components)); // CPUSVN
    BOOST_TEST(u32_at(quote, report + 16) == 0U);                            // MISCSELECT
    BOOST_TEST(quote[report + 48] == 0x11);                                  // attributes
    BOOST_TEST(u16_at(quote, report + 256) == 2);                            // TD QE
    BOOST_TEST(u16_at(quote, report + 258) == config.qe_isvsvn);
    const tdx::Quote parsed = tdx::parse_quote(quote);
    BOOST_TEST(bytes_of(parsed.attestation_key) == key);
    BOOST_TEST(parsed.qe_auth_data == auth);
    BOOST_TEST(parsed.qe_report.isvsvn == config.qe_isvsvn);
}

BOOST_AUTO_TEST_CASE(quote_and_qe_report_signatures_verify) {
    const auto config = sim(fresh_state("signatures"), 5, tdx::BodyKind::td15);
    const Bytes quote = tdx::simulate_evidence(config, data_of(5), now).quote;
    const tdx::Quote parsed = tdx::parse_quote(quote);
    const auto chain = pck_chain_of(quote);

    const support::PkeyPtr attestation_key = p256_key(parsed.attestation_key);

    const auto p256 = support::EcdsaAlgorithm::p256_sha256;
    BOOST_TEST(support::ecdsa_verify_raw(attestation_key.get(), p256, parsed.signed_part,
                                         parsed.signature));
    BOOST_TEST(support::ecdsa_verify_raw(chain.front().public_key(), p256, parsed.qe_report.raw,
                                         parsed.qe_report_signature));
    // Negative: one changed byte of what was signed.
    Bytes changed = parsed.signed_part;
    changed[header_size + 6 + 136] ^= 0x01U; // MRTD
    BOOST_TEST(!support::ecdsa_verify_raw(attestation_key.get(), p256, changed, parsed.signature));
    Bytes changed_report = parsed.qe_report.raw;
    changed_report[258] ^= 0x01U; // ISVSVN
    BOOST_TEST(!support::ecdsa_verify_raw(chain.front().public_key(), p256, changed_report,
                                          parsed.qe_report_signature));
}

BOOST_AUTO_TEST_CASE(pck_chain_verifies_to_the_simulated_root_only) {
    const fs::path state = fresh_state("pck-chain");
    const auto evidence =
        tdx::simulate_evidence(sim(state, 4, tdx::BodyKind::td10), data_of(6), now);
    const auto chain = pck_chain_of(evidence.quote);
    const Certificate root = tdx::simulated_root(state);
    BOOST_TEST(chain.at(2).der() == root.der());
    BOOST_TEST(chain.at(0).subject_cn() == "SIMULATED Intel SGX PCK Certificate");
    BOOST_TEST(chain.at(1).subject_cn() == "SIMULATED Intel SGX PCK Platform CA");
    BOOST_TEST(root.subject_cn() == "SIMULATED Intel SGX Root CA");
    BOOST_TEST(tdx::simulated_root_file(state) == state / "tdx" / "root_ca.pem");
    BOOST_TEST(Certificate::load(tdx::simulated_root_file(state)).der() == root.der());

    support::ChainOptions options;
    options.crls = {support::Crl::parse(*evidence.collateral.pck_crl, "PCK CRL"),
                    support::Crl::parse(*evidence.collateral.root_ca_crl, "root CA CRL")};
    options.require_crl_for_every_issuer = true;
    const auto verified = support::verify_chain(chain[0], {chain[1]}, {root}, now, options);
    BOOST_TEST(verified.path.size() == 3U);

    const Certificate intel = Certificate::load(INTEL_ROOT);
    const auto [status, message] =
        refusal([&] { (void)support::verify_chain(chain[0], {chain[1]}, {intel}, now); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "certificate chain does not verify at certificate \"SIMULATED Intel SGX "
                          "PCK Platform CA\" (valid 2020-01-01T00:00:00Z to "
                          "2100-01-01T00:00:00Z): unable to get local issuer certificate");
}

BOOST_AUTO_TEST_CASE(revoke_pck_lists_the_leaf_in_the_pck_crl) {
    const fs::path state = fresh_state("revoked-pck");
    auto config = sim(state, 4, tdx::BodyKind::td10);
    config.revoke_pck = true;
    const auto evidence = tdx::simulate_evidence(config, data_of(7), now);
    const auto chain = pck_chain_of(evidence.quote);
    const auto pck_crl = support::Crl::parse(*evidence.collateral.pck_crl, "PCK CRL");
    BOOST_TEST(pck_crl.revokes(chain[0]));
    BOOST_TEST(pck_crl.names_issuer(chain[1]));
    support::ChainOptions options;
    options.crls = {pck_crl};
    const auto [status, message] = refusal(
        [&] { (void)support::verify_chain(chain[0], {chain[1]}, {chain[2]}, now, options); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "CRL from SIMULATED Intel SGX PCK Platform CA revokes certificate "
                          "\"SIMULATED Intel SGX PCK Certificate\" (serial " +
                              chain[0].serial_hex() + ")");

    config.revoke_pck = false;
    const auto clean = tdx::simulate_evidence(config, data_of(7), now);
    BOOST_TEST(!support::Crl::parse(*clean.collateral.pck_crl, "PCK CRL").revokes(chain[0]));
}

BOOST_AUTO_TEST_CASE(pck_states_the_configured_tcb_in_sgx_extensions) {
    const fs::path state = fresh_state("pck-extensions");
    auto config = sim(state, 4, tdx::BodyKind::td10);
    const auto first = pck_chain_of(tdx::simulate_evidence(config, data_of(8), now).quote);
    const tdx::PckExtensions extensions = tdx::parse_pck_extensions(first[0]);
    BOOST_TEST(extensions.tcb_components == config.sgx_components);
    BOOST_TEST(extensions.pcesvn == config.pcesvn);
    BOOST_TEST(extensions.cpusvn == config.sgx_components);
    BOOST_TEST(support::to_hex(extensions.pce_id) == "0000");
    BOOST_TEST(extensions.ppid.size() == 16U);
    BOOST_TEST(extensions.sgx_type == 0);
    BOOST_TEST(!extensions.platform_instance_id.has_value());

    // Another TCB: another leaf (another serial), the same key and PPID.
    config.sgx_components[0] = 9;
    config.pcesvn = 13;
    const auto second = pck_chain_of(tdx::simulate_evidence(config, data_of(8), now).quote);
    const tdx::PckExtensions changed = tdx::parse_pck_extensions(second[0]);
    BOOST_TEST(changed.tcb_components[0] == 9);
    BOOST_TEST(changed.pcesvn == 13);
    BOOST_TEST(changed.ppid == extensions.ppid);
    BOOST_TEST(second[0].serial_hex() != first[0].serial_hex());
    BOOST_TEST(EVP_PKEY_eq(second[0].public_key(), first[0].public_key()) == 1);
}

BOOST_AUTO_TEST_CASE(collateral_is_signed_over_the_body_bytes) {
    const fs::path state = fresh_state("collateral-signatures");
    auto config = sim(state, 4, tdx::BodyKind::td10);
    config.collateral_lifetime_s = 7 * one_day;
    const auto evidence = tdx::simulate_evidence(config, data_of(9), now);
    const auto &carried = evidence.collateral;
    BOOST_REQUIRE(carried.tcb_info && carried.qe_identity && carried.tcb_signing_certificate &&
                  carried.pck_crl && carried.root_ca_crl);
    const Certificate signer =
        Certificate::parse(*carried.tcb_signing_certificate, "signer", support::Encoding::der);
    BOOST_TEST(signer.subject_cn() == "SIMULATED Intel SGX TCB Signing");
    BOOST_TEST(support::verify_chain(signer, {}, {tdx::simulated_root(state)}, now).path.size() ==
               2U);

    const tdx::TcbInfo info = tdx::parse_tcb_info(*carried.tcb_info, "TCB info");
    const tdx::QeIdentity identity = tdx::parse_qe_identity(*carried.qe_identity, "QE identity");
    tdx::verify_document_signature(info, signer, "TCB info");
    tdx::verify_document_signature(identity, signer, "QE identity");
    // The document is {"tcbInfo":<signed body>,"signature":"<hex>"}, byte for byte.
    BOOST_TEST(text_of(*carried.tcb_info) == "{\"tcbInfo\":" + text_of(info.signed_body) +
                                                 ",\"signature\":\"" +
                                                 support::to_hex(info.signature) + "\"}");
    BOOST_TEST(text_of(*carried.qe_identity) ==
               "{\"enclaveIdentity\":" + text_of(identity.signed_body) + ",\"signature\":\"" +
                   support::to_hex(identity.signature) + "\"}");
    BOOST_TEST(info.issue_date == now - one_day);
    BOOST_TEST(info.next_update == now - one_day + 7 * one_day);
    BOOST_TEST(info.issue_date_text == "2025-12-31T00:00:00Z");
    BOOST_TEST(identity.next_update_text == "2026-01-07T00:00:00Z");
    BOOST_TEST(support::to_hex(info.fmspc) ==
               support::to_hex(tdx::parse_pck_extensions(pck_chain_of(evidence.quote)[0]).fmspc));
    tdx::check_document_window(info, now, "TCB info");

    // A changed body byte no longer verifies.
    tdx::TcbInfo forged = info;
    forged.signed_body[10] ^= 0x01U;
    const auto [status, message] =
        refusal([&] { tdx::verify_document_signature(forged, signer, "TCB info"); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "TCB info: the signature does not verify with the key of certificate "
                          "\"SIMULATED Intel SGX TCB Signing\"");

    // Both CRLs are current at `now` and signed by their issuers.
    const auto chain = pck_chain_of(evidence.quote);
    support::Crl::parse(*carried.pck_crl, "PCK CRL").verify(chain[1], now);
    const auto root_crl = support::Crl::parse(*carried.root_ca_crl, "root CRL");
    root_crl.verify(chain[2], now);
    BOOST_TEST(root_crl.this_update() == now - one_day);
    BOOST_TEST(root_crl.next_update().value_or(0) == now - one_day + 7 * one_day);
}

BOOST_AUTO_TEST_CASE(documents_have_intels_members_in_intels_order) {
    const auto evidence = tdx::simulate_evidence(
        sim(fresh_state("document-shape"), 4, tdx::BodyKind::td10), data_of(10), now);
    const json::object info = body_of(*evidence.collateral.tcb_info, "tcbInfo");
    const std::vector<std::string> expected{"id",        "version",
                                            "issueDate", "nextUpdate",
                                            "fmspc",     "pceId",
                                            "tcbType",   "tcbEvaluationDataNumber",
                                            "tdxModule", "tdxModuleIdentities",
                                            "tcbLevels"};
    BOOST_TEST(keys_of(info) == expected, boost::test_tools::per_element());
    // Intel's own document (which predates tdxModuleIdentities) has the same order.
    const Bytes real = support::read_file(
        fs::path(TDX_VECTORS) / "gotdx_tcbinfo_fmspc50806f000000.json", 1U << 20U);
    std::vector<std::string> without_identities = expected;
    without_identities.erase(without_identities.begin() + 9);
    BOOST_TEST(keys_of(body_of(real, "tcbInfo")) == without_identities,
               boost::test_tools::per_element());
    BOOST_TEST(info.at("id").as_string() == "TDX");
    BOOST_TEST(info.at("version").to_number<int64_t>() == 3);
    BOOST_TEST(info.at("pceId").as_string() == "0000");
    BOOST_TEST(info.at("tdxModule").at("attributesMask").as_string() == "FFFFFFFFFFFFFFFF");
    const auto &module = info.at("tdxModuleIdentities").as_array().at(0);
    BOOST_TEST(module.at("id").as_string() == "TDX_01"); // TEE_TCB_SVN[1] of sim()
    BOOST_TEST(module.at("tcbLevels").at(0).at("tcb").at("isvsvn").to_number<int64_t>() == 3);

    const json::object identity = body_of(*evidence.collateral.qe_identity, "enclaveIdentity");
    const Bytes real_identity =
        support::read_file(fs::path(TDX_VECTORS) / "gotdx_qe_identity_td_qe.json", 1U << 20U);
    BOOST_TEST(keys_of(identity) == keys_of(body_of(real_identity, "enclaveIdentity")),
               boost::test_tools::per_element());
    BOOST_TEST(identity.at("id").as_string() == "TD_QE");
    BOOST_TEST(identity.at("isvprodid").to_number<int64_t>() == 2);
    // The QE identity names the QE that signed: its MRSIGNER is the QE report's.
    const tdx::Quote quote = tdx::parse_quote(evidence.quote);
    std::string upper = support::to_hex(quote.qe_report.mrsigner);
    for (char &c : upper) {
        c = static_cast<char>(std::toupper(c));
    }
    BOOST_TEST(identity.at("mrsigner").as_string() == upper);
}

BOOST_AUTO_TEST_CASE(every_status_is_the_status_of_the_matching_level) {
    const fs::path state = fresh_state("statuses");
    for (const tdx::TcbStatus status : every_status) {
        const std::string name(tdx::tcb_status_name(status));
        BOOST_TEST_CONTEXT(name) {
            auto config = sim(state, 4, tdx::BodyKind::td10);
            config.tcb_status = status;
            config.qe_tcb_status = status;
            const auto evidence = tdx::simulate_evidence(config, data_of(11), now);
            const bool lower = status != tdx::TcbStatus::up_to_date;

            const json::array levels =
                body_of(*evidence.collateral.tcb_info, "tcbInfo").at("tcbLevels").as_array();
            BOOST_REQUIRE(levels.size() == (lower ? 2U : 1U));
            const auto &mine = levels.back().at("tcb");
            BOOST_TEST(svns_of(mine.at("sgxtcbcomponents")) == as_svns(config.sgx_components));
            BOOST_TEST(mine.at("pcesvn").to_number<int64_t>() == config.pcesvn);
            BOOST_TEST(svns_of(mine.at("tdxtcbcomponents")) == as_svns(config.tee_tcb_svn));
            BOOST_TEST(levels.back().at("tcbStatus").as_string() == name);
            BOOST_TEST(levels.back().as_object().contains("advisoryIDs") == lower);
            if (lower) {
                BOOST_TEST(levels.front().at("tcbStatus").as_string() == "UpToDate");
                BOOST_TEST(levels.front().at("tcb").at("pcesvn").to_number<int64_t>() ==
                           config.pcesvn + 1);
            }

            const json::array qe_levels =
                body_of(*evidence.collateral.qe_identity, "enclaveIdentity")
                    .at("tcbLevels")
                    .as_array();
            BOOST_REQUIRE(qe_levels.size() == (lower ? 2U : 1U));
            BOOST_TEST(qe_levels.back().at("tcb").at("isvsvn").to_number<int64_t>() ==
                       config.qe_isvsvn);
            BOOST_TEST(qe_levels.back().at("tcbStatus").as_string() == name);

            // The grading reaches the same status (Revoked is refused, with its reason).
            const tdx::Quote quote = tdx::parse_quote(evidence.quote);
            const tdx::TcbInfo info = tdx::parse_tcb_info(*evidence.collateral.tcb_info, "TCB");
            const tdx::QeIdentity identity =
                tdx::parse_qe_identity(*evidence.collateral.qe_identity, "QE");
            tdx::PlatformTcb platform;
            platform.pck_components = config.sgx_components;
            platform.pcesvn = config.pcesvn;
            platform.tee_tcb_svn = quote.body.tee_tcb_svn;
            platform.mr_signer_seam = quote.body.mr_signer_seam;
            platform.seam_attributes = quote.body.seam_attributes;
            if (status == tdx::TcbStatus::revoked) {
                const auto [code, message] =
                    refusal([&] { (void)tdx::grade_platform(info, platform); });
                BOOST_TEST(code == CCATTEST_E_VERIFICATION_FAILED);
                BOOST_TEST(message == "TCB info (FMSPC cca77e570000): the platform's TCB level "
                                      "(tcbDate 2023-02-15T00:00:00Z) is Revoked");
                const auto [qe_code, qe_message] =
                    refusal([&] { (void)tdx::grade_qe(identity, quote.qe_report); });
                BOOST_TEST(qe_code == CCATTEST_E_VERIFICATION_FAILED);
                BOOST_TEST(qe_message ==
                           "QE identity (TD_QE): the QE's TCB level (isvsvn 260) is Revoked");
            } else {
                BOOST_TEST((tdx::grade_platform(info, platform).status == status));
                BOOST_TEST((tdx::grade_qe(identity, quote.qe_report).status == status));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(state_is_reused_across_calls) {
    const fs::path state = fresh_state("reuse");
    const auto config = sim(state, 4, tdx::BodyKind::td10);
    const auto first = tdx::simulate_evidence(config, data_of(12), now);
    const auto second = tdx::simulate_evidence(config, data_of(13), now + one_day);
    const auto a = tdx::parse_quote(first.quote);
    const auto b = tdx::parse_quote(second.quote);
    BOOST_TEST(a.attestation_key == b.attestation_key);
    BOOST_TEST(a.pck_chain_pem == b.pck_chain_pem);
    BOOST_TEST(a.qe_report.mrsigner == b.qe_report.mrsigner);
    BOOST_TEST(*first.collateral.tcb_signing_certificate ==
               *second.collateral.tcb_signing_certificate);
    BOOST_TEST(a.body.report_data != b.body.report_data);
    BOOST_TEST(*first.collateral.tcb_info != *second.collateral.tcb_info); // issued a day later
    BOOST_TEST(tdx::simulated_root(state).der() == pck_chain_of(second.quote)[2].der());
}

BOOST_AUTO_TEST_CASE(collateral_is_left_out_when_not_included) {
    auto config = sim(fresh_state("no-collateral"), 4, tdx::BodyKind::td10);
    config.include_collateral = false;
    const auto evidence = tdx::simulate_evidence(config, data_of(14), now);
    BOOST_TEST(!evidence.collateral.tcb_info.has_value());
    BOOST_TEST(!evidence.collateral.qe_identity.has_value());
    BOOST_TEST(!evidence.collateral.tcb_signing_certificate.has_value());
    BOOST_TEST(!evidence.collateral.pck_crl.has_value());
    BOOST_TEST(!evidence.collateral.root_ca_crl.has_value());
    BOOST_TEST((evidence.form == tdx::TokenForm::ccattest));
    BOOST_TEST(!evidence.quote.empty());
}

BOOST_AUTO_TEST_CASE(impossible_configs_are_refused) {
    const fs::path state = fresh_state("refused");
    const auto data = data_of(15);
    auto td15_in_v4 = sim(state, 4, tdx::BodyKind::td15);
    auto [status, message] = refusal([&] { (void)tdx::simulate_evidence(td15_in_v4, data, now); });
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the TDX simulator cannot put a TD 1.5 report body in a v4 quote (TD "
                          "1.5 needs quote_version 5)");

    auto version3 = sim(state, 3, tdx::BodyKind::td10);
    std::tie(status, message) = refusal([&] { (void)tdx::simulate_evidence(version3, data, now); });
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the TDX simulator makes quote versions 4 and 5, not 3");

    auto no_lifetime = sim(state, 4, tdx::BodyKind::td10);
    no_lifetime.collateral_lifetime_s = 0;
    std::tie(status, message) =
        refusal([&] { (void)tdx::simulate_evidence(no_lifetime, data, now); });
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the TDX simulator's collateral_lifetime_s must be positive, not 0");

    auto no_higher_level = sim(state, 4, tdx::BodyKind::td10);
    no_higher_level.pcesvn = 65535;
    no_higher_level.tcb_status = tdx::TcbStatus::out_of_date;
    std::tie(status, message) =
        refusal([&] { (void)tdx::simulate_evidence(no_higher_level, data, now); });
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "the TDX simulator cannot grade a platform with PCESVN 65535 below "
                          "UpToDate (no higher level exists)");
    // At UpToDate the same platform is fine.
    no_higher_level.tcb_status = tdx::TcbStatus::up_to_date;
    BOOST_TEST(!tdx::simulate_evidence(no_higher_level, data, now).quote.empty());

    // A state folder that cannot be created.
    auto unusable = sim(state / "file", 4, tdx::BodyKind::td10);
    fs::create_directories(state);
    std::ofstream(state / "file") << "not a folder";
    std::tie(status, message) = refusal([&] { (void)tdx::simulate_evidence(unusable, data, now); });
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message == "simulator state folder " + (state / "file" / "tdx").string() +
                              " cannot be created: Not a directory");
}

BOOST_AUTO_TEST_CASE(token_round_trips_and_verifies_with_allow_simulated_only) {
    const fs::path state = fresh_state("verifier");
    const auto data = data_of(16);
    const auto evidence = tdx::simulate_evidence(sim(state, 5, tdx::BodyKind::td15), data, now);
    const std::string token = tdx::encode_token(evidence);
    const Bytes token_bytes(token.begin(), token.end());
    const tdx::Evidence decoded = tdx::decode_token(token_bytes);
    BOOST_TEST(decoded.quote == evidence.quote);
    BOOST_TEST(*decoded.collateral.tcb_info == *evidence.collateral.tcb_info);

    tdx::VerifierConfig config;
    config.allow_simulated = true;
    config.simulator_state_dir = state;
    const auto claims = tdx::Verifier(config).verify(token_bytes, data, now);
    BOOST_TEST(claims.at("simulated").as_bool());

    config.allow_simulated = false;
    const auto [status, message] =
        refusal([&] { (void)tdx::Verifier(config).verify(token_bytes, data, now); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message ==
               "PCK certificate chain: it ends in certificate \"SIMULATED Intel SGX Root "
               "CA\", which is not a trusted root (Intel's pinned root, or the "
               "simulator's with allow_simulated)");
}

BOOST_AUTO_TEST_SUITE_END()
