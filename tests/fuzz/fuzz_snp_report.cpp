// Fuzz target: the SEV-SNP report parser and claims. Any input must either parse or be refused with
// sdk::failure; nothing else (crash, other exception, sanitizer report) is acceptable.
#include "report.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try {
        const auto report = ccattest::snp::parse_report({data, size});
        (void)ccattest::snp::report_claims(
            report, ccattest::snp::report_product(report).value_or(ccattest::snp::Product::turin));
    } catch (const ccattest::sdk::failure &) {
    }
    return 0;
}
