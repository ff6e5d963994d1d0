// Fuzz target: the NVIDIA SPDM report parser (GET_MEASUREMENTS request and MEASUREMENTS response).
// Any input must either decode or be refused with sdk::failure(MALFORMED) saying "SPDM report:
// ..."; a decoded report must be consistent with its bytes: the signed bytes are the input's prefix
// ending where the signature begins, the signature is the 96 bytes after them, the opaque data
// lies inside the signed bytes and its entries fill it exactly, block indices are distinct and in
// range, and cutting the trailing bytes off changes nothing else.
#include "fuzz_support.hpp"
#include "spdm.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>

namespace {

namespace gpu = ccattest::gpu;

void check_blocks(const gpu::SpdmReport &report) {
    std::set<uint8_t> indices;
    for (const auto &block : report.blocks) {
        fuzz::require(block.index != 0 && block.index != 0xFF, "block index in 1..254");
        fuzz::require(indices.insert(block.index).second, "block indices distinct");
        fuzz::require((block.specification & 1U) != 0 || block.value_type == 0,
                      "a block that is not DMTF has no value type");
    }
}

void check_opaque(const gpu::SpdmReport &report) {
    size_t covered = 0;
    std::set<uint16_t> types;
    for (const auto &field : report.opaque_data.fields) {
        covered += 4 + field.value.size();
        fuzz::require(types.insert(field.type).second, "opaque entry types distinct");
    }
    fuzz::require(covered == report.opaque.size(), "opaque entries fill the opaque data exactly");
    const auto &signed_bytes = report.signed_bytes;
    fuzz::require(
        report.opaque.size() + 2 + gpu::spdm_nonce_size <= signed_bytes.size() &&
            std::equal(report.opaque.begin(), report.opaque.end(),
                       signed_bytes.end() - static_cast<std::ptrdiff_t>(report.opaque.size())),
        "the opaque data ends the signed bytes");
    if (report.opaque_data.driver_version) {
        fuzz::require(report.opaque_data.find(gpu::opaque_type::driver_version) != nullptr,
                      "a decoded driver version has its entry");
    }
}

void check_accepted(const gpu::SpdmReport &report, std::span<const uint8_t> input) {
    fuzz::require(report.request_attributes & 1U, "accepted report requests a signature");
    fuzz::require(input.size() >= gpu::spdm_request_size && input[0] == gpu::spdm_version_1_1 &&
                      input[1] == gpu::spdm_get_measurements &&
                      input[gpu::spdm_request_size] == gpu::spdm_version_1_1 &&
                      input[gpu::spdm_request_size + 1] == gpu::spdm_measurements,
                  "accepted report has the versions and codes");
    const size_t signed_size = report.signed_bytes.size();
    fuzz::require(signed_size + gpu::spdm_signature_size + report.trailing_bytes == input.size(),
                  "signed bytes, signature and trailing bytes make up the input");
    fuzz::require(std::equal(report.signed_bytes.begin(), report.signed_bytes.end(), input.begin()),
                  "signed bytes are the input's prefix");
    fuzz::require(std::equal(report.signature.begin(), report.signature.end(),
                             input.begin() + static_cast<std::ptrdiff_t>(signed_size)),
                  "signature follows the signed bytes");
    check_blocks(report);
    check_opaque(report);
    gpu::SpdmReport trimmed;
    try {
        trimmed = gpu::parse_spdm_report(input.first(input.size() - report.trailing_bytes));
    } catch (const ccattest::sdk::failure &e) {
        fuzz::finding(std::string("the report without its trailing bytes is refused: ") + e.what());
    }
    fuzz::require(trimmed.trailing_bytes == 0 && trimmed.signed_bytes == report.signed_bytes &&
                      trimmed.blocks.size() == report.blocks.size() &&
                      trimmed.opaque == report.opaque,
                  "the report without its trailing bytes decodes the same");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    try {
        check_accepted(gpu::parse_spdm_report(input), input);
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      std::string("refusal status is not MALFORMED: ") + e.what());
        fuzz::require(std::string_view(e.what()).starts_with("SPDM report: "),
                      std::string("refusal does not say \"SPDM report: \": ") + e.what());
    }
    return 0;
}
