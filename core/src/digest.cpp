#include "ccattest/core/digest.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace ccattest {

std::array<uint8_t, 32> sha256_of_descriptor(int descriptor) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("cannot initialise SHA-256");
    }
    std::array<uint8_t, 65536> block{};
    off_t offset = 0;
    for (;;) {
        const ssize_t got = pread(descriptor, block.data(), block.size(), offset);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error(std::string("read failed: ") + std::strerror(errno));
        }
        if (got == 0) {
            break;
        }
        EVP_DigestUpdate(context.get(), block.data(), static_cast<size_t>(got));
        offset += got;
    }
    std::array<uint8_t, 32> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest.data(), &length);
    return digest;
}

} // namespace ccattest
