#include "ccattest/core/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace ccattest {

std::string to_hex(std::span<const uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out += digits[b >> 4U];
        out += digits[b & 0x0FU];
    }
    return out;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(text.size() / 2);
    size_t length = 0;
    // OPENSSL_hexstr2buf_ex accepts an optional separator; '\0' means none.
    if (OPENSSL_hexstr2buf_ex(out.data(), out.size(), &length, std::string(text).c_str(), '\0') !=
        1) {
        return std::nullopt;
    }
    out.resize(length);
    return out;
}

std::string to_base64(std::span<const uint8_t> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), bytes.data(),
                                       static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(length));
    return out;
}

std::optional<std::vector<uint8_t>> from_base64(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(3 * (text.size() / 4));
    const int length =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
                        static_cast<int>(text.size()));
    if (length < 0) {
        return std::nullopt;
    }
    size_t padding = 0; // EVP_DecodeBlock counts padding as zero bytes
    for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) {
        ++padding;
    }
    out.resize(static_cast<size_t>(length) - padding);
    if (to_base64(out) != text) {
        return std::nullopt;
    }
    return out;
}

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
