// Driver for fuzz targets in ordinary builds (the CI smoke): runs every seed file given (files or
// folders), then a fixed number of deterministic mutations of each seed (byte flips, truncations,
// insertions). Under the asan preset this exercises the target with sanitizers without libFuzzer.
// Seeds run in file-name order, so a run is reproducible; LLVMFuzzerInitialize, when the target
// defines one, runs first, as libFuzzer runs it.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

namespace {
// The input being run, written to replay-crash-<pid> when the target aborts (a finding, an
// uncaught exception, or a sanitizer report under abort_on_error=1), so the failure can be
// replayed alone. SIGSEGV is left to the sanitizers (a stack overflow needs their handler).
const std::vector<uint8_t> *current = nullptr;

void save_current(int signal_number) {
    if (current != nullptr) {
        char name[64];
        const int length =
            std::snprintf(name, sizeof name, "replay-crash-%ld", static_cast<long>(::getpid()));
        const int fd = ::open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0 && length > 0) {
            (void)!::write(fd, current->data(), current->size());
            ::close(fd);
            (void)!::write(2, "input saved as ", 15);
            (void)!::write(2, name, static_cast<size_t>(length));
            (void)!::write(2, "\n", 1);
        }
    }
    (void)std::signal(signal_number, SIG_DFL);
    (void)std::raise(signal_number);
}

std::vector<uint8_t> read(const std::filesystem::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize != nullptr) {
        (void)LLVMFuzzerInitialize(&argc, &argv);
    }
    std::vector<std::vector<uint8_t>> seeds;
    size_t mutations = 2000;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument.rfind("--mutations=", 0) == 0) {
            mutations = std::stoul(argument.substr(12));
            continue;
        }
        const std::filesystem::path path(argument);
        if (std::filesystem::is_directory(path)) {
            std::vector<std::filesystem::path> files;
            for (const auto &entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
            std::sort(files.begin(), files.end());
            for (const auto &file : files) {
                seeds.push_back(read(file));
            }
        } else {
            seeds.push_back(read(path));
        }
    }
    (void)std::signal(SIGABRT, save_current);
    std::mt19937_64 random(20261127);
    size_t runs = 0;
    for (const auto &seed : seeds) {
        current = &seed;
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        ++runs;
        for (size_t m = 0; m < mutations; ++m) {
            std::vector<uint8_t> input = seed;
            switch (random() % 4) {
            case 0:
                if (!input.empty()) {
                    input[random() % input.size()] ^= static_cast<uint8_t>(1U << (random() % 8));
                }
                break;
            case 1: input.resize(input.empty() ? 0 : random() % input.size()); break;
            case 2:
                input.insert(input.begin() +
                                 static_cast<long>(input.empty() ? 0 : random() % input.size()),
                             static_cast<uint8_t>(random()));
                break;
            default:
                for (int k = 0; k < 8 && !input.empty(); ++k) {
                    input[random() % input.size()] = static_cast<uint8_t>(random());
                }
            }
            current = &input;
            LLVMFuzzerTestOneInput(input.data(), input.size());
            ++runs;
        }
    }
    std::cout << runs << " inputs run, 0 failed\n";
    return seeds.empty() ? EXIT_FAILURE : EXIT_SUCCESS;
}
