// Fuzz target: the TDX quote decoder. Any input must either decode or be refused with
// sdk::failure(MALFORMED) saying "quote: ..."; a decoded quote must be consistent with its bytes:
// the signed part is the input's prefix of the size its version and body kind give, the signature
// data ends where the trailing bytes begin, and cutting those bytes off changes nothing else.
#include "fuzz_support.hpp"
#include "quote.hpp"

#include <cstddef>
#include <cstdint>

namespace {

size_t expected_signed_size(const ccattest::tdx::Quote &quote) {
    const size_t body = quote.body_kind == ccattest::tdx::BodyKind::td15
                            ? ccattest::tdx::td_report_body_15_size
                            : ccattest::tdx::td_report_body_10_size;
    return ccattest::tdx::quote_header_size + (quote.version == 5 ? 6 : 0) + body;
}

void check_accepted(const ccattest::tdx::Quote &quote, std::span<const uint8_t> input) {
    fuzz::require(quote.version == 4 || quote.version == 5, "accepted quote version");
    fuzz::require(quote.tee_type == ccattest::tdx::tee_type_tdx, "accepted TEE type");
    fuzz::require(quote.attestation_key_type == ccattest::tdx::attestation_key_ecdsa_p256,
                  "accepted attestation key type");
    fuzz::require((quote.body_kind == ccattest::tdx::BodyKind::td15) ==
                      quote.body.mr_service_td.has_value(),
                  "TD 1.5 fields present exactly for a TD 1.5 body");
    fuzz::require(quote.version == 5 || quote.body_kind == ccattest::tdx::BodyKind::td10,
                  "a v4 quote carries a TD 1.0 body");
    const size_t signed_size = expected_signed_size(quote);
    fuzz::require(quote.signed_part.size() == signed_size &&
                      std::equal(quote.signed_part.begin(), quote.signed_part.end(), input.begin()),
                  "signed part is the input's prefix");
    fuzz::require(quote.qe_report.raw.size() == ccattest::tdx::enclave_report_size,
                  "QE report is 384 bytes");
    fuzz::require(quote.trailing_bytes <= input.size() - signed_size, "trailing bytes in range");
    ccattest::tdx::Quote trimmed;
    try {
        trimmed = ccattest::tdx::parse_quote(input.first(input.size() - quote.trailing_bytes));
    } catch (const ccattest::sdk::failure &e) {
        fuzz::finding(std::string("the quote without its trailing bytes is refused: ") + e.what());
    }
    fuzz::require(trimmed.trailing_bytes == 0 && trimmed.pck_chain_pem == quote.pck_chain_pem &&
                      trimmed.qe_auth_data == quote.qe_auth_data &&
                      trimmed.signed_part == quote.signed_part,
                  "the quote without its trailing bytes decodes the same");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    try {
        check_accepted(ccattest::tdx::parse_quote(input), input);
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      std::string("refusal status is not MALFORMED: ") + e.what());
        fuzz::require(std::string_view(e.what()).starts_with("quote: "),
                      std::string("refusal does not say \"quote: \": ") + e.what());
    }
    return 0;
}
