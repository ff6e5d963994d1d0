// The GPU simulator's certificate authorities. Every name says SIMULATED (the CAs' common names,
// every organization), and the chains reach the simulator's own roots, never NVIDIA's. The shape
// follows NVIDIA's: tests/data/gpu/nvtrust_hopper_cert_chain.pem for the device chain (subjects,
// P-384 keys, ECDSA/SHA-384, the identity's subjectAltName and the leaf's FWID extension) and the
// KeyInfo chain of tests/data/gpu/nvat_rim_driver_gh100_550.144.03.xml for the RIM signer.
#include "simulator_pki.hpp"
#include "trust.hpp"

#include <ccattest/support/sim/ocsp.hpp>
#include <ccattest/support/sim/state.hpp>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>

namespace ccattest::gpu::sim {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::CertificateSpec;
using support::PkeyPtr;
using support::SimulatorState;
namespace fs = std::filesystem;

namespace {

using Name = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t device_not_before = 1640995200; // 2022-01-01T00:00:00Z
constexpr int64_t device_not_after = 4102444800;  // 2100-01-01T00:00:00Z
constexpr int64_t rim_ca_not_before = 1672531200; // 2023-01-01T00:00:00Z
constexpr int64_t rim_ca_not_after = 2619302400;  // 2053-01-01T00:00:00Z
constexpr int64_t one_hour = 3600;
constexpr int64_t one_day = 86400;
constexpr int key_compromise = 1;
constexpr int certificate_hold = 6;
constexpr size_t ueid_size = 8;
constexpr size_t device_serial_size = 8;
constexpr size_t pdi_size = 8;
// NVIDIA's otherName type for a device's "NVIDIA:<chip>:<UEID>" (the identity's subjectAltName).
constexpr const char *nvidia_device_name_oid = "1.3.6.1.4.1.412.274.1";
constexpr const char *organization = "NVIDIA Corporation (SIMULATED)";
constexpr const char *root_cn = "NVIDIA Device Identity CA (SIMULATED)";
constexpr const char *rim_root_cn = "NVIDIA CoRIM signing Root CA (SIMULATED)";
constexpr const char *rim_ca_cn = "NVIDIA Reference Value CA (SIMULATED)";
constexpr const char *rim_signer_cn = "NVIDIA RIM Signer (SIMULATED)";
constexpr const char *rim_ca_name = "rim_ca";
constexpr const char *rim_signer_name = "rim_signer";

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("GPU simulator: ") + what + ": " + support::openssl_error());
    }
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string upper_hex(std::span<const uint8_t> bytes) {
    std::string text = support::to_hex(bytes);
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

// ---- DER pieces of the extensions ---------------------------------------------------------------

std::pair<std::string, Bytes> ocsp_access() {
    return {"1.3.6.1.5.5.7.1.1", support::der_encode_aia_ocsp(simulated_ocsp_url)};
}

// The leaf's TCG DICE extension exactly as NVIDIA's leaves carry it (asn1parse of the leaf in
// tests/data/gpu/nvtrust_hopper_cert_chain.pem): SEQUENCE { INTEGER 1, the identity (BROM) key's
// SubjectPublicKeyInfo, SEQUENCE { OID sha384, OCTET STRING FWID } }.
std::pair<std::string, Bytes> fwid_extension(EVP_PKEY *identity_key,
                                             std::span<const uint8_t> fwid) {
    return {dice_tcb_info_oid,
            support::der_encode_sequence(
                {support::der_encode_integer(1), support::der_encode_public_key(identity_key),
                 support::der_encode_sequence({support::der_encode_oid("2.16.840.1.101.3.4.2.2"),
                                               support::der_encode_octet_string(fwid)})})};
}

// ---- issuing ------------------------------------------------------------------------------------

Name ca_name(const std::string &common_name) {
    return {{"CN", common_name}, {"O", organization}, {"C", "US"}};
}

struct Window {
    int64_t not_before = device_not_before;
    int64_t not_after = device_not_after;
};

// The fields of `certificate`'s subject, so an issuer name written from them matches it byte for
// byte (make_name picks the same string types again).
Name subject_fields(const Certificate &certificate) {
    const X509_NAME *name = X509_get_subject_name(certificate.get());
    Name fields;
    for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        unsigned char *text = nullptr;
        const int length = ASN1_STRING_to_UTF8(&text, X509_NAME_ENTRY_get_data(entry));
        check(length >= 0, "name entry");
        fields.emplace_back(
            OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))),
            std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(length)));
        OPENSSL_free(text);
    }
    return fields;
}

// `subject`'s certificate for `key`, signed by `issuer` (self-signed when null).
Certificate issue(const Name &subject, const Certificate *issuer, long serial, EVP_PKEY *key,
                  EVP_PKEY *issuer_key, bool authority,
                  std::vector<std::pair<std::string, Bytes>> extensions, Window window = {}) {
    CertificateSpec spec;
    spec.subject = subject;
    spec.issuer = issuer == nullptr ? subject : subject_fields(*issuer);
    spec.serial = serial;
    spec.not_before = window.not_before;
    spec.not_after = window.not_after;
    spec.subject_key = key;
    spec.issuer_key = issuer_key;
    spec.signature = support::X509Signature::ecdsa_sha384;
    spec.certificate_authority = authority;
    spec.extensions = std::move(extensions);
    return support::make_certificate(spec);
}

// The named CA or signer from the state folder, or made by `make` and stored; its key likewise.
Issued stored_or_made(const SimulatorState &state, const std::string &name,
                      const std::function<Certificate(EVP_PKEY *)> &make) {
    PkeyPtr key = state.key(name, support::KeyKind::p384);
    if (auto existing = state.certificate(name)) {
        return {std::move(*existing), std::move(key)};
    }
    Certificate made = make(key.get());
    state.store(name, made);
    return {std::move(made), std::move(key)};
}

// The state lives where verifiers read the roots (trust.hpp): the roots' folder, each root stored
// under its file's stem (SimulatorState::store writes <name>.pem).
SimulatorState state_of(const fs::path &state_dir) {
    return SimulatorState(simulated_device_root_file(state_dir).parent_path());
}

Issued device_root_of(const SimulatorState &state, const fs::path &state_dir) {
    return stored_or_made(state, simulated_device_root_file(state_dir).stem().string(),
                          [](EVP_PKEY *key) {
                              return issue({{"CN", root_cn}, {"O", "NVIDIA (SIMULATED)"}}, nullptr,
                                           1, key, key, true, {});
                          });
}

Issued rim_root_of(const SimulatorState &state, const fs::path &state_dir) {
    return stored_or_made(
        state, simulated_rim_root_file(state_dir).stem().string(), [](EVP_PKEY *key) {
            return issue({{"C", "US"}, {"O", "NVIDIA (SIMULATED)"}, {"CN", rim_root_cn}}, nullptr,
                         1, key, key, true, {}, {rim_ca_not_before, rim_ca_not_after});
        });
}

std::string chip_prefix(Arch arch) {
    return lower(chip_profile(arch).chip);
}

std::string device_prefix(Arch arch, size_t index) {
    return chip_prefix(arch) + "_device_" + std::to_string(index);
}

long arch_serial(Arch arch) {
    return 0x100 + static_cast<long>(arch);
}

Issued architecture_ca_of(const SimulatorState &state, Arch arch, const Issued &root) {
    const std::string chip = chip_profile(arch).chip;
    return stored_or_made(state, chip_prefix(arch) + "_identity_ca", [&](EVP_PKEY *key) {
        return issue({{"CN", "NVIDIA " + chip + " Identity (SIMULATED)"}, {"O", organization}},
                     &root.certificate, arch_serial(arch), key, root.key.get(), true,
                     {ocsp_access()});
    });
}

Issued provisioner_of(const SimulatorState &state, Arch arch, const Issued &architecture_ca) {
    const std::string chip = chip_profile(arch).chip;
    return stored_or_made(state, chip_prefix(arch) + "_provisioner_ica", [&](EVP_PKEY *key) {
        return issue(ca_name("NVIDIA " + chip + " Provisioner ICA 1 (SIMULATED)"),
                     &architecture_ca.certificate, arch_serial(arch), key,
                     architecture_ca.key.get(), true, {ocsp_access()});
    });
}

// A positive 63-bit certificate serial from the first 8 bytes of `bytes` (at least 8).
long serial_from(std::span<const uint8_t> bytes) {
    uint64_t value = 0;
    for (const uint8_t byte : bytes.first(8)) {
        value = value << 8U | byte;
    }
    value &= 0x7FFFFFFFFFFFFFFFU;
    return static_cast<long>(value == 0 ? 1 : value);
}

// NVIDIA names a device's certificates by their serial number (the subject's serialNumber is
// the certificate's serial in upper-case hex), so verifiers read the UEID from it.
Name device_name(long serial, const std::string &common_name) {
    std::ostringstream serial_number;
    serial_number << std::uppercase << std::hex << serial;
    return {{"serialNumber", serial_number.str()},
            {"C", "US"},
            {"O", organization},
            {"CN", common_name}};
}

std::string device_cn(Arch arch, const char *stage) {
    const ChipProfile &profile = chip_profile(arch);
    return std::string(profile.chip) + " A01 " + profile.firmware + " " + stage;
}

// Device `index`'s identity (BROM) certificate: a CA for its attestation leaves, named by a
// per-device serial number, with NVIDIA's "NVIDIA:<chip>:<UEID>" subjectAltName.
Issued identity_of(const SimulatorState &state, Arch arch, size_t index, const Issued &provisioner,
                   const Bytes &ueid) {
    const std::string prefix = device_prefix(arch, index);
    return stored_or_made(state, prefix + "_brom", [&](EVP_PKEY *key) {
        const long serial = serial_from(state.secret(prefix + "_serial", device_serial_size));
        const std::string alt_name = std::string("otherName:") + nvidia_device_name_oid +
                                     ";UTF8:NVIDIA:" + chip_profile(arch).chip + ":" +
                                     upper_hex(ueid);
        return issue(
            device_name(serial, device_cn(arch, "BROM")), &provisioner.certificate, serial, key,
            provisioner.key.get(), true,
            {{"2.5.29.17", support::der_encode_extension_value(NID_subject_alt_name, alt_name)},
             ocsp_access()});
    });
}

// The attestation leaf for the firmware measured as `fwid`: one per device and FWID, as the
// device's firmware certifies its leaf afresh when the firmware changes.
Issued leaf_of(const SimulatorState &state, Arch arch, size_t index, const Issued &identity,
               std::span<const uint8_t> fwid) {
    const std::string prefix = device_prefix(arch, index);
    PkeyPtr key = state.key(prefix + "_fmc", support::KeyKind::p384);
    const std::string name = prefix + "_fmc_" + support::to_hex(fwid.first(8));
    if (auto existing = state.certificate(name)) {
        return {std::move(*existing), std::move(key)};
    }
    // Unique per device key and firmware, so each leaf the identity issues has its own serial.
    Bytes serial_input = support::der_encode_public_key(key.get());
    serial_input.insert(serial_input.end(), fwid.begin(), fwid.end());
    const long serial = serial_from(support::sha256(serial_input));
    Certificate leaf = issue(
        device_name(serial, device_cn(arch, "FMC LF")), &identity.certificate, serial, key.get(),
        identity.key.get(), false,
        {{"2.5.29.15", support::der_encode_extension_value(NID_key_usage, "digitalSignature")},
         ocsp_access(),
         fwid_extension(identity.key.get(), fwid)});
    state.store(name, leaf);
    return {std::move(leaf), std::move(key)};
}

Issued rim_ca_of(const SimulatorState &state, const Issued &root) {
    return stored_or_made(state, rim_ca_name, [&](EVP_PKEY *key) {
        return issue(ca_name(rim_ca_cn), &root.certificate, 2, key, root.key.get(), true,
                     {ocsp_access()}, {rim_ca_not_before, rim_ca_not_after});
    });
}

Issued rim_signer_of(const SimulatorState &state, const Issued &ca) {
    return stored_or_made(state, rim_signer_name, [&](EVP_PKEY *key) {
        return issue(
            ca_name(rim_signer_cn), &ca.certificate, 3, key, ca.key.get(), false,
            {{"2.5.29.15", support::der_encode_extension_value(NID_key_usage, "digitalSignature")},
             ocsp_access()},
            {rim_signer_not_before, rim_signer_not_after});
    });
}

// Whether `candidate` issued `subject`: its name is the subject's issuer and its key signed it.
bool issued(const Certificate &candidate, const Certificate &subject) {
    return X509_NAME_cmp(X509_get_subject_name(candidate.get()),
                         X509_get_issuer_name(subject.get())) == 0 &&
           X509_verify(subject.get(), candidate.public_key()) == 1;
}

// Every CA the simulator may have made, by state name.
std::vector<std::string> authority_names(const fs::path &state_dir) {
    std::vector<std::string> names{simulated_device_root_file(state_dir).stem().string(),
                                   simulated_rim_root_file(state_dir).stem().string(), rim_ca_name};
    for (const Arch arch : {Arch::hopper, Arch::blackwell, Arch::ls10}) {
        names.push_back(chip_prefix(arch) + "_identity_ca");
        names.push_back(chip_prefix(arch) + "_provisioner_ica");
        for (size_t index = 0; index < max_devices; ++index) {
            names.push_back(device_prefix(arch, index) + "_brom");
        }
    }
    return names;
}

} // namespace

const ChipProfile &chip_profile(Arch arch) noexcept {
    // Hopper's fields as the real H100 report states them
    // (tests/data/gpu/nvtrust_hopper_report.bin); Blackwell's and the switch's are simulated values
    // of the same shape.
    static const ChipProfile hopper{
        "GH100", "GSP", {0xb1, 0x03, 0x00, 0x00}, "882", "0", "1010", "0200", 0x0180, 0x0001c000};
    static const ChipProfile blackwell{
        "GB100", "FSP", {0x04, 0x20, 0x00, 0x00}, "886", "0", "1070", "0200", 0x0190, 0x0001c000};
    static const ChipProfile ls10{
        "LS10", "FSP", {0x01, 0x15, 0x00, 0x00}, "890", "0", "5612", "0002", 0x0100, 0x00000000};
    switch (arch) {
    case Arch::hopper: return hopper;
    case Arch::blackwell: return blackwell;
    case Arch::ls10: return ls10;
    }
    return hopper;
}

std::vector<Certificate> Fleet::chain(size_t device) const {
    const Device &chosen = devices.at(device);
    return {chosen.leaf.certificate, chosen.identity.certificate, provisioner.certificate,
            architecture_ca.certificate, root.certificate};
}

Fleet load_fleet(const fs::path &state_dir, Arch arch, unsigned device_count,
                 std::span<const uint8_t> fwid) {
    const SimulatorState state = state_of(state_dir);
    std::optional<Fleet> fleet;
    state.locked([&] {
        Issued root = device_root_of(state, state_dir);
        // Both roots exist once any evidence does: verifiers read them as files.
        rim_root_of(state, state_dir);
        Issued architecture_ca = architecture_ca_of(state, arch, root);
        Issued provisioner = provisioner_of(state, arch, architecture_ca);
        std::vector<Device> devices;
        devices.reserve(device_count);
        for (size_t index = 0; index < device_count; ++index) {
            const std::string prefix = device_prefix(arch, index);
            Bytes ueid = state.secret(prefix + "_ueid", ueid_size);
            Issued identity = identity_of(state, arch, index, provisioner, ueid);
            Issued leaf = leaf_of(state, arch, index, identity, fwid);
            devices.push_back({std::move(identity), std::move(leaf), std::move(ueid),
                               state.secret(prefix + "_pdi", pdi_size)});
        }
        fleet.emplace(Fleet{std::move(root), std::move(architecture_ca), std::move(provisioner),
                            std::move(devices)});
    });
    return std::move(*fleet);
}

RimAuthority load_rim_authority(const fs::path &state_dir) {
    const SimulatorState state = state_of(state_dir);
    std::optional<RimAuthority> authority;
    state.locked([&] {
        Issued root = rim_root_of(state, state_dir);
        Issued ca = rim_ca_of(state, root);
        Issued signer = rim_signer_of(state, ca);
        authority.emplace(RimAuthority{std::move(root), std::move(ca), std::move(signer)});
    });
    return std::move(*authority);
}

Certificate load_device_root(const fs::path &state_dir) {
    const SimulatorState state = state_of(state_dir);
    std::optional<Certificate> root;
    state.locked([&] { root = device_root_of(state, state_dir).certificate; });
    return *root;
}

Certificate load_rim_root(const fs::path &state_dir) {
    const SimulatorState state = state_of(state_dir);
    std::optional<Certificate> root;
    state.locked([&] { root = rim_root_of(state, state_dir).certificate; });
    return *root;
}

Issued find_issuer(const fs::path &state_dir, const Certificate &subject) {
    const SimulatorState state = state_of(state_dir);
    std::optional<Issued> found;
    state.locked([&] {
        for (const std::string &name : authority_names(state_dir)) {
            std::optional<Certificate> candidate = state.certificate(name);
            if (candidate && issued(*candidate, subject)) {
                found.emplace(
                    Issued{std::move(*candidate), state.key(name, support::KeyKind::p384)});
                return;
            }
        }
    });
    if (!found) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "the GPU simulator in " +
                                                       state.folder().string() + " did not issue " +
                                                       support::describe_certificate(subject) +
                                                       " (issuer \"" + subject.issuer_cn() + "\")");
    }
    return std::move(*found);
}

Bytes ocsp_response(const Certificate &subject, const Issued &issuer, support::OcspStatus status,
                    int64_t now) {
    support::OcspResponseSpec spec;
    spec.subject = &subject;
    spec.issuer = &issuer.certificate;
    spec.signer_key = issuer.key.get();
    spec.status = status;
    if (status == support::OcspStatus::revoked) {
        spec.revocation_reason = key_compromise;
    } else if (status == support::OcspStatus::certificate_hold) {
        spec.revocation_reason = certificate_hold;
    }
    spec.revoked_at = now - one_day;
    spec.this_update = now - one_hour;
    spec.next_update = now + 7 * one_day;
    return support::make_ocsp_response(spec);
}

} // namespace ccattest::gpu::sim
