//! The live fuzzer (`sessionkit fuzz`): protocol-aware fuzzing of a live server, with `receive` as the oracle.
//!
//! Each case is a valid payload (one of the documentation's examples with random values) and one
//! mutation aimed at one stage (headers, size, decode, signature, json, schema), signed with the
//! target's credentials unless the mutation is about the signature. What the contract requires of
//! the answer comes from `sessionkit::receive` in the target's profile. A finding is a different
//! status or vendor code, a 5xx, no answer (timeout, reset), or an answer whose form breaks a rule
//! `conform` checks too ([`answer_problems`]: the vendor's shape,
//! Content-Type, Accept-Encoding on a 415, and on a 201 the signature over its bytes,
//! X-AUTH-CLIENT and the echo). Findings are grouped by (stage, expected, got);
//! the first of each group is shrunk to the smallest request that still shows it and written out
//! as a corpus case with a curl command.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Error, Target, client, junit};
use serde::Serialize;
use serde_json::Value;
use sessionkit::Profile;
use sessionkit::corpus::Level;

mod coverage;
pub(crate) mod generate;
pub(crate) mod oracle;
mod shrink;

pub use coverage::{Constraint, Coverage};

use generate::{Credentials, Input, Rng};
pub use oracle::Finding;
use oracle::Run;

/// Counts per mutation stage: requests sent and findings.
#[derive(Debug, Default, Clone, Serialize)]
struct StageCount {
    sent: u64,
    findings: u64,
}

struct Shared {
    next: AtomicU64,
    sent: AtomicU64,
    stop: AtomicBool,
    per_stage: Mutex<BTreeMap<&'static str, StageCount>>,
    /// By level and group key (`file`).
    groups: Mutex<BTreeMap<(Level, String), Group>>,
    /// Which of the coverage phase's cases were sent (a count or a duration may cut it short).
    coverage_sent: Vec<AtomicBool>,
}

/// A live fuzzing run, built like [`Conform`](crate::Conform): where, with which credentials,
/// for how long, then [`Fuzz::run_with`].
///
/// ```no_run
/// use sessionkit_conform::Fuzz;
///
/// let report = Fuzz::against("http://127.0.0.1:8080/v1/sessions")
///     .credentials("their-api-key", "their-secret")
///     .cases(2000)
///     .run()
///     .expect("the server is reachable");
/// assert!(report.findings().is_empty(), "{}", report.text());
/// ```
#[derive(Debug, Clone)]
pub struct Fuzz {
    target: Target,
    seed: u64,
    duration: Option<Duration>,
    cases: Option<u64>,
    concurrency: usize,
    out: Option<PathBuf>,
    timeout: Duration,
    shard: Shard,
    coverage_phase: bool,
}

/// Which share of the cases a run sends: shard `index` (from 0) of `count`, the cases whose
/// number is `index` modulo `count`. The shards of one seed together send what one run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 0 to `count - 1`.
    pub index: u64,
    /// How many shards the campaign is split into.
    pub count: u64,
}

impl Shard {
    /// The whole campaign.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N`, 1-based as people count shards (`1/2`, `2/2`).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("{text:?} is not a shard such as 1/2 (shard 1 of 2)");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }

    /// How many of the cases below `limit` are this shard's.
    fn cases_below(self, limit: u64) -> u64 {
        limit.saturating_sub(self.index).div_ceil(self.count)
    }
}

/// How far a run is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct FuzzProgress {
    /// Requests sent so far.
    pub sent: u64,
    /// Finding groups so far.
    pub groups: usize,
    /// Time since the run started.
    pub elapsed: Duration,
    /// The number of cases asked for, when the run is bounded by a count.
    pub cases: Option<u64>,
    /// How many of the first cases are the coverage phase's (0 when it is off).
    pub coverage_cases: u64,
}

impl Fuzz {
    /// A run against the server at `url` (`http://`, of `POST /v1/sessions`).
    pub fn against(url: impl Into<String>) -> Self {
        Self {
            target: Target::at(url),
            ..Self::embedded()
        }
    }

    /// A run against the reference server, started in-process on `127.0.0.1:0`.
    pub fn embedded() -> Self {
        Self {
            target: Target::embedded(),
            seed: 1,
            duration: None,
            cases: None,
            concurrency: 4,
            out: None,
            timeout: Duration::from_secs(10),
            shard: Shard::ALL,
            coverage_phase: true,
        }
    }

    /// Send the coverage phase first (the default): each constraint of the profile's schema
    /// and each rule of the contract probed on both sides once, as cases `0..N`; the random
    /// cases follow, the same whether the phase runs or not.
    pub fn coverage_phase(mut self, on: bool) -> Self {
        self.coverage_phase = on;
        self
    }

    /// Send only this shard's cases (default: all of them).
    pub fn shard(mut self, shard: Shard) -> Self {
        self.shard = shard;
        self
    }

    /// The target's API key and shared secret (default: the documentation's).
    pub fn credentials(mut self, api_key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.target = self.target.credentials(api_key, secret);
        self
    }

    /// The profile the target validates in; the oracle decides in the same one.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.target.profile = profile;
        self
    }

    /// The seed: the same seed sends the same requests (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Run for this long (the default, 60 s, when no case count is given).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Send this many cases (instead of a duration).
    pub fn cases(mut self, cases: u64) -> Self {
        self.cases = Some(cases);
        self
    }

    /// Requests in flight at once (default 4).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Write each finding group's shrunk case into `dir`, in the corpus format.
    pub fn out(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out = Some(dir.into());
        self
    }

    /// How long to wait for each answer (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs to the end.
    pub fn run(self) -> Result<FuzzReport, Error> {
        self.run_with(|_| {})
    }

    /// Runs, calling `progress` about five times a second.
    pub fn run_with(self, progress: impl Fn(FuzzProgress)) -> Result<FuzzReport, Error> {
        if self.concurrency == 0 {
            return Err(Error("concurrency must be at least 1".into()));
        }
        // Whether the target answers is checked by `prepare`'s probe request.
        let servers = self.target.servers(&[self.target.profile])?;
        let url = servers.urls[0].1.clone();
        let run = Arc::new(self.prepare(url)?);
        let (sent, seconds, per_stage, groups, coverage_sent) = self.send_all(&run, progress);
        let mut groups = merge_alike(groups);
        // Shrink each group's examples, then write them out; two that shrink to the same request
        // are one example.
        let mut written = 0;
        // Shrinking gets its own time, bounded: a tenth of the run, between 10 s and 60 s.
        let budget = Duration::from_secs_f64(seconds / 10.0)
            .clamp(Duration::from_secs(10), Duration::from_secs(60));
        let shrink_deadline = Instant::now() + budget;
        for group in &mut groups {
            for finding in &mut group.examples {
                shrink::shrink(&run, finding, shrink_deadline);
            }
            group.examples.dedup_by(|b, a| a.input == b.input);
            if let Some(dir) = &self.out {
                for finding in &mut group.examples {
                    written += 1;
                    shrink::write(&run, finding, dir, written)?;
                }
            }
        }
        drop(servers);
        // The strongest rules first; within a level, in the order of their keys.
        groups.sort_by_key(|g| g.examples.first().map(|f| f.level));
        Ok(FuzzReport {
            target: self.target.describe(),
            seed: self.seed,
            sent,
            seconds,
            per_stage,
            groups,
            coverage: run.coverage.clone(),
            coverage_sent,
        })
    }

    /// The oracle and the base payloads, after checking that the target answers at all.
    fn prepare(&self, url: String) -> Result<Run, Error> {
        // The oracle: the contract's decision for a server with the target's credentials.
        let config = self.target.config(self.target.profile);
        let credentials = Credentials {
            api_key: self.target.api_key.clone(),
            secret: self.target.secret.clone(),
        };
        let bases: Vec<Value> = crate::embedded_corpus()
            .iter()
            .filter(|(name, _)| name.starts_with("schema/seed/"))
            .filter_map(|(_, bytes)| serde_json::from_slice(bytes).ok())
            .filter(|v: &Value| {
                let request = generate::build(&Input::plain(v.clone()), &credentials);
                sessionkit::receive(&request.headers, &request.body, &config).status() == 201
            })
            .collect();
        if bases.is_empty() {
            return Err(Error(
                "no valid example payload in the built-in corpus".into(),
            ));
        }
        let coverage = self.coverage_phase.then(|| {
            coverage::plan(
                self.target.profile,
                &coverage::base(&bases, self.target.profile),
                &config,
                &credentials,
            )
        });
        // A server that is not there is one error, not a finding per case.
        let probe = generate::build(&Input::plain(bases[0].clone()), &credentials);
        let reply = client::send("POST", &url, &probe.headers, &probe.body, self.timeout)
            .map_err(|e| Error(format!("cannot reach {url} (is the server running?): {e}")))?;
        if let Some(refused) = crate::send::refused_credentials(&reply, &self.target.api_key) {
            return Err(Error(refused));
        }
        Ok(Run {
            url,
            seed: self.seed,
            credentials,
            config,
            bases,
            timeout: self.timeout,
            probes: coverage.as_ref().map(Coverage::inputs).unwrap_or_default(),
            coverage,
        })
    }

    /// Sends cases from `concurrency` workers until the count or the time is reached.
    #[allow(clippy::type_complexity)]
    fn send_all(
        &self,
        run: &Arc<Run>,
        progress: impl Fn(FuzzProgress),
    ) -> (
        u64,
        f64,
        BTreeMap<&'static str, StageCount>,
        Vec<Group>,
        Vec<bool>,
    ) {
        let limit_cases = self.cases;
        let duration = match (self.duration, self.cases) {
            (Some(d), _) => Some(d),
            (None, None) => Some(Duration::from_secs(60)),
            (None, Some(_)) => None,
        };
        let shared = Arc::new(Shared {
            next: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            per_stage: Mutex::new(BTreeMap::new()),
            groups: Mutex::new(BTreeMap::new()),
            coverage_sent: run.probes.iter().map(|_| AtomicBool::new(false)).collect(),
        });
        let started = Instant::now();
        let (seed, shard) = (self.seed, self.shard);
        let own_cases = limit_cases.map(|n| shard.cases_below(n));
        std::thread::scope(|scope| {
            for _ in 0..self.concurrency {
                let (run, shared) = (Arc::clone(run), Arc::clone(&shared));
                scope.spawn(move || {
                    worker(&run, &shared, shard, seed, limit_cases, duration, started)
                });
            }
            while !shared.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let sent = shared.sent.load(Ordering::Relaxed);
                progress(FuzzProgress {
                    sent,
                    groups: shared.groups.lock().map_or(0, |g| g.len()),
                    elapsed: started.elapsed(),
                    cases: own_cases,
                    coverage_cases: run.probes.len() as u64,
                });
                let done_by_count = own_cases.is_some_and(|n| sent >= n);
                let done_by_time = duration.is_some_and(|d| started.elapsed() >= d);
                if done_by_count || done_by_time {
                    shared.stop.store(true, Ordering::Relaxed);
                }
            }
        });
        let per_stage = shared
            .per_stage
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        let groups = shared
            .groups
            .lock()
            .map(|g| g.values().cloned().collect())
            .unwrap_or_default();
        let sent = shared.sent.load(Ordering::Relaxed);
        let coverage_sent = shared
            .coverage_sent
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .collect();
        (
            sent,
            started.elapsed().as_secs_f64(),
            per_stage,
            groups,
            coverage_sent,
        )
    }
}

fn worker(
    run: &Run,
    shared: &Shared,
    shard: Shard,
    seed: u64,
    limit: Option<u64>,
    duration: Option<Duration>,
    started: Instant,
) {
    loop {
        if shared.stop.load(Ordering::Relaxed) || duration.is_some_and(|d| started.elapsed() >= d) {
            return;
        }
        // Shard I of N sends the cases whose number is I modulo N: N shards of one seed send
        // exactly the cases one run sends.
        let case = shared.next.fetch_add(1, Ordering::Relaxed) * shard.count + shard.index;
        if limit.is_some_and(|n| case >= n) {
            return;
        }
        // The coverage phase's probes first, then random cases numbered from 0 again, so that
        // a seed's random cases are the same with the phase and without.
        let input = match usize::try_from(case).ok().and_then(|c| run.probes.get(c)) {
            Some(probe) => probe.clone(),
            None => {
                let random = case - run.probes.len() as u64;
                generate::input(&mut Rng::for_case(seed, random), &run.bases)
            }
        };
        let finding = run.judge(case, &input);
        shared.sent.fetch_add(1, Ordering::Relaxed);
        if let Some(sent) = usize::try_from(case)
            .ok()
            .and_then(|c| shared.coverage_sent.get(c))
        {
            sent.store(true, Ordering::Relaxed);
        }
        if let Ok(mut per_stage) = shared.per_stage.lock() {
            let count = per_stage.entry(input.mutation.stage()).or_default();
            count.sent += 1;
            count.findings += u64::from(finding.is_some());
        }
        if let Some(mut finding) = finding {
            finding.seconds = started.elapsed().as_secs_f64();
            if let Ok(mut groups) = shared.groups.lock() {
                file(&mut groups, finding);
            }
        }
    }
}

/// Puts `finding` in its group: by level and group key, so that one family of mutations that
/// breaks one rule at two levels (a `br` coding accepted is MUST, `identity` accepted MAY) makes
/// two groups, the weaker never hiding the stronger nor the stronger lifting the weaker.
fn file(groups: &mut BTreeMap<(Level, String), Group>, finding: Finding) {
    let key = (finding.level, finding.group.clone());
    let group = groups.entry(key).or_insert(Group {
        count: 0,
        examples: Vec::new(),
        alike: Vec::new(),
    });
    group.add(finding);
}

/// Findings of one cause: the rule broken, by one family of mutations, and the families that
/// broke the same rule with the same answer.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Requests that showed it.
    pub count: u64,
    /// Up to [`EXAMPLES`] of them, the lowest case numbers first (the same seed gives the same
    /// examples), each shrunk to the smallest request that still shows the group.
    pub examples: Vec<Finding>,
    /// The keys of the other groups merged into this one: the same rule broken with the same
    /// answer by other probes or mutations (a server that answers 400 to everything is one
    /// cause, not one group per constraint).
    pub alike: Vec<String>,
}

/// Groups of one cause are one group, naming the others in `alike`: at one level, the same wrong
/// answer (status and vendor code) to whatever was probed (a server that answers 400 to
/// everything), or the same answer-form rule broken (its words never name the request).
fn merge_alike(groups: Vec<Group>) -> Vec<Group> {
    let cause = |f: &Finding| match f.got.status {
        Some(status) if status != f.expected.status => match f.got.code {
            Some(code) => format!("answered {status}/{code}"),
            None => format!("answered {status}"),
        },
        _ => f.rule.clone(),
    };
    let mut merged: Vec<Group> = Vec::new();
    // Every key of a merged group, its own first: the example shown first may come from any.
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut index: BTreeMap<(sessionkit::corpus::Level, String), usize> = BTreeMap::new();
    for group in groups {
        let Some(first) = group.examples.first() else {
            continue;
        };
        let own = std::iter::once(first.group.clone()).chain(group.alike.iter().cloned());
        match index.entry((first.level, cause(first))) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(merged.len());
                keys.push(own.collect());
                merged.push(group);
            }
            std::collections::btree_map::Entry::Occupied(slot) => {
                let at = *slot.get();
                for key in own {
                    if !keys[at].contains(&key) {
                        keys[at].push(key);
                    }
                }
                let into = &mut merged[at];
                into.count += group.count;
                for finding in group.examples {
                    into.keep(finding);
                }
            }
        }
    }
    for (group, keys) in merged.iter_mut().zip(keys) {
        let shown = group.examples.first().map(|f| f.group.clone());
        group.alike = keys
            .into_iter()
            .filter(|k| Some(k) != shown.as_ref())
            .collect();
    }
    merged
}

/// Examples kept per group: more than one, so that a group keyed too widely still shows the
/// different deviations in it.
pub const EXAMPLES: usize = 3;

impl Group {
    /// Counts `finding`, and keeps it when it is among the lowest case numbers seen.
    fn add(&mut self, finding: Finding) {
        self.count += 1;
        self.keep(finding);
    }

    /// Keeps `finding` as an example when it is among the lowest case numbers seen.
    fn keep(&mut self, finding: Finding) {
        let at = self.examples.partition_point(|f| f.case < finding.case);
        if at < EXAMPLES {
            self.examples.insert(at, finding);
            self.examples.truncate(EXAMPLES);
        }
    }
}

/// The coverage phase's counts, of the cases actually sent.
struct CoverageCounts {
    constraints: usize,
    covered: usize,
    /// Cases of the phase sent.
    sent: usize,
    /// Cases in the phase.
    cases: usize,
}

/// What a fuzzing run found: counts per mutation stage and each finding group with its shrunk
/// examples.
pub struct FuzzReport {
    target: String,
    seed: u64,
    /// Requests sent.
    pub sent: u64,
    seconds: f64,
    per_stage: BTreeMap<&'static str, StageCount>,
    groups: Vec<Group>,
    coverage: Option<Coverage>,
    /// Which of the coverage phase's cases were sent, in order.
    coverage_sent: Vec<bool>,
}

impl FuzzReport {
    /// The coverage phase's constraints and which of them it covered (`None` when it was off).
    pub fn coverage(&self) -> Option<&Coverage> {
        self.coverage.as_ref()
    }

    /// What the coverage phase did: the constraints covered by the cases actually sent (a
    /// constraint counts once every one of its probes was sent and they cover it), and how
    /// many of the phase's cases were sent.
    fn coverage_counts(&self) -> Option<CoverageCounts> {
        let coverage = self.coverage.as_ref()?;
        let mut start = 0;
        let mut covered = 0;
        for constraint in &coverage.constraints {
            let probes = start..start + constraint.probes.len();
            start = probes.end;
            let all_sent = self
                .coverage_sent
                .get(probes)
                .is_some_and(|s| s.iter().all(|x| *x));
            if all_sent && !coverage.uncovered.contains(&constraint.name()) {
                covered += 1;
            }
        }
        Some(CoverageCounts {
            constraints: coverage.constraints.len(),
            covered,
            sent: self.coverage_sent.iter().filter(|s| **s).count(),
            cases: self.coverage_sent.len(),
        })
    }

    /// `coverage phase: 120 of 124 constraints covered in 610 cases`, whether it was cut
    /// short, and the constraints its probes do not cover.
    fn coverage_line(&self) -> Option<String> {
        let coverage = self.coverage.as_ref()?;
        let counts = self.coverage_counts()?;
        let mut line = format!(
            "coverage phase: {} of {} constraints covered in {} cases",
            counts.covered, counts.constraints, counts.sent
        );
        if counts.sent < counts.cases {
            line.push_str(&format!(
                " (cut short: {} of its {} cases were not sent; more --cases or a longer \
                 --duration sends them all)",
                counts.cases - counts.sent,
                counts.cases
            ));
        }
        for name in &coverage.uncovered {
            line.push_str(&format!("\n  not covered: {name}"));
        }
        Some(line)
    }

    /// The finding groups, each with how many requests showed it and its examples; MUST
    /// groups first, then SHOULD, then MAY.
    pub fn findings(&self) -> &[Group] {
        &self.groups
    }

    /// True when a group breaks a rule at `level` or stronger (`Level::Must`: only MUST rules
    /// fail; `Level::Should`: SHOULD rules too).
    pub fn fails_at(&self, level: sessionkit::corpus::Level) -> bool {
        self.groups
            .iter()
            .any(|g| g.examples.first().is_some_and(|f| f.level <= level))
    }

    /// `3 MUST, 1 SHOULD, 0 MAY`.
    fn level_counts(&self) -> String {
        sessionkit::corpus::Level::ALL
            .iter()
            .map(|level| {
                let n = self
                    .groups
                    .iter()
                    .filter(|g| g.examples.first().is_some_and(|f| f.level == *level))
                    .count();
                format!("{n} {level}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rate(&self) -> f64 {
        self.sent as f64 / self.seconds.max(1e-9)
    }

    /// The report for a person: per stage, then each finding with its reproduction.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut out = format!(
            "sessionkit fuzz: {} (seed {})\n{} requests in {:.1} s ({:.0} req/s)\n\n{:<10} {:>9} {:>9}\n",
            self.target,
            self.seed,
            self.sent,
            self.seconds,
            self.rate(),
            "stage",
            "sent",
            "findings"
        );
        for (stage, count) in &self.per_stage {
            let _ = writeln!(out, "{stage:<10} {:>9} {:>9}", count.sent, count.findings);
        }
        if let Some(line) = self.coverage_line() {
            let _ = writeln!(out, "\n{line}");
        }
        for group in &self.groups {
            let Some(first) = group.examples.first() else {
                continue;
            };
            let _ = writeln!(
                out,
                "\nFINDING [{}] {} ({} request(s))\n  rule: {} ({})",
                first.level, first.group, group.count, first.rule, first.reference
            );
            if !group.alike.is_empty() {
                let shown: Vec<&str> = group.alike.iter().take(8).map(String::as_str).collect();
                let more = group.alike.len() - shown.len();
                let _ = writeln!(
                    out,
                    "  the same answer to {} other probe or mutation families: {}{}",
                    group.alike.len(),
                    shown.join("; "),
                    if more > 0 {
                        format!("; and {more} more")
                    } else {
                        String::new()
                    }
                );
            }
            for finding in &group.examples {
                let _ = writeln!(
                    out,
                    "  - {} (case {}, a {} mutation)",
                    finding.what, finding.case, finding.mutation_stage
                );
                if let Some(bytes) = finding.shrunk_bytes {
                    let _ = writeln!(out, "    shrunk to a {bytes}-byte body");
                }
                if let Some(file) = &finding.file {
                    let _ = writeln!(out, "    written: {file}");
                }
                if let Some(curl) = &finding.curl {
                    let _ = writeln!(out, "    reproduce: {curl}");
                }
            }
        }
        let _ = writeln!(
            out,
            "\n{} finding group(s): {}",
            self.groups.len(),
            self.level_counts()
        );
        out
    }

    /// The report as one JSON object.
    pub fn json(&self) -> Value {
        serde_json::json!({
            "target": self.target,
            "seed": self.seed,
            "sent": self.sent,
            "seconds": self.seconds,
            "requests_per_second": self.rate(),
            "per_stage": self.per_stage,
            "coverage": self.coverage.as_ref().zip(self.coverage_counts()).map(|(c, n)| serde_json::json!({
                "constraints": n.constraints,
                "covered": n.covered,
                "cases": n.sent,
                "phase_cases": n.cases,
                "cut_short": n.sent < n.cases,
                "uncovered": c.uncovered,
            })),
            "findings": self.groups.iter().map(|g| serde_json::json!({
                "count": g.count,
                "finding": g.examples.first(),
                "examples": g.examples,
                "alike": g.alike,
            })).collect::<Vec<_>>(),
        })
    }

    /// The report as JUnit XML: one test case per finding group.
    pub fn junit(&self) -> String {
        let mut cases: Vec<junit::TestCase> = self
            .groups
            .iter()
            .filter_map(|group| {
                let first = group.examples.first()?;
                let reproductions: Vec<&str> = group
                    .examples
                    .iter()
                    .filter_map(|f| f.curl.as_deref())
                    .collect();
                Some(junit::TestCase {
                    classname: first.expected.stage.to_owned(),
                    name: first.group.clone(),
                    seconds: 0.0,
                    failure: Some((
                        first.what.clone(),
                        format!("{} request(s)\n{}", group.count, reproductions.join("\n")),
                    )),
                })
            })
            .collect();
        if cases.is_empty() {
            cases.push(junit::TestCase {
                classname: "fuzz".into(),
                name: format!("{} requests, no finding", self.sent),
                seconds: self.seconds,
                failure: None,
            });
        }
        junit::write("sessionkit fuzz", &cases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionkit::corpus::{Level, Rule};

    /// A finding of group `key` at `case`: expected 201, answered `status`.
    fn finding(key: &str, case: u64, status: u16) -> Finding {
        let rule = Rule {
            level: Level::Must,
            rule: "a valid request is accepted with 201".into(),
            reference: "seed".into(),
        };
        Finding {
            group: key.into(),
            rule: format!("expected 201, got {status}"),
            level: Level::Must,
            reference: "seed".into(),
            what: String::new(),
            case,
            seconds: 0.0,
            mutation_stage: "valid",
            input: Input::plain(serde_json::json!({"verification": {}})),
            expected: oracle::Expected {
                status: 201,
                codes: Vec::new(),
                stage: "accepted",
                error: None,
                pointers: Vec::new(),
                contract: crate::judge::Expected::status(201, rule),
            },
            got: oracle::Got {
                status: Some(status),
                code: None,
                problem: None,
                problem_level: None,
            },
            shrunk_bytes: None,
            curl: None,
            file: None,
        }
    }

    fn group(findings: Vec<Finding>) -> Group {
        let mut group = Group {
            count: 0,
            examples: Vec::new(),
            alike: Vec::new(),
        };
        for f in findings {
            group.add(f);
        }
        group
    }

    /// One key at two levels is two groups: the MAY finding that came first does not carry the
    /// MUST one at its level.
    #[test]
    fn one_key_at_two_levels_is_two_groups() {
        let mut groups = BTreeMap::new();
        let key = "headers: expected 415/415, got 201 [content-encoding]";
        let weak = Finding {
            level: Level::May,
            ..finding(key, 1, 201)
        };
        file(&mut groups, weak);
        file(&mut groups, finding(key, 2, 201));
        file(&mut groups, finding(key, 3, 201));
        let levels: Vec<(Level, u64)> = groups.iter().map(|((l, _), g)| (*l, g.count)).collect();
        assert_eq!(levels, [(Level::Must, 2), (Level::May, 1)]);
    }

    /// Groups of one wrong answer merge into one that names every key but the one it shows,
    /// whichever group its first example comes from (a later group with lower case numbers
    /// takes the first place, and the first group's key stays named); another answer stays apart.
    #[test]
    fn groups_of_one_answer_merge_and_keep_every_key() {
        let merged = merge_alike(vec![
            group(vec![finding("a [late]", 900, 400)]),
            group(vec![
                finding("b [early]", 3, 400),
                finding("b [early]", 4, 400),
            ]),
            group(vec![finding("c [other answer]", 5, 500)]),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].count, merged[0].examples[0].case), (3, 3));
        assert_eq!(merged[0].examples[0].group, "b [early]");
        assert_eq!(merged[0].alike, ["a [late]"]);
        assert!(merged[1].alike.is_empty() && merged[1].count == 1);
    }
}
