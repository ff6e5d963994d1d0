#include "claims.hpp"

#include <ccattest/support/bytes.hpp>

namespace ccattest::tdx {

boost::json::object td_attributes_claim(std::array<uint8_t, 8> attributes) {
    uint64_t value = 0;
    for (size_t i = attributes.size(); i-- > 0;) {
        value = (value << 8U) | attributes[i];
    }
    const auto bit = [value](unsigned index) { return ((value >> index) & 1U) != 0; };
    return {{"debug", bit(0)}, {"sept_ve_disable", bit(28)}, {"pks", bit(30)},
            {"kl", bit(31)},   {"perfmon", bit(63)},         {"raw", support::to_hex(attributes)}};
}

} // namespace ccattest::tdx
