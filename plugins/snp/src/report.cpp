#include "report.hpp"

#include <ccattest/support/crypto.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace ccattest::snp {
using sdk::failure;
using support::ByteReader;
using support::to_hex;

namespace {

template <size_t N>
std::array<uint8_t, N> copy_field(const ByteReader &in, size_t offset, const char *name) {
    std::array<uint8_t, N> out{};
    const auto bytes = in.bytes(offset, N, name);
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

void must_be_zero(const ByteReader &in, size_t from, size_t to, uint32_t version) {
    if (!in.all_zero(from, to - from, "reserved field")) {
        char range[48];
        (void)std::snprintf(range, sizeof range, "0x%03zX..0x%03zX", from, to - 1);
        throw failure(CCATTEST_E_MALFORMED, std::string("reserved bytes ") + range +
                                                " are not zero (report version " +
                                                std::to_string(version) + ")");
    }
}

// A 72-byte little-endian scalar of which only the low 48 bytes may be set, as big-endian.
std::array<uint8_t, 48> signature_scalar(const ByteReader &in, size_t offset, const char *name) {
    const auto bytes = in.bytes(offset, 72, name);
    if (!support::is_all_zero(bytes.subspan(48))) {
        throw failure(CCATTEST_E_MALFORMED, std::string(name) + " exceeds 384 bits");
    }
    std::array<uint8_t, 48> out{};
    std::reverse_copy(bytes.begin(), bytes.begin() + 48, out.begin());
    return out;
}

} // namespace

std::string_view product_name(Product product) {
    switch (product) {
    case Product::milan: return "milan";
    case Product::genoa: return "genoa";
    case Product::turin: return "turin";
    }
    return "milan";
}

std::string_view product_title(Product product) {
    switch (product) {
    case Product::milan: return "Milan";
    case Product::genoa: return "Genoa";
    case Product::turin: return "Turin";
    }
    return "Milan";
}

std::optional<Product> product_from_name(std::string_view name) {
    std::string lower;
    for (const char c : name.substr(0, name.find('-'))) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (const Product p : {Product::milan, Product::genoa, Product::turin}) {
        if (lower == product_name(p)) {
            return p;
        }
    }
    return std::nullopt;
}

std::optional<Product> product_from_cpuid(uint8_t family, uint8_t model) {
    if (family == 0x19 && model <= 0x0F) {
        return Product::milan;
    }
    if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))) {
        return Product::genoa;
    }
    if (family == 0x1A && model <= 0x11) {
        return Product::turin;
    }
    return std::nullopt;
}

std::string_view signing_key_name(SigningKey key) {
    switch (key) {
    case SigningKey::vcek: return "vcek";
    case SigningKey::vlek: return "vlek";
    case SigningKey::none: return "none";
    }
    return "none";
}

Tcb decode_tcb(uint64_t raw, Product product) {
    auto byte = [raw](unsigned index) { return static_cast<uint8_t>(raw >> (8U * index)); };
    Tcb tcb;
    tcb.raw = raw;
    if (product == Product::turin) {
        tcb.fmc = byte(0);
        tcb.bootloader = byte(1);
        tcb.tee = byte(2);
        tcb.snp = byte(3);
    } else {
        tcb.bootloader = byte(0);
        tcb.tee = byte(1);
        tcb.snp = byte(6);
    }
    tcb.microcode = byte(7);
    return tcb;
}

uint64_t encode_tcb(const Tcb &tcb, Product product) {
    auto at = [](uint8_t value, unsigned index) {
        return static_cast<uint64_t>(value) << (8U * index);
    };
    if (product == Product::turin) {
        return at(tcb.fmc.value_or(0), 0) | at(tcb.bootloader, 1) | at(tcb.tee, 2) |
               at(tcb.snp, 3) | at(tcb.microcode, 7);
    }
    return at(tcb.bootloader, 0) | at(tcb.tee, 1) | at(tcb.snp, 6) | at(tcb.microcode, 7);
}

std::string tcb_hex(uint64_t raw) {
    char text[17];
    (void)std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(raw));
    return text;
}

boost::json::object tcb_claims(const Tcb &tcb) {
    boost::json::object out{{"bootloader", tcb.bootloader},
                            {"tee", tcb.tee},
                            {"snp", tcb.snp},
                            {"microcode", tcb.microcode}};
    if (tcb.fmc) {
        out["fmc"] = *tcb.fmc;
    }
    return out;
}

Report parse_report(std::span<const uint8_t> bytes) {
    if (bytes.size() != report_size) {
        throw failure(CCATTEST_E_MALFORMED, "report is " + std::to_string(bytes.size()) +
                                                " bytes, expected " + std::to_string(report_size));
    }
    const ByteReader in(bytes);
    Report r;
    std::copy(bytes.begin(), bytes.end(), r.raw.begin());
    r.version = in.u32(0x00, "VERSION");
    if (r.version < 2 || r.version > 5) {
        throw failure(CCATTEST_E_MALFORMED,
                      "report version " + std::to_string(r.version) + " is not supported (2 to 5)");
    }
    r.guest_svn = in.u32(0x04, "GUEST_SVN");
    r.policy = in.u64(0x08, "POLICY");
    if ((r.policy & (1ULL << 17U)) == 0) {
        throw failure(CCATTEST_E_MALFORMED, "POLICY bit 17 (reserved, must be one) is zero");
    }
    if ((r.policy >> 26U) != 0) {
        throw failure(CCATTEST_E_MALFORMED, "POLICY bits 63:26 (reserved) are not zero");
    }
    r.family_id = copy_field<16>(in, 0x10, "FAMILY_ID");
    r.image_id = copy_field<16>(in, 0x20, "IMAGE_ID");
    r.vmpl = in.u32(0x30, "VMPL");
    if (r.vmpl > 3) {
        throw failure(CCATTEST_E_MALFORMED, "VMPL " + std::to_string(r.vmpl) + " is not 0 to 3");
    }
    r.signature_algo = in.u32(0x34, "SIGNATURE_ALGO");
    if (r.signature_algo != 1) {
        throw failure(CCATTEST_E_MALFORMED, "SIGNATURE_ALGO " + std::to_string(r.signature_algo) +
                                                " is not 1 (ECDSA P-384 with SHA-384)");
    }
    r.current_tcb = in.u64(0x38, "CURRENT_TCB");
    r.platform_info = in.u64(0x40, "PLATFORM_INFO");
    if ((r.platform_info >> 8U) != 0) {
        throw failure(CCATTEST_E_MALFORMED, "PLATFORM_INFO bits 63:8 (reserved) are not zero");
    }
    const uint32_t key_info = in.u32(0x48, "KEY_INFO");
    if ((key_info >> 5U) != 0) {
        throw failure(CCATTEST_E_MALFORMED, "KEY_INFO bits 31:5 (reserved) are not zero");
    }
    r.author_key_en = (key_info & 1U) != 0;
    r.mask_chip_key = (key_info & 2U) != 0;
    switch ((key_info >> 2U) & 7U) {
    case 0: r.signing_key = SigningKey::vcek; break;
    case 1: r.signing_key = SigningKey::vlek; break;
    case 7: r.signing_key = SigningKey::none; break;
    default:
        throw failure(CCATTEST_E_MALFORMED, "KEY_INFO SIGNING_KEY " +
                                                std::to_string((key_info >> 2U) & 7U) +
                                                " is reserved");
    }
    must_be_zero(in, 0x4C, 0x50, r.version);
    r.report_data = copy_field<64>(in, 0x50, "REPORT_DATA");
    r.measurement = copy_field<48>(in, 0x90, "MEASUREMENT");
    r.host_data = copy_field<32>(in, 0xC0, "HOST_DATA");
    r.id_key_digest = copy_field<48>(in, 0xE0, "ID_KEY_DIGEST");
    r.author_key_digest = copy_field<48>(in, 0x110, "AUTHOR_KEY_DIGEST");
    r.report_id = copy_field<32>(in, 0x140, "REPORT_ID");
    r.report_id_ma = copy_field<32>(in, 0x160, "REPORT_ID_MA");
    r.reported_tcb = in.u64(0x180, "REPORTED_TCB");
    if (r.version >= 3) {
        r.cpuid = std::array<uint8_t, 3>{in.u8(0x188, "CPUID_FAM_ID"), in.u8(0x189, "CPUID_MOD_ID"),
                                         in.u8(0x18A, "CPUID_STEP")};
        must_be_zero(in, 0x18B, 0x1A0, r.version);
    } else {
        must_be_zero(in, 0x188, 0x1A0, r.version);
    }
    r.chip_id = copy_field<64>(in, 0x1A0, "CHIP_ID");
    r.committed_tcb = in.u64(0x1E0, "COMMITTED_TCB");
    r.current_build = in.u8(0x1E8, "CURRENT_BUILD");
    r.current_minor = in.u8(0x1E9, "CURRENT_MINOR");
    r.current_major = in.u8(0x1EA, "CURRENT_MAJOR");
    must_be_zero(in, 0x1EB, 0x1EC, r.version);
    r.committed_build = in.u8(0x1EC, "COMMITTED_BUILD");
    r.committed_minor = in.u8(0x1ED, "COMMITTED_MINOR");
    r.committed_major = in.u8(0x1EE, "COMMITTED_MAJOR");
    must_be_zero(in, 0x1EF, 0x1F0, r.version);
    r.launch_tcb = in.u64(0x1F0, "LAUNCH_TCB");
    if (r.version >= 5) {
        r.launch_mit_vector = in.u64(0x1F8, "LAUNCH_MIT_VECTOR");
        r.current_mit_vector = in.u64(0x200, "CURRENT_MIT_VECTOR");
        must_be_zero(in, 0x208, 0x2A0, r.version);
    } else {
        must_be_zero(in, 0x1F8, 0x2A0, r.version);
    }
    r.signature_r = signature_scalar(in, 0x2A0, "SIGNATURE R");
    r.signature_s = signature_scalar(in, 0x2E8, "SIGNATURE S");
    must_be_zero(in, 0x330, report_size, r.version);
    return r;
}

std::array<uint8_t, 32> evidence_digest(const Report &report) {
    return support::sha256(std::span(report.raw.data(), signed_size));
}

std::optional<Product> report_product(const Report &report) {
    if (!report.cpuid) {
        return std::nullopt;
    }
    return product_from_cpuid((*report.cpuid)[0], (*report.cpuid)[1]);
}

boost::json::object report_claims(const Report &r, Product product) {
    auto bit = [](uint64_t value, unsigned index) { return ((value >> index) & 1U) != 0; };
    boost::json::object claims;
    claims["product"] = product_name(product);
    claims["version"] = r.version;
    claims["guest_svn"] = r.guest_svn;
    claims["policy"] = {{"abi_minor", r.policy & 0xFFU},
                        {"abi_major", (r.policy >> 8U) & 0xFFU},
                        {"smt", bit(r.policy, 16)},
                        {"migrate_ma", bit(r.policy, 18)},
                        {"debug", bit(r.policy, 19)},
                        {"single_socket", bit(r.policy, 20)},
                        {"cxl_allow", bit(r.policy, 21)},
                        {"mem_aes_256_xts", bit(r.policy, 22)},
                        {"rapl_dis", bit(r.policy, 23)},
                        {"ciphertext_hiding", bit(r.policy, 24)},
                        {"page_swap_disable", bit(r.policy, 25)},
                        {"raw", r.policy}};
    claims["family_id"] = to_hex(r.family_id);
    claims["image_id"] = to_hex(r.image_id);
    claims["vmpl"] = r.vmpl;
    claims["signature_algo"] = r.signature_algo;
    claims["signing_key"] = signing_key_name(r.signing_key);
    claims["author_key_en"] = r.author_key_en;
    claims["mask_chip_key"] = r.mask_chip_key;
    claims["current_tcb"] = tcb_claims(decode_tcb(r.current_tcb, product));
    claims["reported_tcb"] = tcb_claims(decode_tcb(r.reported_tcb, product));
    claims["committed_tcb"] = tcb_claims(decode_tcb(r.committed_tcb, product));
    claims["launch_tcb"] = tcb_claims(decode_tcb(r.launch_tcb, product));
    claims["platform_info"] = {{"smt_enabled", bit(r.platform_info, 0)},
                               {"tsme_enabled", bit(r.platform_info, 1)},
                               {"ecc_enabled", bit(r.platform_info, 2)},
                               {"rapl_disabled", bit(r.platform_info, 3)},
                               {"ciphertext_hiding_enabled", bit(r.platform_info, 4)},
                               {"alias_check_complete", bit(r.platform_info, 5)},
                               {"tio_enabled", bit(r.platform_info, 7)},
                               {"raw", r.platform_info}};
    claims["measurement"] = to_hex(r.measurement);
    claims["host_data"] = to_hex(r.host_data);
    claims["id_key_digest"] = to_hex(r.id_key_digest);
    claims["author_key_digest"] = to_hex(r.author_key_digest);
    claims["report_id"] = to_hex(r.report_id);
    claims["report_id_ma"] = to_hex(r.report_id_ma);
    claims["chip_id"] = to_hex(r.chip_id);
    claims["report_data"] = to_hex(r.report_data);
    claims["current_build"] = r.current_build;
    claims["current_minor"] = r.current_minor;
    claims["current_major"] = r.current_major;
    claims["committed_build"] = r.committed_build;
    claims["committed_minor"] = r.committed_minor;
    claims["committed_major"] = r.committed_major;
    if (r.cpuid) {
        claims["cpuid"] = {
            {"family", (*r.cpuid)[0]}, {"model", (*r.cpuid)[1]}, {"stepping", (*r.cpuid)[2]}};
    }
    if (r.launch_mit_vector) {
        claims["launch_mit_vector"] = *r.launch_mit_vector;
        claims["current_mit_vector"] = *r.current_mit_vector;
    }
    return claims;
}

} // namespace ccattest::snp
