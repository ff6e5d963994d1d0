// Owners for OpenSSL objects the support library's modules share, so each is written once.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>

namespace ccattest::support {

struct BnDeleter {
    void operator()(BIGNUM *p) const noexcept { BN_free(p); }
};
struct BioDeleter {
    void operator()(BIO *p) const noexcept { BIO_free(p); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *p) const noexcept { EVP_MD_CTX_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

} // namespace ccattest::support
