#include "simulator.hpp"

#include <ccattest/support/sim/state.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace ccattest::snp {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::CertificateSpec;
using support::SimulatorState;
namespace fs = std::filesystem;

namespace {

constexpr int64_t sim_not_before = 1577836800; // 2020-01-01T00:00:00Z
constexpr int64_t sim_not_after = 4102444800;  // 2100-01-01T00:00:00Z
constexpr const char *sim_organization = "ccattest SEV-SNP simulator (NOT AMD hardware)";

std::vector<std::pair<std::string, std::string>> sim_name(const std::string &common_name) {
    return {{"O", sim_organization}, {"OU", "simulated"}, {"CN", common_name}};
}

std::mutex roots_mutex;
std::map<std::pair<std::string, Product>, std::unique_ptr<ProductRoots>> roots_cache;

std::array<uint8_t, 3> cpuid_of(Product product) {
    switch (product) {
    case Product::milan: return {0x19, 0x01, 0x01};
    case Product::genoa: return {0x19, 0x11, 0x01};
    case Product::turin: return {0x1A, 0x02, 0x00};
    }
    return {0x19, 0x01, 0x01};
}

// The VCEK (or VLEK) for a TCB, issued by the simulated ASK (ASVK), with AMD's extensions.
Certificate signing_certificate(const SimulatorState &state, Product product, SigningKey kind,
                                const Tcb &tcb, const Bytes &chip_id) {
    const std::string title(product_title(product));
    const std::string base = std::string(product_name(product)) + "_" +
                             std::string(signing_key_name(kind)) + "_" +
                             tcb_hex(encode_tcb(tcb, product));
    if (auto existing = state.certificate(base)) {
        return *existing;
    }
    const support::PkeyPtr key = state.key(
        std::string(product_name(product)) + "_" + std::string(signing_key_name(kind)), 0);
    const support::PkeyPtr issuer_key = state.key(
        std::string(product_name(product)) + (kind == SigningKey::vlek ? "_asvk" : "_ask"), 4096);
    CertificateSpec spec;
    spec.subject = sim_name(kind == SigningKey::vlek ? "SEV-VLEK" : "SEV-VCEK");
    spec.issuer = sim_name(kind == SigningKey::vlek ? "SIMULATED SEV-VLEK-" + title
                                                    : "SIMULATED SEV-" + title);
    spec.serial = static_cast<long>(encode_tcb(tcb, product) & 0x7FFFFFFF) + 1000;
    spec.not_before = sim_not_before;
    spec.not_after = sim_not_after;
    spec.subject_key = key.get();
    spec.issuer_key = issuer_key.get();
    spec.extensions = {
        {"1.3.6.1.4.1.3704.1.1", support::der_encode_integer(product == Product::turin ? 1 : 0)},
        {"1.3.6.1.4.1.3704.1.2",
         support::der_encode_ia5_string(kind == SigningKey::vlek ? title : title + "-B0")},
        {"1.3.6.1.4.1.3704.1.3.1", support::der_encode_integer(tcb.bootloader)},
        {"1.3.6.1.4.1.3704.1.3.2", support::der_encode_integer(tcb.tee)},
        {"1.3.6.1.4.1.3704.1.3.3", support::der_encode_integer(tcb.snp)},
        {"1.3.6.1.4.1.3704.1.3.8", support::der_encode_integer(tcb.microcode)},
    };
    if (product == Product::turin) {
        spec.extensions.emplace_back("1.3.6.1.4.1.3704.1.3.9",
                                     support::der_encode_integer(tcb.fmc.value_or(0)));
    }
    if (kind == SigningKey::vlek) {
        spec.extensions.emplace_back("1.3.6.1.4.1.3704.1.5",
                                     support::der_encode_ia5_string("ccattest-simulated-csp"));
    } else {
        const size_t id_size = product == Product::turin ? 8 : 64;
        spec.extensions.emplace_back(
            "1.3.6.1.4.1.3704.1.4",
            support::der_encode_octet_string(std::span(chip_id.data(), id_size)));
    }
    Certificate certificate = support::make_certificate(spec);
    state.store(base, certificate);
    return certificate;
}

} // namespace

const ProductRoots &simulated_roots(const fs::path &state_dir, Product product) {
    const std::lock_guard lock(roots_mutex);
    auto &slot = roots_cache[{fs::absolute(state_dir).lexically_normal().string(), product}];
    if (slot) {
        return *slot;
    }
    // Stored as <name>_{ark,ask,asvk}.pem: where a verifier reads them (trust.hpp).
    const SimulatorState state(state_dir / simulator_subfolder);
    const std::string name(product_name(product));
    const std::string title(product_title(product));
    std::optional<ProductRoots> roots;
    state.locked([&] {
        const support::PkeyPtr ark_key = state.key(name + "_ark", 4096);
        auto ark = state.certificate(name + "_ark");
        if (!ark) {
            CertificateSpec spec;
            spec.subject = spec.issuer = sim_name("SIMULATED ARK-" + title);
            spec.not_before = sim_not_before;
            spec.not_after = sim_not_after;
            spec.subject_key = spec.issuer_key = ark_key.get();
            spec.certificate_authority = true;
            ark = support::make_certificate(spec);
            state.store(name + "_ark", *ark);
        }
        auto intermediate = [&](const std::string &file, const std::string &common_name,
                                long serial) {
            if (auto existing = state.certificate(file)) {
                return *existing;
            }
            const support::PkeyPtr key = state.key(file, 4096);
            CertificateSpec spec;
            spec.subject = sim_name(common_name);
            spec.issuer = sim_name("SIMULATED ARK-" + title);
            spec.serial = serial;
            spec.not_before = sim_not_before;
            spec.not_after = sim_not_after;
            spec.subject_key = key.get();
            spec.issuer_key = ark_key.get();
            spec.certificate_authority = true;
            Certificate certificate = support::make_certificate(spec);
            state.store(file, certificate);
            return certificate;
        };
        Certificate ask = intermediate(name + "_ask", "SIMULATED SEV-" + title, 2);
        Certificate asvk = intermediate(name + "_asvk", "SIMULATED SEV-VLEK-" + title, 3);
        roots.emplace(ProductRoots{product, *ark, std::move(ask), std::move(asvk), true});
    });
    slot = std::make_unique<ProductRoots>(std::move(*roots));
    return *slot;
}

SimulatedReport simulate_report(const SimulatorConfig &config,
                                std::span<const uint8_t, 64> report_data) {
    if (config.report_version != 2 && config.report_version != 3 && config.report_version != 5) {
        throw failure(CCATTEST_E_CONFIG, "the simulator makes report versions 2, 3 and 5, not " +
                                             std::to_string(config.report_version));
    }
    if (config.signing_key == SigningKey::none) {
        throw failure(CCATTEST_E_CONFIG, "the simulator signs with a VCEK or a VLEK");
    }
    const ProductRoots &roots = simulated_roots(config.state_dir, config.product);
    const SimulatorState state(config.state_dir / simulator_subfolder);
    Bytes chip_id;
    std::optional<Certificate> leaf;
    support::PkeyPtr key;
    state.locked([&] {
        chip_id = state.secret(std::string(product_name(config.product)) + "_chip_id", 64);
        if (config.product == Product::turin) {
            std::fill(chip_id.begin() + 8, chip_id.end(), 0); // Turin uses 8 bytes
        }
        leaf = signing_certificate(state, config.product, config.signing_key, config.tcb, chip_id);
        key = state.key(std::string(product_name(config.product)) + "_" +
                            std::string(signing_key_name(config.signing_key)),
                        0);
    });

    std::array<uint8_t, report_size> raw{};
    uint8_t *r = raw.data();
    const uint64_t tcb = encode_tcb(config.tcb, config.product);
    support::put_u32_le(r + 0x00, config.report_version);
    support::put_u32_le(r + 0x04, config.guest_svn);
    support::put_u64_le(r + 0x08, config.policy);
    std::copy(config.family_id.begin(), config.family_id.end(), r + 0x10);
    std::copy(config.image_id.begin(), config.image_id.end(), r + 0x20);
    support::put_u32_le(r + 0x30, config.vmpl);
    support::put_u32_le(r + 0x34, 1);
    support::put_u64_le(r + 0x38, tcb);
    support::put_u64_le(r + 0x40, 0x1); // SMT enabled
    support::put_u32_le(r + 0x48, config.signing_key == SigningKey::vlek ? (1U << 2U) : 0U);
    std::copy(report_data.begin(), report_data.end(), r + 0x50);
    std::copy(config.measurement.begin(), config.measurement.end(), r + 0x90);
    std::copy(config.host_data.begin(), config.host_data.end(), r + 0xC0);
    if (RAND_bytes(r + 0x140, 32) != 1) { // REPORT_ID
        throw failure(CCATTEST_E_INTERNAL, "simulator: no random bytes");
    }
    support::put_u64_le(r + 0x180, tcb);
    if (config.report_version >= 3) {
        const auto cpuid = cpuid_of(config.product);
        std::copy(cpuid.begin(), cpuid.end(), r + 0x188);
    }
    std::copy(chip_id.begin(), chip_id.end(), r + 0x1A0);
    support::put_u64_le(r + 0x1E0, tcb);
    r[0x1E8] = 7; // firmware 1.55.7
    r[0x1E9] = 55;
    r[0x1EA] = 1;
    r[0x1EC] = 7;
    r[0x1ED] = 55;
    r[0x1EE] = 1;
    support::put_u64_le(r + 0x1F0, tcb);
    // v5 mitigation vectors stay zero.
    const auto [sig_r, sig_s] =
        support::ecdsa_sha384_sign(key.get(), std::span(raw.data(), signed_size));
    std::reverse_copy(sig_r.begin(), sig_r.end(), r + 0x2A0); // little-endian, zero-extended to 72
    std::reverse_copy(sig_s.begin(), sig_s.end(), r + 0x2E8);

    SimulatedReport out;
    out.evidence.report.assign(raw.begin(), raw.end());
    out.evidence.ark = roots.ark.der();
    if (config.signing_key == SigningKey::vlek) {
        out.evidence.ask = roots.asvk.der(); // the table's ASK slot carries the ASVK for a VLEK
        out.evidence.vlek = leaf->der();
    } else {
        out.evidence.ask = roots.ask.der();
        out.evidence.vcek = leaf->der();
    }
    out.certificate_table = write_certificate_table(out.evidence);
    return out;
}

} // namespace ccattest::snp
