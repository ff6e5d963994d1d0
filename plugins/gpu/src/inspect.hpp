// The inspect view of local evidence: every field of each device's SPDM request and response
// (blocks, each opaque entry by name), its certificates, and what the token carries besides;
// decoded, never checked.
#pragma once

#include "evidence.hpp"
#include "rim.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace ccattest::gpu {

boost::json::object inspect_devices(const Evidence &evidence);

/// A RIM's measurements: [{index, active, alternatives: [hex, ...]}, ...].
boost::json::array rim_measurements_claim(const Rim &rim);

/// A RIM document's fields (unverified).
boost::json::object inspect_rim(std::span<const uint8_t> xml);

} // namespace ccattest::gpu
