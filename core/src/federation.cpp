#include "ccattest/core/federation.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"
#include "ccattest/core/logging.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <set>

namespace ccattest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A simulated platform a site may run on (config/examples/simulated-platforms.json).
struct Platform {
    std::string name;
    const json::object *entry = nullptr;

    [[nodiscard]] std::string text(const char *key) const {
        return std::string(entry->at(key).get_string());
    }
};

Platform platform_named(const std::string &name) {
    static const json::value &table = builtin_schema("simulated-platforms.json");
    const json::value *entry = table.at("platforms").get_object().if_contains(name);
    if (entry == nullptr) { // the scenario schema lists the same names
        throw ConfigError({"scenario: unknown platform \"" + name + "\""});
    }
    return {name, &entry->get_object()};
}

struct SiteSpec {
    std::string name;
    std::string role;
    bool cc_enabled = true;
    json::value policy;
    std::map<std::string, int64_t> resources;
    json::object hardware;
    Platform platform;
    /// Devices attached to the site's machine (e.g. GPUs): more platforms whose evidence the site
    /// generates, each with its simulator's settings.
    std::vector<std::pair<Platform, json::object>> attached;
    /// The other platforms of the federation, whose evidence this site verifies.
    std::vector<Platform> peer_platforms;

    [[nodiscard]] bool owns(const Platform &other) const {
        return other.name == platform.name ||
               std::any_of(attached.begin(), attached.end(),
                           [&](const auto &device) { return device.first.name == other.name; });
    }
    /// The namespaces of the evidence the site generates, for its log line.
    [[nodiscard]] std::string namespaces() const {
        std::string out = platform.text("namespace");
        for (const auto &device : attached) {
            out += " + " + device.first.text("namespace");
        }
        return out;
    }
};

struct Site {
    SiteSpec spec;
    std::unique_ptr<CCManager> manager;
};

std::string join(const std::vector<std::string> &items, const char *separator = ", ") {
    std::string out;
    for (const auto &item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

// Every message crosses as JSON text, as it would between processes.
CcInfo transmit(const CcInfo &info) {
    return CcInfo::from_text(json::serialize(info.to_json()), "cc info from " + info.site);
}

SiteSpec site_spec(const json::object &object, const std::string &role,
                   const FederationOptions &options) {
    SiteSpec spec;
    spec.name = std::string(object.at("name").get_string());
    spec.role = role;
    if (const auto *enabled = object.if_contains("cc_enabled")) {
        spec.cc_enabled = enabled->get_bool();
    }
    if (const auto *resources = object.if_contains("resources")) {
        for (const auto &[name, amount] : resources->get_object()) {
            spec.resources[std::string(name)] = amount.to_number<int64_t>();
        }
    }
    if (const auto *hardware = object.if_contains("hardware")) {
        spec.hardware = hardware->get_object();
    }
    const auto *platform = object.if_contains("platform");
    spec.platform =
        platform_named(platform != nullptr ? std::string(platform->get_string()) : "snp");
    if (const auto *attached = object.if_contains("attached")) {
        for (const auto &device : attached->get_array()) {
            const auto &entry = device.get_object();
            Platform named = platform_named(std::string(entry.at("platform").get_string()));
            if (spec.owns(named)) {
                throw ConfigError(
                    {"scenario: site \"" + spec.name + "\" has platform " + named.name + " twice"});
            }
            const auto *settings = entry.if_contains("hardware");
            spec.attached.emplace_back(named, settings != nullptr ? settings->get_object()
                                                                  : json::object{});
        }
    }
    const json::value *policy = object.if_contains("policy");
    if (policy == nullptr) {
        spec.policy = builtin_schema(spec.platform.text("policy"));
    } else if (policy->is_string()) {
        spec.policy = read_json_file(options.scenario_dir / std::string(policy->get_string()));
    } else {
        spec.policy = *policy;
    }
    return spec;
}

// The plugin entry of a platform at a site: its own (the simulator generates its evidence) or a
// peer's (verify only: the simulator's state folder is where the peers' simulated roots are).
// `hardware` (the site's settings of that simulator) is null for a peer's platform.
PluginEntry platform_entry(const SiteSpec &spec, const Platform &platform,
                           const json::object *hardware, const FederationOptions &options) {
    const bool own = hardware != nullptr;
    json::object simulator = platform.entry->at("simulator").get_object();
    simulator["state_dir"] = (options.state_dir / platform.text("state_subdir")).string();
    if (own) {
        for (const auto &[key, value] : *hardware) {
            simulator[key] = value;
        }
    }
    PluginEntry entry;
    entry.origin_file = "scenario";
    entry.origin_pointer = "/" + spec.name;
    entry.label = platform.text("label");
    entry.library = platform.text("library");
    entry.critical = true;
    entry.verify_only = !own;
    entry.config = {{"source", own && spec.cc_enabled ? "simulator" : "none"},
                    {"allow_simulated", true},
                    {"simulator", simulator}};
    return entry;
}

std::unique_ptr<CCManager> start_site(const SiteSpec &spec, const FederationOptions &options,
                                      const CCManager::Clock &clock) {
    std::vector<PluginEntry> entries = {
        platform_entry(spec, spec.platform, &spec.hardware, options)};
    for (const auto &[device, settings] : spec.attached) {
        entries.push_back(platform_entry(spec, device, &settings, options));
    }
    for (const Platform &peer : spec.peer_platforms) {
        entries.push_back(platform_entry(spec, peer, nullptr, options));
    }
    SiteConfig config;
    config.file = "scenario";
    config.site_name = spec.name;
    config.role = spec.role;
    config.plugin_dir = options.plugin_dir;
    config.plugins = std::move(entries);
    auto registry = std::make_shared<Registry>(config);
    ManagerSettings settings;
    settings.site = spec.name;
    settings.role = spec.role;
    settings.cc_enabled = spec.cc_enabled;
    settings.state_dir = options.state_dir / "sites" / spec.name;
    return std::make_unique<CCManager>(registry, Policy::parse(spec.policy, spec.name + " policy"),
                                       settings, clock);
}

} // namespace

json::value FederationResult::to_json() const {
    json::array events;
    for (const auto &e : timeline) {
        events.push_back(
            {{"time", e.time}, {"phase", e.phase}, {"site", e.site}, {"message", e.message}});
    }
    json::array runs_on;
    for (const auto &p : participants) {
        runs_on.emplace_back(p);
    }
    json::object sites;
    for (const auto &[site, state] : site_state) {
        sites[site] = state;
    }
    json::object out{{"job", job},           {"status", status},        {"reason", reason},
                     {"attempts", attempts}, {"participants", runs_on}, {"sites", sites},
                     {"timeline", events}};
    if (!expectation_note.empty()) {
        out["expectation_met"] = met_expectation;
        out["expectation"] = expectation_note;
    }
    return out;
}

void validate_scenario(const json::value &scenario, const std::string &origin) {
    static const JsonSchema schema(builtin_schema("scenario.schema.json"));
    const auto violations = schema.validate(scenario);
    if (!violations.empty()) {
        std::vector<std::string> problems;
        for (const auto &v : violations) {
            problems.push_back(config_problem(origin, v.pointer, v.message));
        }
        throw ConfigError(std::move(problems));
    }
}

FederationResult run_federation(const json::value &scenario, const FederationOptions &options) {
    validate_scenario(scenario, "scenario");
    const auto &root = scenario.get_object();
    const int64_t start = static_cast<int64_t>(std::time(nullptr));
    int64_t elapsed = 0;
    const CCManager::Clock clock = [&] { return start + elapsed; };

    FederationResult result;
    auto event = [&](const std::string &phase, const std::string &site,
                     const std::string &message) {
        result.timeline.push_back({elapsed, phase, site, message});
        logging::write(LogLevel::debug, "federation", phase + " " + site + ": " + message);
    };

    // The sites, each with its own plugins, policy and state.
    std::map<std::string, Site> sites;
    std::vector<std::string> client_names;
    const SiteSpec server_spec = site_spec(root.at("server").get_object(), "server", options);
    std::vector<SiteSpec> specs = {server_spec};
    for (const auto &client : root.at("clients").get_array()) {
        specs.push_back(site_spec(client.get_object(), "client", options));
        client_names.push_back(specs.back().name);
    }
    // Every site verifies every platform of the federation.
    for (auto &spec : specs) {
        for (const auto &other : specs) {
            std::vector<Platform> owned = {other.platform};
            for (const auto &device : other.attached) {
                owned.push_back(device.first);
            }
            for (const Platform &candidate : owned) {
                if (!spec.owns(candidate) &&
                    std::none_of(spec.peer_platforms.begin(), spec.peer_platforms.end(),
                                 [&](const Platform &p) { return p.name == candidate.name; })) {
                    spec.peer_platforms.push_back(candidate);
                }
            }
        }
    }
    for (const auto &spec : specs) {
        if (sites.count(spec.name) != 0) {
            throw ConfigError({"scenario: site \"" + spec.name + "\" appears twice"});
        }
        Site site{spec, start_site(spec, options, clock)};
        if (spec.cc_enabled) {
            site.manager->bootstrap(); // throws: a site that cannot attest does not start
            const bool debug =
                spec.hardware.contains("debug") && spec.hardware.at("debug").as_bool();
            event("bootstrap", spec.name,
                  "generated its CC tokens (" + spec.namespaces() + ", simulated hardware" +
                      (debug ? ", " + spec.platform.text("describe_debug") + ")" : ")"));
        } else {
            event("bootstrap", spec.name, "not CC-enabled: generates no tokens");
        }
        sites.emplace(spec.name, std::move(site));
    }
    CCManager &server = *sites.at(server_spec.name).manager;

    // Registration: each client sends its CC info; the server files it under the authenticated
    // name.
    std::set<std::string> registered;
    for (const auto &name : client_names) {
        const CcInfo sent = transmit(sites.at(name).manager->registration_info());
        const Verdict verdict = server.appraise(sent, name, "client", std::nullopt, true);
        if (verdict.authentic) {
            registered.insert(name);
            event("registration", name,
                  "registered; authentic tokens stored by the server" +
                      std::string(verdict.accepted ? ""
                                                   : " (its policy verdict comes at deployment)"));
        } else {
            event("registration", name, "registration refused: " + join(verdict.messages(), "; "));
            result.site_state[name] = "registration refused";
        }
    }

    // Clients that quit are forgotten: their stored tokens go, and they are no longer registered.
    if (const auto *quit = root.if_contains("quit")) {
        for (const auto &site : quit->get_array()) {
            const std::string name(site.get_string());
            if (registered.erase(name) != 0) {
                event("registration", name, "quit; the server forgets its tokens");
                result.site_state[name] = "quit";
            }
        }
    }

    // The job.
    const auto &job = root.at("job").get_object();
    result.job = std::string(job.at("name").get_string());
    std::vector<std::string> deploy_to;
    for (const auto &site : job.at("deploy_to").get_array()) {
        deploy_to.emplace_back(site.get_string());
    }
    const int64_t min_sites = job.contains("min_sites") ? job.at("min_sites").to_number<int64_t>()
                                                        : static_cast<int64_t>(deploy_to.size());
    std::vector<std::string> mandatory;
    if (const auto *m = job.if_contains("mandatory")) {
        for (const auto &site : m->get_array()) {
            mandatory.emplace_back(site.get_string());
        }
    }
    std::map<std::string, int64_t> needs;
    if (const auto *r = job.if_contains("resources")) {
        for (const auto &[name, amount] : r->get_object()) {
            needs[std::string(name)] = amount.to_number<int64_t>();
        }
    }
    int max_attempts = 1;
    int64_t retry_interval = 0;
    if (const auto *s = root.if_contains("scheduling")) {
        const auto &scheduling = s->get_object();
        if (const auto *a = scheduling.if_contains("max_attempts")) {
            max_attempts = static_cast<int>(a->to_number<int64_t>());
        }
        if (const auto *i = scheduling.if_contains("retry_interval")) {
            retry_interval = i->to_number<int64_t>();
        }
    }
    const bool exclude_failures = root.contains("on_client_failure") &&
                                  root.at("on_client_failure").get_string() == "exclude";

    auto finish_expectation = [&] {
        if (const auto *expected = root.if_contains("expected")) {
            const auto &e = expected->get_object();
            std::string note = "expected " + std::string(e.at("status").get_string());
            result.met_expectation = e.at("status").get_string() == result.status;
            if (const auto *p = e.if_contains("participants")) {
                std::vector<std::string> want;
                for (const auto &site : p->get_array()) {
                    want.emplace_back(site.get_string());
                }
                note += " on [" + join(want) + "]";
                result.met_expectation = result.met_expectation && want == result.participants;
            }
            result.expectation_note = note + (result.met_expectation ? ": met" : ": NOT met");
        }
    };

    if (job.contains("byoc") && job.at("byoc").as_bool() && server.settings().cc_enabled) {
        result.status = "refused";
        result.reason = "the job brings its own code (BYOC), which CC-enabled sites refuse";
        event("deployment", server_spec.name, result.reason);
        finish_expectation();
        return result;
    }

    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        result.attempts = attempt;
        const Challenge challenge = new_challenge();
        event("deployment", server_spec.name,
              "attempt " + std::to_string(attempt) + " of " + std::to_string(max_attempts) +
                  ": challenge issued to " + join(deploy_to));
        std::vector<std::string> candidates;
        std::vector<std::string> failed;
        std::map<std::string, CcInfo> verified;
        // Each client answers the challenge; the server appraises the answers in parallel.
        std::vector<CCManager::Submission> submissions;
        for (const auto &name : deploy_to) {
            if (sites.count(name) == 0 || sites.at(name).spec.role != "client") {
                event("verification", name, "not a client of this federation");
                result.site_state[name] = "unknown site";
                failed.push_back(name);
                continue;
            }
            if (registered.count(name) == 0) {
                event("verification", name, "not registered");
                failed.push_back(name);
                continue;
            }
            submissions.push_back({transmit(sites.at(name).manager->fresh_info(challenge)), name,
                                   "client", challenge, false});
        }
        const auto verdicts = server.appraise_all(submissions);
        for (size_t i = 0; i < submissions.size(); ++i) {
            const std::string &name = submissions[i].site;
            if (verdicts[i].accepted) {
                event("verification", name, "server policy: accepted");
                candidates.push_back(name);
                verified.emplace(name, submissions[i].info);
            } else {
                event("verification", name,
                      "server policy: REJECTED: " + join(verdicts[i].messages(), "; "));
                result.site_state[name] = "rejected by the server";
                failed.push_back(name);
            }
        }
        if (!failed.empty() && !exclude_failures) {
            result.status = "refused";
            result.reason = "the server refuses the job: " + join(failed) + " failed its policy";
            event("scheduling", server_spec.name, result.reason);
            finish_expectation();
            return result;
        }
        for (const auto &name : failed) {
            if (registered.count(name) != 0) {
                event("exclusion", name, "excluded from the deployment by the server");
            }
        }

        // Peer verification: each candidate appraises the others (and the server) with its own
        // policy.
        verified.emplace(server_spec.name, transmit(server.fresh_info(challenge)));
        std::vector<std::string> accepted;
        for (const auto &name : candidates) {
            CCManager &client = *sites.at(name).manager;
            std::vector<std::string> reasons;
            for (const auto &[peer, info] : verified) {
                if (peer == name) {
                    continue;
                }
                const std::string role = peer == server_spec.name ? "server" : "client";
                const Verdict verdict =
                    client.appraise(transmit(info), peer, role, challenge, false);
                const auto messages = verdict.messages();
                reasons.insert(reasons.end(), messages.begin(), messages.end());
            }
            if (reasons.empty()) {
                event("peer", name, "accepts the job: every peer passed its policy");
                accepted.push_back(name);
            } else {
                event("peer", name, "DECLINES the job: " + join(reasons, "; "));
                result.site_state[name] = "declined";
                event("exclusion", name, "removed from the deployment (declined)");
            }
        }

        // Scheduling: resources, mandatory sites, minimum count; then dispatch, retry or fail.
        std::vector<std::string> participants;
        for (const auto &name : accepted) {
            std::vector<std::string> lacking;
            for (const auto &[resource, amount] : needs) {
                const auto &have = sites.at(name).spec.resources;
                const auto found = have.find(resource);
                if (found == have.end() || found->second < amount) {
                    lacking.push_back(resource + " " +
                                      std::to_string(found == have.end() ? 0 : found->second) +
                                      " < " + std::to_string(amount));
                }
            }
            if (lacking.empty()) {
                participants.push_back(name);
            } else {
                event("scheduling", name, "lacks resources: " + join(lacking));
                result.site_state[name] = "lacks resources";
            }
        }
        std::vector<std::string> missing_mandatory;
        for (const auto &name : mandatory) {
            if (std::find(participants.begin(), participants.end(), name) == participants.end()) {
                missing_mandatory.push_back(name);
            }
        }
        std::string problem;
        if (!missing_mandatory.empty()) {
            problem = "mandatory site(s) " + join(missing_mandatory) + " cannot take part";
        } else if (static_cast<int64_t>(participants.size()) < min_sites) {
            problem = std::to_string(participants.size()) +
                      " site(s) remain, the job needs at least " + std::to_string(min_sites);
        }
        if (problem.empty()) {
            result.status = "dispatched";
            result.participants = participants;
            for (const auto &name : participants) {
                result.site_state[name] = "runs the job";
            }
            event("scheduling", server_spec.name, "job dispatched to " + join(participants));
            break;
        }
        if (attempt < max_attempts) {
            event("scheduling", server_spec.name,
                  problem + "; pending retry in " + std::to_string(retry_interval) + " s");
            elapsed += retry_interval;
            continue;
        }
        result.status = "failed";
        result.reason = problem + " (after " + std::to_string(attempt) + " attempt(s))";
        event("scheduling", server_spec.name, "job failed: " + result.reason);
        finish_expectation();
        return result;
    }

    // Periodic re-verification of the running job, every check_frequency seconds.
    if (const auto *check = root.if_contains("periodic_check");
        check != nullptr && result.status == "dispatched") {
        const auto &c = check->get_object();
        const int64_t frequency = c.at("check_frequency").to_number<int64_t>();
        const int64_t checks = c.contains("checks") ? c.at("checks").to_number<int64_t>() : 1;
        const int64_t degrade_at = c.contains("degrade_before_check")
                                       ? c.at("degrade_before_check").to_number<int64_t>()
                                       : 1;
        const std::string reaction =
            c.contains("reaction") ? std::string(c.at("reaction").get_string()) : "stop_job";
        for (int64_t round = 1; round <= checks && result.status == "dispatched"; ++round) {
            elapsed += frequency;
            if (const auto *degrade = c.if_contains("degrade");
                degrade != nullptr && round == degrade_at) {
                const std::string name(degrade->get_string());
                if (sites.count(name) != 0) {
                    SiteSpec changed = sites.at(name).spec;
                    changed.hardware["debug"] = true;
                    sites.at(name).manager = start_site(changed, options, clock);
                    event("check", name, "its VM was relaunched with debugging allowed");
                }
            }
            const Challenge challenge = new_challenge();
            std::vector<CCManager::Submission> submissions;
            for (const auto &name : result.participants) {
                submissions.push_back({transmit(sites.at(name).manager->fresh_info(challenge)),
                                       name, "client", challenge, false});
            }
            const auto verdicts = server.appraise_all(submissions);
            std::vector<std::string> failing;
            for (size_t i = 0; i < submissions.size(); ++i) {
                const std::string &name = submissions[i].site;
                if (verdicts[i].accepted) {
                    event("check", name, "re-verification " + std::to_string(round) + " passed");
                } else {
                    failing.push_back(name);
                    event("check", name,
                          "re-verification " + std::to_string(round) +
                              " FAILED: " + join(verdicts[i].messages(), "; "));
                }
            }
            if (!failing.empty()) {
                result.status = "stopped";
                result.reason = "periodic re-verification failed for " + join(failing) +
                                (reaction == "shutdown" ? "; the failing site(s) shut down"
                                                        : "; the job is stopped");
                for (const auto &name : failing) {
                    result.site_state[name] =
                        reaction == "shutdown" ? "shut down" : "failed re-verification";
                }
                event("check", server_spec.name, result.reason);
            }
        }
    }
    finish_expectation();
    return result;
}

} // namespace ccattest
