// Fuzz target: the SNP token decoder (ccattest JSON, FLARE base64, raw) and the certificate table
// reader, then the report parser on whatever the token carried.
#include "evidence.hpp"
#include "report.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try {
        const auto evidence = ccattest::snp::decode_token({data, size});
        (void)ccattest::snp::parse_report(evidence.report);
    } catch (const ccattest::sdk::failure &) {
    }
    try {
        ccattest::snp::Evidence table;
        ccattest::snp::read_certificate_table({data, size}, table);
    } catch (const ccattest::sdk::failure &) {
    }
    return 0;
}
