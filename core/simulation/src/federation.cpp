#include "ccattest/simulation/federation.hpp"

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

const json::object &platform_table() {
    static const json::value &table = builtin_schema("simulated-platforms.json");
    return table.get_object();
}

Platform platform_named(const std::string &name) {
    const json::value *entry = platform_table().at("platforms").get_object().if_contains(name);
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
    spec.platform = platform_named(std::string(
        (platform != nullptr ? *platform : platform_table().at("default_platform")).get_string()));
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
    require_valid(schema, scenario, origin);
}

namespace {

// What the scenario's job asks of the scheduler.
struct JobSpec {
    std::vector<std::string> deploy_to;
    int64_t min_sites = 0;
    std::vector<std::string> mandatory;
    std::map<std::string, int64_t> needs; ///< resource -> amount per site
    int max_attempts = 1;
    int64_t retry_interval = 0;
    bool exclude_failures = false; ///< on_client_failure "exclude" (else the job is refused)
    bool byoc = false;
};

std::vector<std::string> strings_of(const json::value *array) {
    std::vector<std::string> out;
    if (array != nullptr) {
        for (const auto &item : array->get_array()) {
            out.emplace_back(item.get_string());
        }
    }
    return out;
}

JobSpec job_spec(const json::object &root) {
    const auto &job = root.at("job").get_object();
    JobSpec spec;
    spec.deploy_to = strings_of(job.if_contains("deploy_to"));
    spec.min_sites = job.contains("min_sites") ? job.at("min_sites").to_number<int64_t>()
                                               : static_cast<int64_t>(spec.deploy_to.size());
    spec.mandatory = strings_of(job.if_contains("mandatory"));
    if (const auto *r = job.if_contains("resources")) {
        for (const auto &[name, amount] : r->get_object()) {
            spec.needs[std::string(name)] = amount.to_number<int64_t>();
        }
    }
    if (const auto *s = root.if_contains("scheduling")) {
        const auto &scheduling = s->get_object();
        if (const auto *a = scheduling.if_contains("max_attempts")) {
            spec.max_attempts = static_cast<int>(a->to_number<int64_t>());
        }
        if (const auto *i = scheduling.if_contains("retry_interval")) {
            spec.retry_interval = i->to_number<int64_t>();
        }
    }
    spec.exclude_failures = root.contains("on_client_failure") &&
                            root.at("on_client_failure").get_string() == "exclude";
    spec.byoc = job.contains("byoc") && job.at("byoc").as_bool();
    return spec;
}

// The clients the server accepted at deployment, with the evidence they answered with.
struct ServerAppraisal {
    std::vector<std::string> candidates;
    std::vector<std::string> failed;
    std::map<std::string, CcInfo> verified;
};

// One run of a scenario: the sites, the simulated clock and the timeline. Each step of the flow
// (DESIGN.md) is one member function.
class FederationRun {
public:
    FederationRun(const json::object &root, const FederationOptions &options)
        : root_(root), options_(options), start_(static_cast<int64_t>(std::time(nullptr))),
          clock_([this] { return start_ + elapsed_; }) {}

    FederationResult run() {
        start_sites();
        register_clients();
        forget_quitters();
        const JobSpec job = job_spec(root_);
        result_.job = std::string(root_.at("job").at("name").get_string());
        if (job.byoc && server().settings().cc_enabled) {
            refuse("deployment", "the job brings its own code (BYOC), which CC-enabled sites "
                                 "refuse");
            return finish();
        }
        if (!deploy(job)) {
            return finish();
        }
        if (const auto *check = root_.if_contains("periodic_check")) {
            run_periodic_checks(check->get_object());
        }
        return finish();
    }

private:
    void event(const std::string &phase, const std::string &site, const std::string &message) {
        result_.timeline.push_back({elapsed_, phase, site, message});
        logging::write(LogLevel::debug, "federation", phase + " " + site + ": " + message);
    }
    CCManager &server() { return *sites_.at(server_name_).manager; }
    CCManager &manager(const std::string &name) { return *sites_.at(name).manager; }

    std::vector<SiteSpec> site_specs();
    void start_sites();
    void register_clients();
    void forget_quitters();
    bool deploy(const JobSpec &job);
    ServerAppraisal appraise_at_server(const JobSpec &job, const Challenge &challenge);
    std::vector<std::string> appraise_peers(const std::vector<std::string> &candidates,
                                            std::map<std::string, CcInfo> verified,
                                            const Challenge &challenge);
    std::vector<std::string> schedule(const JobSpec &job, const std::vector<std::string> &accepted);
    std::string scheduling_problem(const JobSpec &job,
                                   const std::vector<std::string> &participants) const;
    void run_periodic_checks(const json::object &check);
    void degrade_site(const std::string &name);
    std::vector<std::string> reverify_participants(int64_t round);
    void refuse(const std::string &phase, const std::string &reason);
    FederationResult finish();

    const json::object &root_;
    const FederationOptions &options_;
    const int64_t start_;
    int64_t elapsed_ = 0;
    const CCManager::Clock clock_;
    FederationResult result_;
    std::map<std::string, Site> sites_;
    std::string server_name_;
    std::vector<std::string> client_names_;
    std::set<std::string> registered_;
};

// The scenario's sites; every site verifies every platform of the federation.
std::vector<SiteSpec> FederationRun::site_specs() {
    std::vector<SiteSpec> specs = {site_spec(root_.at("server").get_object(), "server", options_)};
    for (const auto &client : root_.at("clients").get_array()) {
        specs.push_back(site_spec(client.get_object(), "client", options_));
        client_names_.push_back(specs.back().name);
    }
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
    return specs;
}

// Bootstrap: each site with its own plugins, policy and state generates its tokens; a site that
// cannot attest does not start (bootstrap throws).
void FederationRun::start_sites() {
    const std::vector<SiteSpec> specs = site_specs();
    server_name_ = specs.front().name;
    for (const auto &spec : specs) {
        if (sites_.count(spec.name) != 0) {
            throw ConfigError({"scenario: site \"" + spec.name + "\" appears twice"});
        }
        Site site{spec, start_site(spec, options_, clock_)};
        if (spec.cc_enabled) {
            site.manager->bootstrap();
            const bool debug =
                spec.hardware.contains("debug") && spec.hardware.at("debug").as_bool();
            event("bootstrap", spec.name,
                  "generated its CC tokens (" + spec.namespaces() + ", simulated hardware" +
                      (debug ? ", " + spec.platform.text("describe_debug") + ")" : ")"));
        } else {
            event("bootstrap", spec.name, "not CC-enabled: generates no tokens");
        }
        sites_.emplace(spec.name, std::move(site));
    }
}

// Registration: each client sends its CC info; the server files it under the authenticated name.
void FederationRun::register_clients() {
    for (const auto &name : client_names_) {
        const CcInfo sent = transmit(manager(name).registration_info());
        const Verdict verdict = server().appraise(sent, name, "client", std::nullopt, true);
        if (verdict.authentic) {
            registered_.insert(name);
            event("registration", name,
                  "registered; authentic tokens stored by the server" +
                      std::string(verdict.accepted ? ""
                                                   : " (its policy verdict comes at deployment)"));
        } else {
            event("registration", name, "registration refused: " + join(verdict.messages(), "; "));
            result_.site_state[name] = "registration refused";
        }
    }
}

// Clients that quit are forgotten: their stored tokens go, and they are no longer registered.
void FederationRun::forget_quitters() {
    for (const auto &name : strings_of(root_.if_contains("quit"))) {
        if (registered_.erase(name) != 0) {
            event("registration", name, "quit; the server forgets its tokens");
            result_.site_state[name] = "quit";
        }
    }
}

// Deployment attempts until the job is dispatched; false when it is refused or fails.
bool FederationRun::deploy(const JobSpec &job) {
    for (int attempt = 1; attempt <= job.max_attempts; ++attempt) {
        result_.attempts = attempt;
        const Challenge challenge = new_challenge();
        event("deployment", server_name_,
              "attempt " + std::to_string(attempt) + " of " + std::to_string(job.max_attempts) +
                  ": challenge issued to " + join(job.deploy_to));
        ServerAppraisal appraisal = appraise_at_server(job, challenge);
        if (!appraisal.failed.empty() && !job.exclude_failures) {
            refuse("scheduling",
                   "the server refuses the job: " + join(appraisal.failed) + " failed its policy");
            return false;
        }
        for (const auto &name : appraisal.failed) {
            if (registered_.count(name) != 0) {
                event("exclusion", name, "excluded from the deployment by the server");
            }
        }
        const auto accepted =
            appraise_peers(appraisal.candidates, std::move(appraisal.verified), challenge);
        const auto participants = schedule(job, accepted);
        const std::string problem = scheduling_problem(job, participants);
        if (problem.empty()) {
            result_.status = "dispatched";
            result_.participants = participants;
            for (const auto &name : participants) {
                result_.site_state[name] = "runs the job";
            }
            event("scheduling", server_name_, "job dispatched to " + join(participants));
            return true;
        }
        if (attempt < job.max_attempts) {
            event("scheduling", server_name_,
                  problem + "; pending retry in " + std::to_string(job.retry_interval) + " s");
            elapsed_ += job.retry_interval;
            continue;
        }
        result_.status = "failed";
        result_.reason = problem + " (after " + std::to_string(attempt) + " attempt(s))";
        event("scheduling", server_name_, "job failed: " + result_.reason);
    }
    return false;
}

// Each client named by the job answers the challenge; the server appraises the answers in
// parallel.
ServerAppraisal FederationRun::appraise_at_server(const JobSpec &job, const Challenge &challenge) {
    ServerAppraisal out;
    std::vector<CCManager::Submission> submissions;
    for (const auto &name : job.deploy_to) {
        if (sites_.count(name) == 0 || sites_.at(name).spec.role != "client") {
            event("verification", name, "not a client of this federation");
            result_.site_state[name] = "unknown site";
            out.failed.push_back(name);
            continue;
        }
        if (registered_.count(name) == 0) {
            event("verification", name, "not registered");
            out.failed.push_back(name);
            continue;
        }
        submissions.push_back(
            {transmit(manager(name).fresh_info(challenge)), name, "client", challenge, false});
    }
    const auto verdicts = server().appraise_all(submissions);
    for (size_t i = 0; i < submissions.size(); ++i) {
        const std::string &name = submissions[i].site;
        if (verdicts[i].accepted) {
            event("verification", name, "server policy: accepted");
            out.candidates.push_back(name);
            out.verified.emplace(name, submissions[i].info);
        } else {
            event("verification", name,
                  "server policy: REJECTED: " + join(verdicts[i].messages(), "; "));
            result_.site_state[name] = "rejected by the server";
            out.failed.push_back(name);
        }
    }
    return out;
}

// Peer verification: each candidate appraises the others (and the server) with its own policy and
// may decline. Returns the candidates that accept.
std::vector<std::string> FederationRun::appraise_peers(const std::vector<std::string> &candidates,
                                                       std::map<std::string, CcInfo> verified,
                                                       const Challenge &challenge) {
    verified.emplace(server_name_, transmit(server().fresh_info(challenge)));
    std::vector<std::string> accepted;
    for (const auto &name : candidates) {
        std::vector<std::string> reasons;
        for (const auto &[peer, info] : verified) {
            if (peer == name) {
                continue;
            }
            const std::string role = peer == server_name_ ? "server" : "client";
            const auto messages =
                manager(name).appraise(transmit(info), peer, role, challenge, false).messages();
            reasons.insert(reasons.end(), messages.begin(), messages.end());
        }
        if (reasons.empty()) {
            event("peer", name, "accepts the job: every peer passed its policy");
            accepted.push_back(name);
        } else {
            event("peer", name, "DECLINES the job: " + join(reasons, "; "));
            result_.site_state[name] = "declined";
            event("exclusion", name, "removed from the deployment (declined)");
        }
    }
    return accepted;
}

// The accepting sites that have the resources the job needs.
std::vector<std::string> FederationRun::schedule(const JobSpec &job,
                                                 const std::vector<std::string> &accepted) {
    std::vector<std::string> participants;
    for (const auto &name : accepted) {
        std::vector<std::string> lacking;
        const auto &have = sites_.at(name).spec.resources;
        for (const auto &[resource, amount] : job.needs) {
            const auto found = have.find(resource);
            if (found == have.end() || found->second < amount) {
                lacking.push_back(resource + " " +
                                  std::to_string(found == have.end() ? 0 : found->second) + " < " +
                                  std::to_string(amount));
            }
        }
        if (lacking.empty()) {
            participants.push_back(name);
        } else {
            event("scheduling", name, "lacks resources: " + join(lacking));
            result_.site_state[name] = "lacks resources";
        }
    }
    return participants;
}

// Why the job cannot run on `participants` (mandatory sites, minimum count), or "".
std::string FederationRun::scheduling_problem(const JobSpec &job,
                                              const std::vector<std::string> &participants) const {
    std::vector<std::string> missing_mandatory;
    for (const auto &name : job.mandatory) {
        if (std::find(participants.begin(), participants.end(), name) == participants.end()) {
            missing_mandatory.push_back(name);
        }
    }
    if (!missing_mandatory.empty()) {
        return "mandatory site(s) " + join(missing_mandatory) + " cannot take part";
    }
    if (static_cast<int64_t>(participants.size()) < job.min_sites) {
        return std::to_string(participants.size()) + " site(s) remain, the job needs at least " +
               std::to_string(job.min_sites);
    }
    return {};
}

// Periodic re-verification of the running job, every check_frequency seconds; a failure stops the
// job or shuts the failing sites down.
void FederationRun::run_periodic_checks(const json::object &check) {
    const int64_t frequency = check.at("check_frequency").to_number<int64_t>();
    const int64_t checks = check.contains("checks") ? check.at("checks").to_number<int64_t>() : 1;
    const int64_t degrade_at = check.contains("degrade_before_check")
                                   ? check.at("degrade_before_check").to_number<int64_t>()
                                   : 1;
    const std::string reaction =
        check.contains("reaction") ? std::string(check.at("reaction").get_string()) : "stop_job";
    for (int64_t round = 1; round <= checks && result_.status == "dispatched"; ++round) {
        elapsed_ += frequency;
        if (const auto *degrade = check.if_contains("degrade");
            degrade != nullptr && round == degrade_at) {
            degrade_site(std::string(degrade->get_string()));
        }
        const auto failing = reverify_participants(round);
        if (failing.empty()) {
            continue;
        }
        result_.status = "stopped";
        result_.reason =
            "periodic re-verification failed for " + join(failing) +
            (reaction == "shutdown" ? "; the failing site(s) shut down" : "; the job is stopped");
        for (const auto &name : failing) {
            result_.site_state[name] =
                reaction == "shutdown" ? "shut down" : "failed re-verification";
        }
        event("check", server_name_, result_.reason);
    }
}

// The scenario's mid-job change: the site's VM relaunched with debugging allowed.
void FederationRun::degrade_site(const std::string &name) {
    if (sites_.count(name) == 0) {
        return;
    }
    SiteSpec changed = sites_.at(name).spec;
    changed.hardware["debug"] = true;
    sites_.at(name).manager = start_site(changed, options_, clock_);
    event("check", name, "its VM was relaunched with debugging allowed");
}

// One round: every participant answers a fresh challenge. Returns the sites that failed.
std::vector<std::string> FederationRun::reverify_participants(int64_t round) {
    const Challenge challenge = new_challenge();
    std::vector<CCManager::Submission> submissions;
    for (const auto &name : result_.participants) {
        submissions.push_back(
            {transmit(manager(name).fresh_info(challenge)), name, "client", challenge, false});
    }
    const auto verdicts = server().appraise_all(submissions);
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
    return failing;
}

void FederationRun::refuse(const std::string &phase, const std::string &reason) {
    result_.status = "refused";
    result_.reason = reason;
    event(phase, server_name_, reason);
}

// The scenario's expectation, when it states one, compared with the outcome.
FederationResult FederationRun::finish() {
    if (const auto *expected = root_.if_contains("expected")) {
        const auto &e = expected->get_object();
        std::string note = "expected " + std::string(e.at("status").get_string());
        result_.met_expectation = e.at("status").get_string() == result_.status;
        if (const auto *p = e.if_contains("participants")) {
            const std::vector<std::string> want = strings_of(p);
            note += " on [" + join(want) + "]";
            result_.met_expectation = result_.met_expectation && want == result_.participants;
        }
        result_.expectation_note = note + (result_.met_expectation ? ": met" : ": NOT met");
    }
    return result_;
}

} // namespace

FederationResult run_federation(const json::value &scenario, const FederationOptions &options) {
    validate_scenario(scenario, "scenario");
    return FederationRun(scenario.get_object(), options).run();
}

} // namespace ccattest
