// run_timer: times whole processes, a baseline command and a subject command run alternately, so
// both see the same machine state (caches, load, frequency). Each run is fork + exec + wait, timed
// from just before fork to the child's exit with the monotonic clock: no shell in between.
//
//   run_timer [--runs N] [--warmup N] BASELINE... -- SUBJECT...
//
// Prints each command's median, minimum and 90th percentile wall time, median CPU time (user +
// system) and median minor page faults, the ratio of the medians and the median of the per-pair
// ratios (wall time). Output of the commands goes to /dev/null. Exit status: 0, 1 when a command
// fails (exit status not 0), 2 on bad usage.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct Sample {
    double milliseconds = 0;     ///< wall time
    double cpu_milliseconds = 0; ///< user + system time of the child: less sensitive to load
    long minor_faults = 0;
};

struct Usage {
    int runs = 50;
    int warmup = 3;
    std::vector<std::string> baseline;
    std::vector<std::string> subject;
};

[[noreturn]] void usage_error(const std::string &problem) {
    std::cerr << "run_timer: " << problem
              << "\nusage: run_timer [--runs N] [--warmup N] BASELINE... -- SUBJECT...\n";
    std::exit(2);
}

int count_option(const char *name, const char *value) {
    char *end = nullptr;
    errno = 0;
    const long parsed = value != nullptr ? std::strtol(value, &end, 10) : 0;
    if (value == nullptr || end == value || *end != '\0' || errno != 0 || parsed < 0 ||
        parsed > 100000) {
        usage_error(std::string(name) + " needs a whole number from 0 to 100000");
    }
    return static_cast<int>(parsed);
}

Usage parse(int argc, char **argv) {
    Usage usage;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--runs") {
            usage.runs = count_option("--runs", i + 1 < argc ? argv[i + 1] : nullptr);
            ++i;
        } else if (arg == "--warmup") {
            usage.warmup = count_option("--warmup", i + 1 < argc ? argv[i + 1] : nullptr);
            ++i;
        } else {
            break;
        }
    }
    bool after_separator = false;
    for (; i < argc; ++i) {
        if (!after_separator && std::strcmp(argv[i], "--") == 0) {
            after_separator = true;
        } else {
            (after_separator ? usage.subject : usage.baseline).emplace_back(argv[i]);
        }
    }
    if (usage.baseline.empty() || usage.subject.empty()) {
        usage_error("a baseline command and, after --, a subject command are needed");
    }
    if (usage.runs < 1) {
        usage_error("--runs must be at least 1");
    }
    return usage;
}

// Runs the command once; nullopt when it could not run or exited with a status other than 0.
std::optional<Sample> run_once(const std::vector<std::string> &command) {
    std::vector<char *> argv;
    for (const auto &arg : command) {
        argv.push_back(const_cast<char *>(arg.c_str()));
    }
    argv.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child < 0) {
        return std::nullopt;
    }
    if (child == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    if (::wait4(child, &status, 0, &usage) != child) {
        return std::nullopt;
    }
    const auto end = std::chrono::steady_clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return std::nullopt;
    }
    const auto cpu = [](const timeval &t) {
        return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
    };
    return Sample{std::chrono::duration<double, std::milli>(end - start).count(),
                  cpu(usage.ru_utime) + cpu(usage.ru_stime), usage.ru_minflt};
}

template <typename T> T median(std::vector<T> values) {
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double percentile(std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    const auto index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
    return values[index];
}

std::string joined(const std::vector<std::string> &command) {
    std::string out;
    for (const auto &arg : command) {
        out += (out.empty() ? "" : " ") + arg;
    }
    return out;
}

void report(const char *label, const std::vector<std::string> &command,
            const std::vector<Sample> &samples) {
    std::vector<double> times;
    std::vector<double> cpu;
    std::vector<long> faults;
    for (const auto &s : samples) {
        times.push_back(s.milliseconds);
        cpu.push_back(s.cpu_milliseconds);
        faults.push_back(s.minor_faults);
    }
    std::printf("%-8s median %7.3f ms  min %7.3f  p90 %7.3f  cpu %7.3f ms  page faults %ld  (%s)\n",
                label, median(times), *std::min_element(times.begin(), times.end()),
                percentile(times, 0.9), median(cpu), median(faults), joined(command).c_str());
}

} // namespace

int main(int argc, char **argv) {
    const Usage usage = parse(argc, argv);
    std::vector<Sample> baseline;
    std::vector<Sample> subject;
    std::vector<double> ratios;
    for (int i = 0; i < usage.warmup + usage.runs; ++i) {
        const auto base = run_once(usage.baseline);
        const auto measured = run_once(usage.subject);
        if (!base || !measured) {
            std::cerr << "run_timer: " << joined(base ? usage.subject : usage.baseline)
                      << " did not run or exited with a status other than 0\n";
            return 1;
        }
        if (i < usage.warmup) {
            continue;
        }
        baseline.push_back(*base);
        subject.push_back(*measured);
        ratios.push_back(measured->milliseconds / base->milliseconds);
    }
    std::vector<double> base_times;
    std::vector<double> subject_times;
    for (size_t i = 0; i < baseline.size(); ++i) {
        base_times.push_back(baseline[i].milliseconds);
        subject_times.push_back(subject[i].milliseconds);
    }
    std::printf("%d runs of each, alternating, after %d warm-up runs of each\n", usage.runs,
                usage.warmup);
    report("baseline", usage.baseline, baseline);
    report("subject", usage.subject, subject);
    std::printf("ratio of medians %.2f, median of per-run ratios %.2f\n",
                median(subject_times) / median(base_times), median(ratios));
    return 0;
}
