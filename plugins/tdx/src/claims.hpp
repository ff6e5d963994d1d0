// Claims shared by the quote verifier and the Intel Trust Authority token mapping, so both name
// and decode the TD's attributes the same way.
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>

namespace ccattest::tdx {

/// TD_ATTRIBUTES (8 bytes, a little-endian u64 as the TD report holds it) as
/// {"debug", "sept_ve_disable", "pks", "kl", "perfmon", "raw"}: bits 0 (DEBUG),
/// 28 (SEPT_VE_DISABLE), 30 (PKS), 31 (KL) and 63 (PERFMON); "raw" is the 8 bytes as lower-case
/// hex in report order.
boost::json::object td_attributes_claim(std::array<uint8_t, 8> attributes);

} // namespace ccattest::tdx
