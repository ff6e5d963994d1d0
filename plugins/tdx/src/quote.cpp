#include "quote.hpp"

#include <algorithm>
#include <cstdio>

namespace ccattest::tdx {
using sdk::failure;
using support::ByteCursor;
using support::ByteReader;

namespace {

// Every size the quote carries is checked against what its enclosing structure has left, and the
// signature data and the type-6 certification data must be covered exactly, so no byte of them
// goes unread (bytes after the signature data are counted, not read: quote.hpp, trailing_bytes).
constexpr size_t signature_data_fixed_size = 64 + 64 + 2 + 4;

[[noreturn]] void malformed(const std::string &problem) {
    throw failure(CCATTEST_E_MALFORMED, "quote: " + problem);
}

template <size_t N> std::array<uint8_t, N> take_array(ByteCursor &in, std::string_view field) {
    std::array<uint8_t, N> out{};
    const auto bytes = in.take(N, field);
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

template <size_t N>
std::array<uint8_t, N> copy_field(const ByteReader &in, size_t offset, std::string_view field) {
    std::array<uint8_t, N> out{};
    const auto bytes = in.bytes(offset, N, field);
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

std::string bytes_text(size_t count) {
    return std::to_string(count) + (count == 1 ? " byte" : " bytes");
}

// A record whose size a length field gave, refused when it runs past its enclosing structure.
std::span<const uint8_t> take_sized(ByteCursor &in, size_t size, const std::string &field,
                                    const std::string &enclosing) {
    if (size > in.remaining()) {
        malformed(field + " (size " + std::to_string(size) + ") runs past the end of the " +
                  enclosing + " (" + bytes_text(in.remaining()) + " left)");
    }
    return in.take(size, field);
}

std::string hex32(uint32_t value) {
    char text[11];
    (void)std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

void check_header(Quote &quote, std::span<const uint8_t> header) {
    const ByteReader in(header);
    quote.version = in.u16(0, "header version");
    if (quote.version != 4 && quote.version != 5) {
        malformed("header version " + std::to_string(quote.version) + " is not supported (4 or 5)");
    }
    quote.attestation_key_type = in.u16(2, "attestation key type");
    if (quote.attestation_key_type != attestation_key_ecdsa_p256) {
        malformed("attestation key type " + std::to_string(quote.attestation_key_type) +
                  " is not supported (2, ECDSA-256-with-P-256)");
    }
    quote.tee_type = in.u32(4, "TEE type");
    if (quote.tee_type != tee_type_tdx) {
        malformed("TEE type " + hex32(quote.tee_type) + " is not TDX (0x81)");
    }
    quote.qe_vendor_id = copy_field<16>(in, 12, "QE vendor id");
    quote.user_data = copy_field<20>(in, 28, "user data");
}

// v5 names the body's kind and size; v4 always carries a TD report 1.0. Returns the body size.
size_t read_body_type(Quote &quote, ByteCursor &in) {
    if (quote.version == 4) {
        quote.body_kind = BodyKind::td10;
        return td_report_body_10_size;
    }
    const uint16_t type = in.u16_le("body type");
    const uint32_t size = in.u32_le("body size");
    size_t expected = 0;
    if (type == 2) {
        quote.body_kind = BodyKind::td10;
        expected = td_report_body_10_size;
    } else if (type == 3) {
        quote.body_kind = BodyKind::td15;
        expected = td_report_body_15_size;
    } else if (type == 1) {
        malformed("body type 1 (SGX enclave report) is not supported (2 or 3, a TD report)");
    } else {
        malformed("body type " + std::to_string(type) +
                  " is not supported (2: TD report 1.0, 3: TD report 1.5)");
    }
    if (size != expected) {
        malformed("body size " + std::to_string(size) + " does not match body type " +
                  std::to_string(type) + " (" + std::to_string(expected) + " bytes)");
    }
    return expected;
}

TdReportBody parse_body(std::span<const uint8_t> bytes, BodyKind kind) {
    ByteCursor in(bytes, "quote: TD report body");
    TdReportBody body;
    body.tee_tcb_svn = take_array<16>(in, "TEE TCB SVN");
    body.mr_seam = take_array<48>(in, "MRSEAM");
    body.mr_signer_seam = take_array<48>(in, "MRSIGNERSEAM");
    body.seam_attributes = take_array<8>(in, "SEAM attributes");
    body.td_attributes = take_array<8>(in, "TD attributes");
    body.xfam = take_array<8>(in, "XFAM");
    body.mr_td = take_array<48>(in, "MRTD");
    body.mr_config_id = take_array<48>(in, "MRCONFIGID");
    body.mr_owner = take_array<48>(in, "MROWNER");
    body.mr_owner_config = take_array<48>(in, "MROWNERCONFIG");
    for (auto &rtmr : body.rtmr) {
        rtmr = take_array<48>(in, "RTMR");
    }
    body.report_data = take_array<64>(in, "report data");
    if (kind == BodyKind::td15) {
        body.tee_tcb_svn2 = take_array<16>(in, "TEE TCB SVN 2");
        body.mr_service_td = take_array<48>(in, "MRSERVICETD");
    }
    in.expect_end("the TD report body");
    return body;
}

// The type-6 certification data: the QE report, its signature by the PCK, the QE auth data and
// the nested type-5 PCK chain, which must end exactly where the type-6 data ends.
void parse_qe_certification_data(Quote &quote, std::span<const uint8_t> bytes) {
    const std::string enclosing = "QE certification data";
    ByteCursor in(bytes, "quote: " + enclosing);
    quote.qe_report = parse_enclave_report(
        in.take(enclave_report_size, "QE report").first<enclave_report_size>());
    quote.qe_report_signature = take_array<64>(in, "QE report signature");
    const uint16_t auth_size = in.u16_le("QE auth data size");
    const auto auth = take_sized(in, auth_size, "QE auth data", enclosing);
    quote.qe_auth_data.assign(auth.begin(), auth.end());
    const uint16_t type = in.u16_le("PCK certification data type");
    if (type != certification_data_pck_chain) {
        malformed("PCK certification data type " + std::to_string(type) +
                  " is not supported (5, PCK certificate chain)");
    }
    const uint32_t size = in.u32_le("PCK certification data size");
    const auto chain = take_sized(in, size, "PCK certificate chain", enclosing);
    quote.pck_chain_pem.assign(chain.begin(), chain.end());
    if (!in.at_end()) {
        malformed(enclosing + " has " + bytes_text(in.remaining()) +
                  " after the PCK certificate chain");
    }
}

void parse_signature_data(Quote &quote, std::span<const uint8_t> bytes) {
    ByteCursor in(bytes, "quote: signature data");
    quote.signature = take_array<64>(in, "signature");
    quote.attestation_key = take_array<64>(in, "attestation key");
    const uint16_t type = in.u16_le("certification data type");
    if (type != certification_data_qe_report) {
        malformed("certification data type " + std::to_string(type) +
                  " is not supported (6, QE report certification data)");
    }
    const uint32_t size = in.u32_le("certification data size");
    const auto data = take_sized(in, size, "QE certification data", "signature data");
    if (!in.at_end()) {
        malformed("signature data (size " + std::to_string(bytes.size()) + ") has " +
                  bytes_text(in.remaining()) + " after the QE certification data (expected size " +
                  std::to_string(signature_data_fixed_size + size) + ")");
    }
    parse_qe_certification_data(quote, data);
}

} // namespace

Quote parse_quote(std::span<const uint8_t> bytes) {
    if (bytes.size() > max_quote_size) {
        malformed(bytes_text(bytes.size()) + " exceed the maximum quote size (" +
                  bytes_text(max_quote_size) + ")");
    }
    ByteCursor in(bytes, "quote");
    Quote quote;
    check_header(quote, in.take(quote_header_size, "header"));
    const size_t body_size = read_body_type(quote, in);
    quote.body = parse_body(take_sized(in, body_size, "TD report body", "quote"), quote.body_kind);
    const auto signed_part = bytes.first(in.position());
    quote.signed_part.assign(signed_part.begin(), signed_part.end());
    const uint32_t signature_size = in.u32_le("signature data size");
    parse_signature_data(quote, take_sized(in, signature_size, "signature data", "quote"));
    quote.trailing_bytes = in.remaining();
    return quote;
}

EnclaveReport parse_enclave_report(std::span<const uint8_t, enclave_report_size> bytes) {
    const ByteReader in(bytes);
    EnclaveReport report;
    report.cpusvn = copy_field<16>(in, 0, "QE report CPUSVN");
    report.miscselect = in.u32(16, "QE report MISCSELECT");
    report.attributes = copy_field<16>(in, 48, "QE report attributes");
    report.mrenclave = copy_field<32>(in, 64, "QE report MRENCLAVE");
    report.mrsigner = copy_field<32>(in, 128, "QE report MRSIGNER");
    report.isvprodid = in.u16(256, "QE report ISVPRODID");
    report.isvsvn = in.u16(258, "QE report ISVSVN");
    report.report_data = copy_field<64>(in, 320, "QE report data");
    report.raw.assign(bytes.begin(), bytes.end());
    return report;
}

} // namespace ccattest::tdx
