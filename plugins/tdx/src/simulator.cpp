// The TDX simulator. Everything it makes is labelled SIMULATED (certificate names, organization)
// and chains to a root kept in the state folder, never to Intel's. The byte layout of the quote
// is the one quote.hpp documents; the collateral documents follow the shape of Intel's, as in
// tests/data/tdx/gotdx_tcbinfo_fmspc50806f000000.json and gotdx_qe_identity_td_qe.json.
#include "simulator.hpp"
#include "pck.hpp"
#include "trust.hpp"

#include <ccattest/support/sim/state.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <string>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::CertificateSpec;
using support::PkeyPtr;
using support::SimulatorState;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int64_t sim_not_before = 1577836800; // 2020-01-01T00:00:00Z
constexpr int64_t sim_not_after = 4102444800;  // 2100-01-01T00:00:00Z
constexpr int64_t one_day = 86400;
constexpr const char *sim_organization = "ccattest TDX simulator (NOT Intel hardware)";
constexpr const char *root_cn = "SIMULATED Intel SGX Root CA";
constexpr const char *platform_ca_cn = "SIMULATED Intel SGX PCK Platform CA";
constexpr const char *pck_cn = "SIMULATED Intel SGX PCK Certificate";
constexpr const char *tcb_signing_cn = "SIMULATED Intel SGX TCB Signing";

// Intel's QE vendor id, as every TDX quote carries it (tests/data/tdx/gotdx_quote_v4_spr_e4.dat).
constexpr std::array<uint8_t, 16> intel_qe_vendor_id{
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
constexpr std::array<uint8_t, 6> sim_fmspc{0xcc, 0xa7, 0x7e, 0x57, 0x00, 0x00};
// The simulated TDX module's signer and SEAM attributes: zero, as for Intel's own module. The
// TD report states them and the TCB info's module identity expects them.
constexpr Bytes48 sim_mr_signer_seam{};
constexpr std::array<uint8_t, 8> sim_seam_attributes{};
constexpr uint16_t td_qe_isvprodid = 2;
constexpr uint8_t qe_attributes_flags = 0x11; // INIT and MODE64BIT, as Intel's TD QE reports
constexpr size_t qe_auth_data_size = 32;
constexpr uint16_t body_type_td10 = 2;
constexpr uint16_t body_type_td15 = 3;
constexpr int64_t tcb_evaluation_data_number = 17;
constexpr const char *current_tcb_date = "2024-03-13T00:00:00Z";
constexpr const char *older_tcb_date = "2023-02-15T00:00:00Z";

std::vector<std::pair<std::string, std::string>> sim_name(const std::string &common_name) {
    return {{"O", sim_organization}, {"OU", "simulated"}, {"CN", common_name}};
}

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("TDX simulator: ") + what + ": " + support::openssl_error());
    }
}

// ---- little-endian and DER writers -------------------------------------------------------------

void append(Bytes &out, std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

void append_u16(Bytes &out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value & 0xFFU));
    out.push_back(static_cast<uint8_t>(value >> 8U));
}

void append_u32(Bytes &out, uint32_t value) {
    std::array<uint8_t, 4> bytes{};
    support::put_u32_le(bytes.data(), value);
    append(out, bytes);
}

void append_u64(Bytes &out, uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    support::put_u64_le(bytes.data(), value);
    append(out, bytes);
}

uint32_t size_u32(size_t size) {
    return static_cast<uint32_t>(size);
}

// SEQUENCE { OID, value } — one member of the SGX extension sequence.
Bytes der_member(const std::string &suffix, const Bytes &value) {
    const std::array<Bytes, 2> pair{support::der_encode_oid(sgx_extensions_oid + suffix), value};
    return support::der_encode_sequence(pair);
}

std::string upper_hex(std::span<const uint8_t> bytes) {
    std::string text = support::to_hex(bytes);
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

// ---- the simulated platform: keys and certificates ---------------------------------------------

// The platform's TCB as the PCK states it.
struct PckTcb {
    std::array<uint8_t, 16> components{};
    uint16_t pcesvn = 0;
};

struct Platform {
    Certificate root;
    Certificate platform_ca;
    Certificate tcb_signer;
    Certificate pck;
    PkeyPtr root_key;
    PkeyPtr platform_ca_key;
    PkeyPtr tcb_signing_key;
    PkeyPtr pck_key;
    PkeyPtr attestation_key;
    Bytes qe_mrsigner;
    Bytes qe_mrenclave;
};

// The named certificate from the state folder, or `make`'s, stored under that name.
Certificate stored_or_made(const SimulatorState &state, const std::string &name,
                           const std::function<Certificate()> &make) {
    if (auto existing = state.certificate(name)) {
        return *existing;
    }
    Certificate made = make();
    state.store(name, made);
    return made;
}

Certificate issue(const std::string &subject_cn, const std::string &issuer_cn, long serial,
                  EVP_PKEY *subject_key, EVP_PKEY *issuer_key, bool authority,
                  std::vector<std::pair<std::string, Bytes>> extensions = {}) {
    CertificateSpec spec;
    spec.subject = sim_name(subject_cn);
    spec.issuer = sim_name(issuer_cn);
    spec.serial = serial;
    spec.not_before = sim_not_before;
    spec.not_after = sim_not_after;
    spec.subject_key = subject_key;
    spec.issuer_key = issuer_key;
    spec.signature = support::X509Signature::ecdsa_sha256;
    spec.certificate_authority = authority;
    spec.extensions = std::move(extensions);
    return support::make_certificate(spec);
}

// The state lives where the verifier reads the root (trust.hpp): in the root file's folder, the
// root stored under the file's stem (SimulatorState::store writes <name>.pem).
struct StateFolder {
    explicit StateFolder(const fs::path &state_dir)
        : state(simulated_root_file(state_dir).parent_path()),
          root_name(simulated_root_file(state_dir).stem().string()) {}
    SimulatorState state;
    std::string root_name;
};

// Call inside state.locked().
std::pair<Certificate, PkeyPtr> root_of(const StateFolder &folder) {
    PkeyPtr key = folder.state.key(folder.root_name, support::KeyKind::p256);
    Certificate root = stored_or_made(folder.state, folder.root_name, [&] {
        return issue(root_cn, root_cn, 1, key.get(), key.get(), true);
    });
    return {std::move(root), std::move(key)};
}

// Intel's SGX extensions (pck.hpp) for the simulated platform's TCB.
Bytes sgx_extensions(const Bytes &ppid, const PckTcb &tcb) {
    std::vector<Bytes> tcb_members;
    for (size_t i = 0; i < tcb.components.size(); ++i) {
        tcb_members.push_back(der_member(".2." + std::to_string(i + 1),
                                         support::der_encode_integer(tcb.components[i])));
    }
    tcb_members.push_back(der_member(".2.17", support::der_encode_integer(tcb.pcesvn)));
    // The simulated CPUSVN is the component list itself, as on platforms where they coincide.
    tcb_members.push_back(der_member(".2.18", support::der_encode_octet_string(tcb.components)));
    const std::array<uint8_t, 2> pce_id{};
    const std::array<Bytes, 5> members{
        der_member(".1", support::der_encode_octet_string(ppid)),
        der_member(".2", support::der_encode_sequence(tcb_members)),
        der_member(".3", support::der_encode_octet_string(pce_id)),
        der_member(".4", support::der_encode_octet_string(sim_fmspc)),
        der_member(".5", support::der_encode_enumerated(0)),
    };
    return support::der_encode_sequence(members);
}

// One PCK leaf per TCB (the SGX extensions state it), named and numbered by a hash of the TCB.
Certificate pck_certificate(const SimulatorState &state, EVP_PKEY *platform_ca_key,
                            EVP_PKEY *pck_key, const PckTcb &tcb) {
    Bytes tcb_bytes(tcb.components.begin(), tcb.components.end());
    append_u16(tcb_bytes, tcb.pcesvn);
    const auto digest = support::sha256(tcb_bytes);
    const std::string name = "pck_" + support::to_hex(std::span(digest.data(), 8));
    const long serial =
        0x10000 + static_cast<long>((uint32_t{digest[0]} << 24U | uint32_t{digest[1]} << 16U |
                                     uint32_t{digest[2]} << 8U | uint32_t{digest[3]}) &
                                    0x7FFFFFFFU);
    return stored_or_made(state, name, [&] {
        const Bytes ppid = state.secret("pck_ppid", 16);
        return issue(pck_cn, platform_ca_cn, serial, pck_key, platform_ca_key, false,
                     {{sgx_extensions_oid, sgx_extensions(ppid, tcb)}});
    });
}

Platform load_platform(const fs::path &state_dir, const PckTcb &tcb) {
    const StateFolder folder(state_dir);
    const SimulatorState &state = folder.state;
    std::optional<Platform> platform;
    state.locked([&] {
        auto root_and_key = root_of(folder);
        Certificate root = std::move(root_and_key.first);
        PkeyPtr root_key = std::move(root_and_key.second);
        PkeyPtr ca_key = state.key("pck_platform_ca", support::KeyKind::p256);
        Certificate ca = stored_or_made(state, "pck_platform_ca", [&] {
            return issue(platform_ca_cn, root_cn, 2, ca_key.get(), root_key.get(), true);
        });
        PkeyPtr signing_key = state.key("tcb_signing", support::KeyKind::p256);
        Certificate signer = stored_or_made(state, "tcb_signing", [&] {
            return issue(tcb_signing_cn, root_cn, 3, signing_key.get(), root_key.get(), false);
        });
        PkeyPtr pck_key = state.key("pck", support::KeyKind::p256);
        Certificate pck = pck_certificate(state, ca_key.get(), pck_key.get(), tcb);
        platform.emplace(
            Platform{std::move(root), std::move(ca), std::move(signer), std::move(pck),
                     std::move(root_key), std::move(ca_key), std::move(signing_key),
                     std::move(pck_key), state.key("attestation_key", support::KeyKind::p256),
                     state.secret("qe_mrsigner", 32), state.secret("qe_mrenclave", 32)});
    });
    return std::move(*platform);
}

// ---- the quote ----------------------------------------------------------------------------------

void check_config(const SimulatorConfig &config) {
    if (config.quote_version != 4 && config.quote_version != 5) {
        throw failure(CCATTEST_E_CONFIG, "the TDX simulator makes quote versions 4 and 5, not " +
                                             std::to_string(config.quote_version));
    }
    if (config.body == BodyKind::td15 && config.quote_version == 4) {
        throw failure(CCATTEST_E_CONFIG, "the TDX simulator cannot put a TD 1.5 report body in a "
                                         "v4 quote (TD 1.5 needs quote_version 5)");
    }
    if (config.collateral_lifetime_s <= 0) {
        throw failure(CCATTEST_E_CONFIG,
                      "the TDX simulator's collateral_lifetime_s must be positive, not " +
                          std::to_string(config.collateral_lifetime_s));
    }
    // A grade below UpToDate needs a level above the platform's (one more PCESVN / ISVSVN).
    if (config.tcb_status != TcbStatus::up_to_date && config.pcesvn == UINT16_MAX) {
        throw failure(CCATTEST_E_CONFIG, "the TDX simulator cannot grade a platform with PCESVN "
                                         "65535 below UpToDate (no higher level exists)");
    }
    if (config.qe_tcb_status != TcbStatus::up_to_date && config.qe_isvsvn == UINT16_MAX) {
        throw failure(CCATTEST_E_CONFIG, "the TDX simulator cannot grade a QE with ISVSVN 65535 "
                                         "below UpToDate (no higher level exists)");
    }
}

Bytes report_body(const SimulatorConfig &config, std::span<const uint8_t, 64> report_data) {
    Bytes body;
    body.reserve(td_report_body_15_size);
    append(body, config.tee_tcb_svn);
    append(body, config.mr_seam);
    append(body, sim_mr_signer_seam);
    append(body, sim_seam_attributes);
    append_u64(body, config.td_attributes);
    append_u64(body, config.xfam);
    append(body, config.mr_td);
    append(body, config.mr_config_id);
    append(body, config.mr_owner);
    append(body, config.mr_owner_config);
    for (const Bytes48 &rtmr : config.rtmr) {
        append(body, rtmr);
    }
    append(body, report_data);
    if (config.body == BodyKind::td15) {
        append(body, config.tee_tcb_svn2);
        append(body, config.mr_service_td);
    }
    return body;
}

// Header [+ v5 body type and size] + body: what the attestation key signs.
Bytes signed_part(const SimulatorConfig &config, const Bytes &body) {
    Bytes out;
    append_u16(out, config.quote_version);
    append_u16(out, attestation_key_ecdsa_p256);
    append_u32(out, tee_type_tdx);
    append_u32(out, 0); // reserved
    append(out, intel_qe_vendor_id);
    append(out, std::array<uint8_t, 20>{}); // user data
    if (config.quote_version == 5) {
        append_u16(out, config.body == BodyKind::td15 ? body_type_td15 : body_type_td10);
        append_u32(out, size_u32(body.size()));
    }
    append(out, body);
    return out;
}

Bytes raw_signature(EVP_PKEY *key, std::span<const uint8_t> message) {
    const auto [r, s] = support::ecdsa_sign(key, support::EcdsaAlgorithm::p256_sha256, message);
    Bytes out = r;
    append(out, s);
    return out;
}

// The P-256 public point x||y.
Bytes public_point(EVP_PKEY *key) {
    std::array<uint8_t, 65> point{};
    size_t length = 0;
    check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(),
                                          &length) == 1 &&
              length == point.size() && point[0] == 0x04,
          "attestation public key");
    return {point.begin() + 1, point.end()};
}

// The QE's SGX report (quote.hpp gives the offsets), binding the attestation key and auth data.
Bytes qe_report(const SimulatorConfig &config, const Platform &platform,
                std::span<const uint8_t> attestation_key, std::span<const uint8_t> auth_data) {
    Bytes report(enclave_report_size, 0);
    std::copy(config.sgx_components.begin(), config.sgx_components.end(), report.begin());
    report[48] = qe_attributes_flags;
    std::copy(platform.qe_mrenclave.begin(), platform.qe_mrenclave.end(), report.begin() + 64);
    std::copy(platform.qe_mrsigner.begin(), platform.qe_mrsigner.end(), report.begin() + 128);
    report[256] = static_cast<uint8_t>(td_qe_isvprodid & 0xFFU);
    report[258] = static_cast<uint8_t>(config.qe_isvsvn & 0xFFU);
    report[259] = static_cast<uint8_t>(config.qe_isvsvn >> 8U);
    Bytes bound(attestation_key.begin(), attestation_key.end());
    append(bound, auth_data);
    const auto digest = support::sha256(bound);
    std::copy(digest.begin(), digest.end(), report.begin() + 320);
    return report;
}

// Certification data of type 6 (QE report, its PCK signature, auth data, nested PCK chain).
Bytes certification_data(const SimulatorConfig &config, const Platform &platform,
                         std::span<const uint8_t> attestation_key) {
    Bytes auth_data(qe_auth_data_size);
    for (size_t i = 0; i < auth_data.size(); ++i) {
        auth_data[i] = static_cast<uint8_t>(i); // as Intel's QE fills it
    }
    const Bytes report = qe_report(config, platform, attestation_key, auth_data);
    const std::string chain = support::certificate_pem(platform.pck) +
                              support::certificate_pem(platform.platform_ca) +
                              support::certificate_pem(platform.root);
    Bytes data = report;
    append(data, raw_signature(platform.pck_key.get(), report));
    append_u16(data, static_cast<uint16_t>(auth_data.size()));
    append(data, auth_data);
    append_u16(data, certification_data_pck_chain);
    append_u32(data, size_u32(chain.size()));
    data.insert(data.end(), chain.begin(), chain.end());
    return data;
}

Bytes make_quote(const SimulatorConfig &config, const Platform &platform,
                 std::span<const uint8_t, 64> report_data) {
    Bytes quote = signed_part(config, report_body(config, report_data));
    const Bytes attestation_key = public_point(platform.attestation_key.get());
    Bytes signature_data = raw_signature(platform.attestation_key.get(), quote);
    append(signature_data, attestation_key);
    const Bytes certification = certification_data(config, platform, attestation_key);
    append_u16(signature_data, certification_data_qe_report);
    append_u32(signature_data, size_u32(certification.size()));
    append(signature_data, certification);
    append_u32(quote, size_u32(signature_data.size()));
    append(quote, signature_data);
    return quote;
}

// ---- collateral ---------------------------------------------------------------------------------

struct Dates {
    std::string issue;
    std::string next_update;
};

// {"<member>":<body>,"signature":"<r||s hex>"}: the body's bytes are written once and embedded
// as they are, because the signature covers exactly those bytes (collateral.hpp).
Bytes signed_document(const char *member, const json::object &body, EVP_PKEY *key) {
    const std::string body_text = json::serialize(body);
    const Bytes signature = raw_signature(
        key, std::span(reinterpret_cast<const uint8_t *>(body_text.data()), body_text.size()));
    const std::string document = "{\"" + std::string(member) + "\":" + body_text +
                                 ",\"signature\":\"" + support::to_hex(signature) + "\"}";
    return {document.begin(), document.end()};
}

json::array svn_list(std::span<const uint8_t, 16> svns) {
    json::array list;
    for (const uint8_t svn : svns) {
        list.push_back(json::object{{"svn", svn}});
    }
    return list;
}

// A level's tcbDate, tcbStatus and (below UpToDate) advisoryIDs.
void grade_level(json::object &level, const char *date, TcbStatus status, const char *advisory) {
    level["tcbDate"] = date;
    level["tcbStatus"] = tcb_status_name(status);
    if (status != TcbStatus::up_to_date) {
        level["advisoryIDs"] = json::array{advisory};
    }
}

json::object platform_level(const PckTcb &pck, std::span<const uint8_t, 16> tdx_components,
                            const char *date, TcbStatus status) {
    json::object tcb;
    tcb["sgxtcbcomponents"] = svn_list(pck.components);
    tcb["pcesvn"] = pck.pcesvn;
    tcb["tdxtcbcomponents"] = svn_list(tdx_components);
    json::object level;
    level["tcb"] = std::move(tcb);
    grade_level(level, date, status, "SIM-SA-00001");
    return level;
}

template <size_t N> std::array<uint8_t, N> saturating_increment(std::array<uint8_t, N> svns) {
    for (uint8_t &svn : svns) {
        svn = svn == UINT8_MAX ? svn : static_cast<uint8_t>(svn + 1);
    }
    return svns;
}

// The platform's levels: its own, preceded by a higher UpToDate one when it is graded lower.
json::array platform_levels(const SimulatorConfig &config) {
    const PckTcb platform{config.sgx_components, config.pcesvn};
    json::array levels;
    if (config.tcb_status != TcbStatus::up_to_date) {
        const PckTcb higher{saturating_increment(config.sgx_components),
                            static_cast<uint16_t>(config.pcesvn + 1)};
        levels.push_back(platform_level(higher, saturating_increment(config.tee_tcb_svn),
                                        current_tcb_date, TcbStatus::up_to_date));
    }
    levels.push_back(platform_level(platform, config.tee_tcb_svn,
                                    config.tcb_status == TcbStatus::up_to_date ? current_tcb_date
                                                                               : older_tcb_date,
                                    config.tcb_status));
    return levels;
}

json::object tdx_module(bool with_id, uint8_t major_version) {
    json::object module;
    if (with_id) {
        module["id"] = "TDX_" + upper_hex(std::array<uint8_t, 1>{major_version});
    }
    module["mrsigner"] = upper_hex(sim_mr_signer_seam);
    module["attributes"] = upper_hex(sim_seam_attributes);
    module["attributesMask"] = "FFFFFFFFFFFFFFFF";
    return module;
}

Bytes tcb_info(const SimulatorConfig &config, const Platform &platform, const Dates &dates) {
    json::object identity = tdx_module(true, config.tee_tcb_svn[1]);
    json::object module_level;
    module_level["tcb"] = json::object{{"isvsvn", config.tee_tcb_svn[0]}};
    grade_level(module_level, current_tcb_date, TcbStatus::up_to_date, "");
    identity["tcbLevels"] = json::array{std::move(module_level)};

    json::object body;
    body["id"] = "TDX";
    body["version"] = 3;
    body["issueDate"] = dates.issue;
    body["nextUpdate"] = dates.next_update;
    body["fmspc"] = support::to_hex(sim_fmspc);
    body["pceId"] = "0000";
    body["tcbType"] = 0;
    body["tcbEvaluationDataNumber"] = tcb_evaluation_data_number;
    body["tdxModule"] = tdx_module(false, 0);
    body["tdxModuleIdentities"] = json::array{std::move(identity)};
    body["tcbLevels"] = platform_levels(config);
    return signed_document("tcbInfo", body, platform.tcb_signing_key.get());
}

json::object qe_level(uint16_t isvsvn, const char *date, TcbStatus status) {
    json::object level;
    level["tcb"] = json::object{{"isvsvn", isvsvn}};
    grade_level(level, date, status, "SIM-SA-00002");
    return level;
}

Bytes qe_identity(const SimulatorConfig &config, const Platform &platform, const Dates &dates) {
    json::array levels;
    if (config.qe_tcb_status != TcbStatus::up_to_date) {
        levels.push_back(qe_level(static_cast<uint16_t>(config.qe_isvsvn + 1), current_tcb_date,
                                  TcbStatus::up_to_date));
    }
    levels.push_back(
        qe_level(config.qe_isvsvn,
                 config.qe_tcb_status == TcbStatus::up_to_date ? current_tcb_date : older_tcb_date,
                 config.qe_tcb_status));
    std::array<uint8_t, 16> attributes{};
    attributes[0] = qe_attributes_flags;
    json::object body;
    body["id"] = "TD_QE";
    body["version"] = 2;
    body["issueDate"] = dates.issue;
    body["nextUpdate"] = dates.next_update;
    body["tcbEvaluationDataNumber"] = tcb_evaluation_data_number;
    body["miscselect"] = "00000000";
    body["miscselectMask"] = "FFFFFFFF";
    body["attributes"] = upper_hex(attributes);
    body["attributesMask"] = "FBFFFFFFFFFFFFFF0000000000000000";
    body["mrsigner"] = upper_hex(platform.qe_mrsigner);
    body["isvprodid"] = td_qe_isvprodid;
    body["tcbLevels"] = std::move(levels);
    return signed_document("enclaveIdentity", body, platform.tcb_signing_key.get());
}

Bytes crl(const Certificate &issuer, EVP_PKEY *key, std::vector<long> revoked, int64_t issued,
          int64_t lifetime) {
    support::CrlSpec spec;
    spec.issuer = &issuer;
    spec.signer = key;
    spec.signature = support::X509Signature::ecdsa_sha256;
    spec.revoked_serials = std::move(revoked);
    spec.this_update = issued;
    spec.next_update = issued + lifetime;
    return support::make_crl(spec);
}

long serial_of(const Certificate &certificate) {
    return std::stol(certificate.serial_hex(), nullptr, 16);
}

CarriedCollateral collateral(const SimulatorConfig &config, const Platform &platform, int64_t now) {
    const int64_t issued = now - one_day;
    const int64_t lifetime = config.collateral_lifetime_s;
    const Dates dates{support::rfc3339(issued), support::rfc3339(issued + lifetime)};
    std::vector<long> revoked;
    if (config.revoke_pck) {
        revoked.push_back(serial_of(platform.pck));
    }
    CarriedCollateral out;
    out.tcb_info = tcb_info(config, platform, dates);
    out.qe_identity = qe_identity(config, platform, dates);
    out.tcb_signing_certificate = platform.tcb_signer.der();
    out.pck_crl = crl(platform.platform_ca, platform.platform_ca_key.get(), std::move(revoked),
                      issued, lifetime);
    out.root_ca_crl = crl(platform.root, platform.root_key.get(), {}, issued, lifetime);
    return out;
}

} // namespace

Certificate simulated_root(const fs::path &state_dir) {
    const StateFolder folder(state_dir);
    std::optional<Certificate> root;
    folder.state.locked([&] { root = root_of(folder).first; });
    return *root;
}

Evidence simulate_evidence(const SimulatorConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now) {
    check_config(config);
    const Platform platform =
        load_platform(config.state_dir, PckTcb{config.sgx_components, config.pcesvn});
    Evidence evidence;
    evidence.form = TokenForm::ccattest;
    evidence.quote = make_quote(config, platform, report_data);
    if (config.include_collateral) {
        evidence.collateral = collateral(config, platform, now);
    }
    return evidence;
}

} // namespace ccattest::tdx
