//! Importing a large sheet of past decisions, and verifying the chain it
//! leaves (issue "Green on a clean clone": 1M rows at 50,000 rows/s or more,
//! memory that does not grow with the file; `verify`'s time at 1M events).
//!
//!     cargo bench -p baton-store --bench import
//!     BATON_BENCH_ROWS=100000 BATON_BENCH_RUNS=5 cargo bench -p baton-store --bench import
//!
//! A CSV of past decisions is generated to a file first (streamed, so it
//! costs no memory), then imported into a fresh SQLite store exactly as
//! `baton import` does: every row parsed, checked against the applied
//! directory and guide, chained, in one transaction. Beside it, in the same
//! run, the baseline: the same number of rows of as many columns inserted
//! into a bare table in the same 1,000-row statements, with no parsing,
//! checking, identities or chain. Each is measured `BATON_BENCH_RUNS` times
//! (3), baseline and import in turn, and the medians and the median of each
//! run's ratio are reported: the machines are noisy, and a run's import and
//! baseline share its noise. Memory is the process's heap (`RssAnon`)
//! sampled through the import, beside its high-water mark `VmHWM`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints"
)]

use std::io::{BufWriter, Write};
use std::time::Instant;

use baton_core::examples;
use baton_store::{Backend, ImportOptions, Store, transfer};
use chrono::{DateTime, TimeDelta, Utc};

/// The allocator `baton` runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TYPES: [&str; 5] = [
    "architecture",
    "prioritization",
    "incident",
    "tooling",
    "hiring",
];
const PEOPLE: [&str; 8] = ["kim", "raj", "lee", "ana", "ben", "chen", "omar", "priya"];
const OUTCOMES: [&str; 4] = ["success", "partial", "failure", ""];

fn t0() -> DateTime<Utc> {
    "2020-01-01T09:00:00Z".parse().unwrap()
}

/// Writes `rows` decided decisions to `path`.
fn write_sheet(path: &std::path::Path, rows: usize) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "team,type,title,requester,decider,opened_at,decided_at,escalated,outcome"
    )
    .unwrap();
    let mut x: u64 = 7;
    for i in 0..rows {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = |n: usize, shift: u32| (x >> shift) as usize % n;
        let opened = t0() + TimeDelta::minutes(i as i64 * 3);
        let decided = opened + TimeDelta::minutes(30 + pick(5000, 20) as i64);
        writeln!(
            out,
            "platform,{},Decision {i},{},{},{},{},{},{}",
            TYPES[pick(TYPES.len(), 8)],
            PEOPLE[pick(PEOPLE.len(), 12)],
            PEOPLE[pick(PEOPLE.len(), 16)],
            baton_core::instant(opened),
            baton_core::instant(decided),
            pick(10, 40) == 0,
            OUTCOMES[pick(OUTCOMES.len(), 44)],
        )
        .unwrap();
    }
    out.flush().unwrap();
}

/// A field of `/proc/self/status`, in MiB.
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Samples the process's anonymous (heap) memory every 20 ms until
/// dropped, keeping the largest: the high-water mark `VmHWM` also counts
/// the database file's pages SQLite maps, which are the page cache, not
/// memory the import holds.
struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<f64>>,
}

impl AnonPeak {
    fn start() -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak: f64 = 0.0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_mib("RssAnon:"));
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            peak
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().map_or(0.0, |t| t.join().unwrap_or(0.0))
    }
}

async fn store(dir: &std::path::Path, name: &str) -> Store {
    Store::connect(&format!("sqlite://{}", dir.join(name).display()))
        .await
        .unwrap()
}

/// The baseline: `rows` bare rows of twenty text columns in 1,000-row
/// statements, one transaction.
async fn raw(store: &Store, rows: usize) -> f64 {
    let Backend::Sqlite(pool) = store.backend() else {
        unreachable!()
    };
    let columns: Vec<String> = (0..20).map(|c| format!("c{c} TEXT")).collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE raw ({})",
        columns.join(", ")
    )))
    .execute(pool)
    .await
    .unwrap();
    let started = Instant::now();
    let mut tx = pool.begin().await.unwrap();
    let chunk = 1_000;
    let row: Vec<String> = (0..20).map(|_| "?".into()).collect();
    let row = format!("({})", row.join(", "));
    let sql = format!("INSERT INTO raw VALUES {}", vec![row; chunk].join(", "));
    for start in (0..rows).step_by(chunk) {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for i in start..start + chunk {
            for c in 0..20 {
                q = q.bind(format!(
                    "value {i} {c} of a row about as long as a decision's"
                ));
            }
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    rows as f64 / started.elapsed().as_secs_f64()
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Deletes a store's files, so that runs do not fill the disk.
fn remove_store(dir: &std::path::Path, name: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
    }
}

/// Imports `sheet` into a fresh store `name` as `baton import` does: the
/// store, its rate, and the heap before and at its peak during the import.
async fn import_once(
    dir: &std::path::Path,
    name: &str,
    sheet: &std::path::Path,
    rows: usize,
) -> (Store, f64, f64, f64) {
    let s = store(dir, name).await;
    s.apply(
        Some(("org.yaml", examples::ORG)),
        &[("deference.yaml", examples::GUIDE)],
        t0(),
    )
    .await
    .unwrap();
    let catalog = s.catalog(false).await.unwrap();
    let before = status_mib("RssAnon:");
    let sampler = AnonPeak::start();
    let started = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(sheet).unwrap());
    let items = transfer::sheet(reader)
        .unwrap()
        .map(|row| row.map(transfer::Unchecked::row));
    let options = ImportOptions {
        source: "past.csv".into(),
        at: t0(),
        dry_run: false,
        exclusive: true,
    };
    let summary = s.import(items, &catalog, &options, |_| {}).await.unwrap();
    let took = started.elapsed().as_secs_f64();
    let anon_peak = sampler.finish();
    assert_eq!(summary.past as usize, rows);
    (s, rows as f64 / took, before, anon_peak)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rows: usize = std::env::var("BATON_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    // BATON_BENCH_CSV=FILE imports that file (of `rows` rows) instead.
    let sheet = match std::env::var("BATON_BENCH_CSV") {
        Ok(path) => std::path::PathBuf::from(path),
        Err(_) => {
            let sheet = dir.path().join("past.csv");
            write_sheet(&sheet, rows);
            sheet
        }
    };
    let size = std::fs::metadata(&sheet).map(|m| m.len()).unwrap_or(0);

    // BATON_BENCH_RUNS=N: how many times each is measured, interleaved so
    // that the machine's noise falls on both alike (medians are reported).
    let runs: usize = std::env::var("BATON_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    // BATON_BENCH_RAW=0 skips the baseline, to profile the import alone.
    let with_baseline = std::env::var("BATON_BENCH_RAW").as_deref() != Ok("0");
    let (mut baselines, mut rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut measured: Option<(Store, &str, f64, f64)> = None;
    for run in 0..runs {
        let baseline = if with_baseline {
            let name = format!("raw-{run}.db");
            let s = store(dir.path(), &name).await;
            let rate = raw(&s, rows).await;
            s.close().await;
            remove_store(dir.path(), &name);
            rate
        } else {
            f64::NAN
        };
        if let Some((_, previous, ..)) = measured.take() {
            remove_store(dir.path(), previous);
        }
        let name = if run % 2 == 0 {
            "baton-a.db"
        } else {
            "baton-b.db"
        };
        let (s, rate, before, anon_peak) = import_once(dir.path(), name, &sheet, rows).await;
        baselines.push(baseline);
        rates.push(rate);
        ratios.push(rate / baseline);
        measured = Some((s, name, before, anon_peak));
    }
    let Some((s, name, before, anon_peak)) = measured else {
        return;
    };
    let hwm = status_mib("VmHWM:");
    let (rate, baseline, ratio) = (median(&rates), median(&baselines), median(&ratios));
    let each = |v: &[f64]| {
        v.iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };

    if std::env::var("BATON_BENCH_VERIFY").as_deref() == Ok("0") {
        println!(
            "  baton import   {:>8.1} s  {rate:>9.0} rows/s (median of {}), heap peak {anon_peak:.0} MiB",
            rows as f64 / rate,
            each(&rates)
        );
        return;
    }
    let started = Instant::now();
    let report = s.verify().await.unwrap();
    let verify = started.elapsed().as_secs_f64();
    assert_eq!(report.verified, baton_store::Verified::Intact);
    let db = [name.to_owned(), format!("{name}-wal")]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum::<u64>();

    println!(
        "import of {rows} rows ({:.0} MiB of CSV) on SQLite, medians of {runs} runs",
        size as f64 / 1048576.0
    );
    println!(
        "  baton import   {:>8.1} s  {rate:>9.0} rows/s  ({})",
        rows as f64 / rate,
        each(&rates)
    );
    println!(
        "  raw INSERT                 {baseline:>9.0} rows/s  ({})",
        each(&baselines)
    );
    println!(
        "  ratio          {ratio:>8.2}    (each run's import over its baseline: {})",
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  heap (RssAnon) {before:>8.0} MiB before, peak {anon_peak:.0} MiB during (VmHWM {hwm:.0} MiB, with mapped database pages)"
    );
    println!("  store size     {:>8.0} MiB", db as f64 / 1048576.0);
    println!(
        "verify of {} events, {} decisions: {verify:.1} s",
        report.events, report.decisions
    );
}
