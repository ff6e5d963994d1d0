// Simulation kit: a JWS signer (compact serialization) and JWK export, for tests and for the
// simulators of attestation services' tokens.
#pragma once

#include "ccattest/support/jose.hpp"
#include "ccattest/support/sim/state.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace ccattest::support {

/// base64url(header_json) '.' base64url(payload) '.' base64url(signature) with `key` under
/// `algorithm` (ES: raw r||s). The header text is used as given, so tests can sign any header
/// (alg "none", a duplicate member, a crit list); sign_jws builds a normal one.
std::string sign_jws_compact(std::string_view header_json, std::span<const uint8_t> payload,
                             EVP_PKEY *key, JwsAlgorithm algorithm);

/// A JWS with header {"alg": <algorithm>, "kid": <kid> (when not empty), ...extra} and
/// `payload`.
std::string sign_jws(JwsAlgorithm algorithm, EVP_PKEY *key, std::string_view kid,
                     std::string_view payload, const boost::json::object &extra_header = {});

/// The public JWK of `key` (RSA or EC P-256/P-384) with kid, and alg, use and x5c (standard
/// base64 DER, leaf first) when given.
boost::json::object jwk_of(EVP_PKEY *key, std::string_view kid, std::string_view alg = {},
                           std::string_view use = {}, const std::vector<Certificate> &x5c = {});

/// {"keys": [...]} of JWKs, serialized.
std::string jwks_text(const std::vector<boost::json::object> &keys);

} // namespace ccattest::support
