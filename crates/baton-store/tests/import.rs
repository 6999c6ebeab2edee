//! Imports: a sheet of past decisions or an export, checked against what
//! was applied, idempotent by identity, all or nothing, chained.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use baton_core::lifecycle::Status;
use baton_core::lifecycle::act;
use baton_store::transfer::ImportErrors;
use baton_store::{DecisionFilter, StoreError, Verified};
use common::*;

const HEADER: &str = "team,type,title,requester,decider,opened_at,decided_at,outcome\n";

fn sheet(rows: &[&str]) -> String {
    format!("{HEADER}{}\n", rows.join("\n"))
}

/// A sheet of `n` decided hiring decisions, `Role 0` onwards.
fn roles(n: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&format!(
            "platform,hiring,Role {i},kim,omar,2026-01-05,2026-01-07,success\n"
        ));
    }
    text
}

#[track_caller]
fn bad_rows(result: Result<baton_store::transfer::Summary, StoreError>) -> ImportErrors {
    match result {
        Err(StoreError::Import(errors)) => errors,
        other => panic!("expected bad rows, got {other:?}"),
    }
}

async fn count(store: &baton_store::Store) -> usize {
    store
        .decisions()
        .list(&DecisionFilter::default())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_sheet_naming_unknown_teams_types_and_people_is_refused_whole_naming_every_row() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&[
            "platform,architecture,Pick a queue,ana,kim,2026-01-05,2026-01-07,success",
            "platform,architecure,Pick a cache,ana,kim,2026-01-05,2026-01-07,",
            "platform,architecture,Pick a log,anna,rajj,2026-01-05,2026-01-07,",
            "marketing,architecture,Pick a font,ana,kim,2026-01-05,2026-01-07,",
            "platform,architecture,Pick a date,ana,kim,soon,,",
        ]);
        let errors = bad_rows(import_csv(&store, &text, false, false).await);
        let named: Vec<(u64, Option<&str>)> = errors
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                (3, Some("type")),
                (4, Some("requester")),
                (4, Some("decider")),
                (5, Some("team")),
                (6, Some("opened_at"))
            ],
            "{errors}"
        );
        assert!(
            errors
                .to_string()
                .contains("`architecure` is not a decision type of team platform"),
            "{errors}"
        );
        assert_eq!(count(&store).await, 0, "nothing was imported");
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn people_who_left_pass_with_allow_departed_and_are_listed() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&["platform,hiring,Open a role,zed,kim,2026-01-05,2026-01-07,"]);
        bad_rows(import_csv(&store, &text, false, false).await);
        let summary = import_csv(&store, &text, true, false).await.unwrap();
        assert_eq!(summary.departed.into_iter().collect::<Vec<_>>(), ["zed"]);
        assert_eq!(summary.past, 1);
    })
    .await;
}

#[tokio::test]
async fn importing_the_same_sheet_twice_is_one_decision_each_and_other_content_is_a_conflict() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&[
            "platform,architecture,Pick a queue,ana,kim,2026-01-05,2026-01-07,success",
            "platform,hiring,Open a role,kim,omar,2026-02-01,2026-02-03,",
        ]);
        let first = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!(
            (first.past, first.skipped, first.ids),
            (2, 0, Some((id(1), id(2))))
        );
        let again = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!((again.past, again.skipped, again.ids), (0, 2, None));
        assert_eq!(count(&store).await, 2);
        // Same identity (team, type, title, requester, opened_at), other
        // outcome: named, and nothing of the file is imported.
        let changed = sheet(&[
            "platform,hiring,Open another role,kim,omar,2026-02-01,2026-02-03,",
            "platform,architecture,Pick a queue,ana,kim,2026-01-05,2026-01-07,failure",
        ]);
        let errors = bad_rows(import_csv(&store, &changed, false, false).await);
        assert_eq!(errors.errors.len(), 1, "{errors}");
        assert_eq!(errors.errors[0].line, 3);
        assert!(
            errors.errors[0]
                .message
                .contains("imported before (as decision 1)"),
            "{errors}"
        );
        assert_eq!(count(&store).await, 2);
        // A row's own id is its identity: a repeat inside one file is one.
        let with_ids = "id,team,type,title,requester,decider,opened_at,decided_at\n\
                        a-7,platform,hiring,Open a role,kim,omar,2026-03-01,2026-03-02\n\
                        a-7,platform,hiring,Open a role,kim,omar,2026-03-01,2026-03-02\n";
        let summary = import_csv(&store, with_ids, false, false).await.unwrap();
        assert_eq!((summary.past, summary.skipped), (1, 1));
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn imported_decisions_take_their_types_domains_and_an_unknown_framework() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = "Team,TYPE,Title,Requester,Decider,Opened_At,Decided_At,Framework\n\
                    platform,architecture,Pick a queue,ana,kim,2026-01-05,2026-01-07T10:00:00Z,\n\
                    platform,architecture,Pick a cache,ana,kim,2026-01-05,2026-01-07,expertise\n";
        import_csv(&store, text, false, false).await.unwrap();
        let first = store.decisions().get(id(1)).await.unwrap();
        assert_eq!(first.domains, ["architecture", "databases"]);
        assert_eq!(first.resolution.framework.as_str(), "unknown");
        assert_eq!(
            (first.status, first.decided_by.as_deref()),
            (Status::Decided, Some("kim"))
        );
        assert_eq!(baton_core::instant(first.opened_at), "2026-01-05T00:00:00Z");
        assert_eq!(
            store
                .decisions()
                .get(id(2))
                .await
                .unwrap()
                .resolution
                .framework
                .as_str(),
            "expertise"
        );
        assert_eq!(
            store.decisions().events(id(1)).await.unwrap()[0].kind,
            "imported"
        );
    })
    .await;
}

#[tokio::test]
async fn an_undecided_row_is_opened_and_routed_by_its_guide_as_of_its_opened_at() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&["platform,architecture,Pick a queue,ana,,2026-03-01T12:00:00Z,,"]);
        let summary = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!((summary.opened, summary.past), (1, 0));
        let d = store.decisions().get(id(1)).await.unwrap();
        assert_eq!((d.status, d.decider.as_str()), (Status::Checking, "kim"));
        assert_eq!(d.resolution.rule, "architecture-by-expertise");
        // It can be decided like any other, once its check has closed.
        store.decisions().tick(hours(25)).await.unwrap();
        let decide = baton_core::lifecycle::Action::Decide(act::Decide {
            option: "kafka".into(),
            rationale: "fits".into(),
            override_reason: None,
            review_on: None,
        });
        store
            .decisions()
            .act(id(1), &member("kim"), &decide, hours(26))
            .await
            .unwrap();
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_counts_everything_and_writes_nothing() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&[
            "platform,architecture,Pick a queue,ana,kim,2026-01-05,2026-01-07,success",
            "platform,architecture,Pick a cache,ana,,2026-03-01T12:00:00Z,,",
        ]);
        let head = store.verify().await.unwrap().head;
        let summary = import_csv(&store, &text, false, true).await.unwrap();
        assert!(summary.dry_run);
        assert_eq!((summary.past, summary.opened), (1, 1));
        assert_eq!(count(&store).await, 0);
        assert_eq!(store.verify().await.unwrap().head, head);
        let summary = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!((summary.past, summary.opened, summary.skipped), (1, 1, 0));
    })
    .await;
}

#[tokio::test]
async fn a_sheet_of_many_chunks_imports_whole_and_chained() {
    each_backend(|store| async move {
        applied(&store).await;
        let mut text = roles(2_345);
        let summary = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!(
            (summary.past, summary.ids),
            (2_345, Some((id(1), id(2_345))))
        );
        let report = store.verify().await.unwrap();
        assert_eq!(report.verified, Verified::Intact, "{report:?}");
        assert_eq!(report.decisions, 2_345);
        // Imported titles are found by the log's text search, whatever
        // their case.
        let found = store
            .decisions()
            .list(&DecisionFilter {
                text: Some("ROLE 1234".into()),
                ..DecisionFilter::default()
            })
            .await
            .unwrap();
        let titles: Vec<&str> = found.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["Role 1234"]);
        // The text search's memory, raised for the import, is put back.
        if let baton_store::Backend::Sqlite(pool) = store.backend() {
            let hash: i64 = sqlx::query_scalar(
                "SELECT COALESCE((SELECT v FROM decision_titles_config WHERE k = 'hashsize'), 1048576)",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(hash, 1_048_576);
        }
        // A bad row at the end keeps every earlier chunk out too.
        text.push_str("platform,hiring,Role x,kim,omar,never,,\n");
        let errors =
            bad_rows(import_csv(&store, &text.replace("Role ", "Post "), false, false).await);
        assert_eq!(errors.errors[0].line, 2_347);
        assert_eq!(count(&store).await, 2_345);
    })
    .await;
}

/// A sheet of 2,600 past rows with undecided rows between them and rows
/// repeated within a chunk, from the chunk before (prepared but not yet
/// written when the next is checked) and from two chunks back; `kim` in
/// `$decider` of the repeat of `Role 900`.
fn sheet_across_chunks(title: &str, repeat_decider: &str) -> (String, usize) {
    let row = |i: usize, decider: &str| {
        format!("platform,hiring,{title} {i},kim,{decider},2026-01-05,2026-01-07,success\n")
    };
    let mut text = String::from(HEADER);
    let mut lines = 1;
    let mut repeat_line = 0;
    for i in 0..2_600 {
        text.push_str(&row(i, "omar"));
        lines += 1;
        match i {
            1_100 => {
                text.push_str(&row(900, repeat_decider));
                lines += 1;
                repeat_line = lines;
            }
            1_160 => text.push_str(&row(1_150, "omar")),
            2_300 => text.push_str(&row(10, "omar")),
            1_200 | 2_100 => text.push_str(&format!(
                "platform,architecture,Pick {i},ana,,2026-03-01T12:00:00Z,,\n"
            )),
            _ => continue,
        }
        if i != 1_100 {
            lines += 1;
        }
    }
    (text, repeat_line)
}

#[tokio::test]
async fn repeats_and_undecided_rows_across_chunks_are_skipped_and_opened_in_order() {
    each_backend(|store| async move {
        applied(&store).await;
        let (text, _) = sheet_across_chunks("Role", "omar");
        let summary = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!(
            (summary.past, summary.opened, summary.skipped),
            (2_600, 2, 3)
        );
        assert_eq!(summary.ids, Some((id(1), id(2_602))));
        let report = store.verify().await.unwrap();
        assert_eq!(report.verified, Verified::Intact, "{report:?}");
        assert_eq!(report.decisions, 2_602);
        // The undecided rows took their places in the file's order.
        let first_open = store.decisions().get(id(1_202)).await.unwrap();
        assert_eq!(first_open.title, "Pick 1200");
        assert_eq!(first_open.status, Status::Checking);
        let second_open = store.decisions().get(id(2_103)).await.unwrap();
        assert_eq!(second_open.title, "Pick 2100");

        // Again: every row skipped, nothing written.
        let head = store.verify().await.unwrap().head;
        let summary = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!((summary.past, summary.skipped), (0, 2_605));
        assert_eq!(store.verify().await.unwrap().head, head);

        // A repeat whose content differs from the chunk before's row is a
        // conflict named by its line, and nothing is kept.
        let (text, line) = sheet_across_chunks("Post", "kim");
        let errors = bad_rows(import_csv(&store, &text, false, false).await);
        assert_eq!(errors.errors.len(), 1, "{errors:?}");
        assert_eq!(errors.errors[0].line, line as u64);
        assert!(
            errors.errors[0].message.contains("as decision 3503"),
            "{}",
            errors.errors[0].message
        );
        assert_eq!(count(&store).await, 2_602);
    })
    .await;
}

#[tokio::test]
async fn a_sheet_imported_before_is_skipped_even_after_its_type_is_gone() {
    each_backend(|store| async move {
        applied(&store).await;
        let text = sheet(&["platform,hiring,Open a role,kim,omar,2026-01-05,2026-01-07,"]);
        import_csv(&store, &text, false, false).await.unwrap();
        // The team drops the type: the rows already imported stay what they
        // are, and importing the same sheet again changes nothing.
        let guide = baton_core::examples::GUIDE.replace(
            "  hiring: {domains: [people], impact: high, frequency: quarterly, reversible: false, target: 1w}\n",
            "",
        );
        assert_ne!(guide, baton_core::examples::GUIDE);
        store
            .apply(None, &[("deference.yaml", &guide)], hours(1))
            .await
            .unwrap();
        let again = import_csv(&store, &text, false, false).await.unwrap();
        assert_eq!((again.past, again.skipped), (0, 1));
        // A new row of the gone type is refused, naming it.
        let new = sheet(&["platform,hiring,Open another role,kim,omar,2026-01-05,2026-01-07,"]);
        let errors = bad_rows(import_csv(&store, &new, false, false).await);
        assert_eq!(errors.errors[0].field.as_deref(), Some("type"), "{errors}");
    })
    .await;
}

/// What an import saw of a SQLite store's files as it read row 2,500, when
/// its first chunks were written: whether the rollback journal and the
/// write-ahead log were there.
struct Files {
    journal: bool,
    log: bool,
}

/// Imports 3,000 rows into `store` (at file `path`) as the CLI does,
/// looking at the files beside it midway.
async fn import_looking(store: &baton_store::Store, path: &std::path::Path) -> Files {
    let text = roles(3_000);
    let beside = |suffix: &str| std::path::PathBuf::from(format!("{}{suffix}", path.display()));
    let mut seen = None;
    let options = baton_store::ImportOptions {
        source: "past.csv".into(),
        at: t0(),
        dry_run: false,
        exclusive: true,
    };
    let summary = import_csv_with(store, &text, false, &options, |n| {
        if n == 2_500 {
            seen = Some(Files {
                journal: beside("-journal").exists(),
                log: beside("-wal").exists(),
            });
        }
    })
    .await
    .unwrap();
    assert_eq!(summary.past, 3_000);
    assert!(
        !beside("-journal").exists(),
        "the journal outlived the commit"
    );
    seen.expect("row 2,500 was read")
}

/// SQLite's `PRAGMA name` on `store`, as text.
async fn pragma(store: &baton_store::Store, name: &str) -> String {
    use sqlx::Row;
    let baton_store::Backend::Sqlite(pool) = store.backend() else {
        unreachable!()
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA {name}")))
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get_unchecked(0)
        .unwrap()
}

#[tokio::test]
async fn an_import_that_owns_the_store_writes_past_the_log_and_puts_it_back() {
    let test = sqlite().await;
    let path = std::path::PathBuf::from(test.url.trim_start_matches("sqlite://"));
    applied(&test.store).await;
    let files = import_looking(&test.store, &path).await;
    assert!(
        files.journal && !files.log,
        "the file was not taken whole: journal {}, log {}",
        files.journal,
        files.log
    );
    assert_eq!(pragma(&test.store, "journal_mode").await, "wal");
    let report = test.store.verify().await.unwrap();
    assert_eq!(report.verified, Verified::Intact, "{report:?}");
    assert_eq!(report.decisions, 3_000);
}

#[tokio::test]
async fn an_import_beside_another_open_store_keeps_the_write_ahead_log() {
    let test = sqlite().await;
    let path = std::path::PathBuf::from(test.url.trim_start_matches("sqlite://"));
    applied(&test.store).await;
    // Another process's server, say: open, and it has read.
    let other = baton_store::Store::connect(&test.url).await.unwrap();
    assert_eq!(count(&other).await, 0);
    let files = import_looking(&test.store, &path).await;
    assert!(
        !files.journal && files.log,
        "the file was taken from under another reader: journal {}, log {}",
        files.journal,
        files.log
    );
    assert_eq!(pragma(&other, "journal_mode").await, "wal");
    assert_eq!(count(&other).await, 3_000);
    let report = test.store.verify().await.unwrap();
    assert_eq!(report.verified, Verified::Intact, "{report:?}");
}

#[tokio::test]
async fn a_new_sqlite_store_has_pages_that_hold_several_decisions() {
    let test = sqlite().await;
    assert_eq!(pragma(&test.store, "page_size").await, "16384");
}

/// With bigger pages SQLite's default checkpoint (every 1,000 pages) would
/// let the write-ahead log reach 16 MiB and fill a small disk sooner than
/// it used to (a store of 4 KiB pages keeps 4 MiB: the next test).
#[tokio::test]
async fn a_sqlite_store_copies_its_log_back_at_about_four_mebibytes() {
    let test = sqlite().await;
    let pages: u64 = pragma(&test.store, "wal_autocheckpoint")
        .await
        .parse()
        .unwrap();
    let bytes: u64 = pragma(&test.store, "page_size").await.parse().unwrap();
    assert_eq!(pages * bytes, 4 * 1024 * 1024);
}

#[tokio::test]
async fn a_store_made_with_small_pages_keeps_them_and_imports() {
    use sqlx::ConnectOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A store as SQLite's defaults made it, before baton chose its pages.
    let mut old = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .page_size(4_096)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE kept (x)")
        .execute(&mut old)
        .await
        .unwrap();
    sqlx::Connection::close(old).await.unwrap();
    let store = baton_store::Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(pragma(&store, "page_size").await, "4096");
    assert_eq!(pragma(&store, "wal_autocheckpoint").await, "1024");
    applied(&store).await;
    let text = roles(1_500);
    let summary = import_csv(&store, &text, false, false).await.unwrap();
    assert_eq!(summary.past, 1_500);
    let report = store.verify().await.unwrap();
    assert_eq!(report.verified, Verified::Intact, "{report:?}");
}
