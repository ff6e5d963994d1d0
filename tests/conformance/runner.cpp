// ccattest-conformance: runs the conformance checks against one plugin and reports them.
// Exit status: 0 every applicable check passed, 1 a check failed (or the plugin crashed the run),
// 2 usage error.
#include "ccattest/conformance.hpp"

#include "ccattest/core/config.hpp"

#include <ccattest/support/bytes.hpp>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {
namespace po = boost::program_options;
namespace json = boost::json;
using ccattest::conformance::CheckResult;
using ccattest::conformance::Outcome;

std::string read_text(const std::string &file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs the suite in a child process, so a plugin that crashes is reported, not fatal: the child
// announces each check before running it and sends each result as a JSON line.
std::vector<CheckResult> run_isolated(const ccattest::conformance::Options &options) {
    int channel[2];
    if (::pipe(channel) != 0) {
        throw std::runtime_error("pipe failed");
    }
    (void)std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0) {
        throw std::runtime_error("fork failed");
    }
    if (child == 0) {
        ::close(channel[0]);
        FILE *out = ::fdopen(channel[1], "w");
        for (const auto &result : ccattest::conformance::run_all(options)) {
            const json::object line{
                {"id", result.id},
                {"outcome", ccattest::conformance::outcome_name(result.outcome)},
                {"detail", result.detail}};
            (void)std::fprintf(out, "%s\n", json::serialize(line).c_str());
        }
        (void)std::fclose(out);
        std::exit(0); // runs LeakSanitizer in sanitizer builds
    }
    ::close(channel[1]);
    FILE *in = ::fdopen(channel[0], "r");
    std::vector<CheckResult> results;
    char *line = nullptr;
    size_t capacity = 0;
    while (::getline(&line, &capacity, in) > 0) {
        const auto value = json::parse(line).as_object();
        CheckResult result;
        result.id = std::string(value.at("id").as_string());
        const std::string outcome(value.at("outcome").as_string());
        result.outcome = outcome == "pass"   ? Outcome::pass
                         : outcome == "skip" ? Outcome::skip
                                             : Outcome::fail;
        result.detail = std::string(value.at("detail").as_string());
        results.push_back(std::move(result));
    }
    std::free(line);
    (void)std::fclose(in);
    int status = 0;
    ::waitpid(child, &status, 0);
    const auto &all = ccattest::conformance::checks();
    const size_t received = results.size();
    std::string crash;
    if (WIFSIGNALED(status)) {
        crash = "the plugin crashed the suite (signal " + std::to_string(WTERMSIG(status)) + ")";
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        crash = "the suite's process exited with status " + std::to_string(WEXITSTATUS(status));
    }
    for (size_t i = 0; i < all.size(); ++i) {
        if (i >= received) {
            results.push_back({all[i].id,
                               {},
                               i == received ? Outcome::fail : Outcome::skip,
                               i == received ? crash : "not run: an earlier check crashed"});
        }
        results[i].title = all[i].title;
    }
    if (!crash.empty() && received == all.size()) {
        // every check reported, yet the process died afterwards (e.g. in a destructor or at exit)
        results.push_back({"CC-RUN-1", "the suite's process ends cleanly", Outcome::fail, crash});
    }
    return results;
}

} // namespace

int main(int argc, char **argv) {
    po::options_description description("ccattest-conformance --plugin PATH [options]\n\n"
                                        "Runs the ccattest plugin conformance checks "
                                        "(tests/conformance/README.md) against one plugin.\n"
                                        "Exit status: 0 every applicable check passed, 1 a check "
                                        "failed, 2 usage error.\n\nOptions");
    description.add_options()("help,h", "show this help")(
        "plugin", po::value<std::string>()->value_name("PATH"), "the plugin's shared object")(
        "config", po::value<std::string>()->value_name("FILE"),
        "a JSON file with a valid config for the plugin (default: {})")(
        "allow-simulated", "the config lets the plugin use its simulator (recorded in the report)")(
        "token", po::value<std::string>()->value_name("FILE"),
        "a valid token, for plugins that cannot generate here")(
        "report-data", po::value<std::string>()->value_name("HEX"),
        "the report data --token binds")("at", po::value<int64_t>()->value_name("SECONDS"),
                                         "verification time (default: now)")(
        "junit", po::value<std::string>()->value_name("FILE"),
        "write a JUnit XML report")("json", po::value<std::string>()->value_name("FILE"),
                                    "write a JSON report")("list", "list the checks and exit");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, description), values);
        po::notify(values);
    } catch (const po::error &e) {
        std::cerr << "ccattest-conformance: " << e.what() << '\n';
        return 2;
    }
    if (values.count("help") != 0) {
        std::cout << description << '\n';
        return 0;
    }
    if (values.count("list") != 0) {
        for (const auto &check : ccattest::conformance::checks()) {
            std::cout << check.id << "  " << check.title << '\n';
        }
        return 0;
    }
    if (values.count("plugin") == 0) {
        std::cerr << "ccattest-conformance: --plugin is required (see --help)\n";
        return 2;
    }
    ccattest::conformance::Options options;
    try {
        options.plugin = values["plugin"].as<std::string>();
        if (values.count("config") != 0) {
            const std::string file = values["config"].as<std::string>();
            options.config_json = json::serialize(ccattest::read_json_file(file));
        }
        options.allow_simulated = values.count("allow-simulated") != 0;
        if (values.count("token") != 0) {
            const std::string text = read_text(values["token"].as<std::string>());
            options.token = std::vector<uint8_t>(text.begin(), text.end());
            const auto data =
                values.count("report-data") != 0
                    ? ccattest::support::parse_hex(values["report-data"].as<std::string>())
                    : std::nullopt;
            if (!data || data->size() != 64) {
                std::cerr << "ccattest-conformance: --token needs --report-data (128 hex digits)\n";
                return 2;
            }
            options.token_report_data.emplace();
            std::copy(data->begin(), data->end(), options.token_report_data->begin());
        }
        if (values.count("at") != 0) {
            options.verification_time = values["at"].as<int64_t>();
        }
    } catch (const std::exception &e) {
        std::cerr << "ccattest-conformance: " << e.what() << '\n';
        return 2;
    }

    const auto results = run_isolated(options);
    size_t passed = 0;
    size_t failed = 0;
    size_t skipped = 0;
    std::cout << "ccattest conformance: " << options.plugin.string() << '\n';
    for (const auto &r : results) {
        passed += r.outcome == Outcome::pass ? 1 : 0;
        failed += r.outcome == Outcome::fail ? 1 : 0;
        skipped += r.outcome == Outcome::skip ? 1 : 0;
        std::cout << "  " << ccattest::conformance::outcome_name(r.outcome) << "  " << r.id << "  "
                  << r.title << (r.detail.empty() ? "" : "\n        " + r.detail) << '\n';
    }
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
    if (values.count("junit") != 0) {
        std::ofstream(values["junit"].as<std::string>())
            << ccattest::conformance::junit_xml(results, options.plugin.filename().string());
    }
    if (values.count("json") != 0) {
        std::ofstream(values["json"].as<std::string>())
            << ccattest::conformance::json_report(results, options);
    }
    return failed == 0 ? 0 : 1;
}
