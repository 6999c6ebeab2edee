use super::*;
use crate::analytics::{Directories, Judge, Scope, Trend, Window};

fn trend_of(log: &[Decision], window: Window) -> Trend {
    let g = guide();
    let directories = Directories::single(Arc::clone(&g.directory));
    let facts = crate::analytics::Facts::of(log, &Judge::new(&directories, &[&g]));
    crate::analytics::trend(&facts, Scope::Team("core"), window)
}

#[test]
fn each_weekly_bucket_has_the_windows_definitions_over_its_own_decisions() {
    let log = vec![
        opened(1, "chore", "mgr", day(1)).decided(hours(2)),
        opened(2, "chore", "mgr", day(2))
            .decided(hours(4))
            .escalated(),
        opened(3, "design", "kim", day(6)).decided(hours(24 * 3)),
        opened(4, "design", "kim", day(8))
            .decided(hours(6))
            .overridden_by("boss"),
    ];
    let t = trend_of(
        &log,
        Window {
            from: day(0),
            to: day(10),
        },
    );
    assert_eq!(t.bucket_seconds, 7 * 86_400);
    assert_eq!(t.points.len(), 2);
    let (a, b) = (&t.points[0], &t.points[1]);
    assert_eq!((a.opened, a.decided), (3, 2));
    assert_eq!(a.median_seconds, Some(3.0 * 3600.0));
    assert_eq!(a.escalation_rate, Some(1.0 / 3.0));
    assert_eq!(a.velocity_per_week, 2.0);
    // Decision 3 was opened in the first week and decided in the second.
    assert_eq!((b.opened, b.decided), (1, 2));
    assert_eq!(b.to, day(10));
    assert_eq!(b.override_rate, Some(0.5));
    // The last bucket is three days long: two decisions is 14/3 a week.
    assert!((b.velocity_per_week - 14.0 / 3.0).abs() < 1e-12);
    assert_eq!(b.leader_share, Some(0.5));
    assert_eq!(b.expert_share, Some(0.5));
}
