//! The webhook inbox's protocol, against every store (memory and SQLite always; PostgreSQL and
//! Redis when their variables are set, see `tests/inbox/mod.rs`): one claim among concurrent
//! ones, the two ways the old `first_delivery`/`forget` protocol lost an event (a redelivery
//! during processing; a crash after the claim), fencing, namespaces, a bounded purge, and
//! refused ids.

mod inbox;

use std::sync::Arc;
use std::time::Duration;

use craftkit_runtime::webhook::inbox::{Claim, Completion, Inbox, InboxError, Lease, SqliteInbox};
use inbox::{Store, TempDb, unique};

const LONG: Duration = Duration::from_secs(60);

async fn claimed(inbox: &dyn Inbox, id: &str, lease: Duration) -> Lease {
    match inbox.claim(id, lease).await.unwrap() {
        Claim::Claimed(lease) => lease,
        other => panic!(
            "{}: expected a claim of {id}, got {other:?}",
            inbox.namespace()
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_claims_of_one_id_give_one_lease() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), LONG).await;
        let claims = (0..16).map(|_| {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.claim("evt_1", LONG).await.unwrap() })
        });
        let mut leases = 0;
        for claim in claims {
            match claim.await.unwrap() {
                Claim::Claimed(_) => leases += 1,
                Claim::InProgress { retry_after } => assert!(retry_after >= Duration::from_secs(1)),
                Claim::Done => panic!("{}: nothing completed", store.name()),
            }
        }
        assert_eq!(leases, 1, "{}", store.name());
    }
}

/// Loss 1 of the issue: delivery 2 arrives while delivery 1 still works. The old protocol
/// answered it `200` (the sender stopped), then delivery 1 failed and forgot the id: nothing
/// processed the event. Now delivery 2 is told "in progress" (non-2xx, the sender comes back),
/// delivery 1's failure releases the claim, and delivery 3 claims and completes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_redelivery_during_processing_is_not_lost() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), LONG).await;
        let first = claimed(&*inbox, "evt_1", LONG).await;
        match inbox.claim("evt_1", LONG).await.unwrap() {
            Claim::InProgress { retry_after } => {
                assert!(
                    retry_after > Duration::from_secs(50),
                    "{}: {retry_after:?}",
                    store.name()
                );
                assert!(retry_after <= LONG);
            }
            other => panic!(
                "{}: a redelivery during processing got {other:?}",
                store.name()
            ),
        }
        inbox.release(&first).await.unwrap(); // delivery 1 failed
        let third = claimed(&*inbox, "evt_1", LONG).await;
        assert!(third.token() > first.token(), "{}", store.name());
        assert_eq!(inbox.complete(&third).await.unwrap(), Completion::Completed);
        assert_eq!(
            inbox.claim("evt_1", LONG).await.unwrap(),
            Claim::Done,
            "{}",
            store.name()
        );
        // A release after completion changes nothing.
        inbox.release(&third).await.unwrap();
        assert_eq!(inbox.claim("evt_1", LONG).await.unwrap(), Claim::Done);
    }
}

/// Loss 2 of the issue: the process dies after the claim, before its work committed. The old
/// protocol then answered every redelivery `200`. Now the lease expires and a redelivery
/// claims the event again.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_claim_lets_the_lease_expire() {
    for store in Store::all().await {
        let ns = unique("ns");
        let inbox = store.open(&ns, LONG).await;
        let crashed = claimed(&*inbox, "evt_1", Duration::from_millis(300)).await;
        // The process dies: no complete, no release. Memory forgets on a restart (its
        // documented limit), so there only the handler dies.
        let inbox = if store.shared() {
            drop(inbox);
            store.open(&ns, LONG).await // restarted
        } else {
            inbox
        };
        assert!(
            matches!(
                inbox.claim("evt_1", LONG).await.unwrap(),
                Claim::InProgress { .. }
            ),
            "{}: the lease still holds",
            store.name()
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let again = claimed(&*inbox, "evt_1", LONG).await;
        assert!(again.token() > crashed.token());
        assert_eq!(inbox.complete(&again).await.unwrap(), Completion::Completed);
        assert_eq!(inbox.claim("evt_1", LONG).await.unwrap(), Claim::Done);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_completion_after_another_claim_does_not_count() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), LONG).await;
        let slow = claimed(&*inbox, "evt_1", Duration::from_millis(200)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let fast = claimed(&*inbox, "evt_1", LONG).await;
        assert!(fast.token() > slow.token());
        assert_eq!(
            inbox.complete(&slow).await.unwrap(),
            Completion::LeaseLost,
            "{}",
            store.name()
        );
        inbox.release(&slow).await.unwrap(); // a late release does not free the new lease
        assert!(matches!(
            inbox.claim("evt_1", LONG).await.unwrap(),
            Claim::InProgress { .. }
        ));
        assert_eq!(inbox.complete(&fast).await.unwrap(), Completion::Completed);
        assert_eq!(
            inbox.complete(&fast).await.unwrap(),
            Completion::LeaseLost,
            "twice"
        );
        assert_eq!(inbox.claim("evt_1", LONG).await.unwrap(), Claim::Done);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_lease_not_claimed_again_still_completes() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), LONG).await;
        let lease = claimed(&*inbox, "evt_1", Duration::from_millis(100)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            inbox.complete(&lease).await.unwrap(),
            Completion::Completed,
            "{}",
            store.name()
        );
        assert_eq!(inbox.claim("evt_1", LONG).await.unwrap(), Claim::Done);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_namespaces_on_one_database_never_see_each_others_ids() {
    for store in Store::all().await.into_iter().filter(Store::shared) {
        let orders = store.open(&unique("orders"), LONG).await;
        let billing = store.open(&unique("billing"), LONG).await;
        let lease = claimed(&*orders, "evt_1", LONG).await;
        assert_eq!(
            orders.complete(&lease).await.unwrap(),
            Completion::Completed
        );
        let other = claimed(&*billing, "evt_1", LONG).await;
        // A lease of one namespace does not complete the other's id.
        assert_eq!(
            orders.complete(&other).await.unwrap(),
            Completion::LeaseLost
        );
        assert_eq!(
            billing.complete(&other).await.unwrap(),
            Completion::Completed
        );
        assert_eq!(
            billing.claim("evt_1", LONG).await.unwrap(),
            Claim::Done,
            "{}",
            store.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_purge_deletes_expired_ids_a_bounded_batch_at_a_time() {
    for store in Store::all().await {
        if matches!(store, Store::Sqlite(_) | Store::Memory) || store.name() == "postgres" {
            let ns = unique("ns");
            let inbox = store.open(&ns, Duration::ZERO).await;
            let kept = store.open(&unique("other"), LONG).await;
            for i in 0..10 {
                let lease = claimed(&*inbox, &format!("evt_{i}"), LONG).await;
                assert_eq!(inbox.complete(&lease).await.unwrap(), Completion::Completed);
            }
            let lease = claimed(&*kept, "evt_kept", LONG).await;
            kept.complete(&lease).await.unwrap();
            let live = claimed(&*inbox, "evt_live", LONG).await; // in progress: kept
            tokio::time::sleep(Duration::from_millis(20)).await;
            let mut batches = Vec::new();
            loop {
                let n = inbox.purge(3).await.unwrap();
                batches.push(n);
                if n == 0 {
                    break;
                }
            }
            assert_eq!(batches, [3, 3, 3, 1, 0], "{}", store.name());
            // Purged ids are absent again; the live lease and the other namespace are kept.
            assert!(matches!(
                inbox.claim("evt_0", LONG).await.unwrap(),
                Claim::Claimed(_)
            ));
            assert!(matches!(
                inbox.claim("evt_live", LONG).await.unwrap(),
                Claim::InProgress { .. }
            ));
            assert_eq!(inbox.complete(&live).await.unwrap(), Completion::Completed);
            assert_eq!(kept.claim("evt_kept", LONG).await.unwrap(), Claim::Done);
        } else {
            // Redis expires its keys itself (PX): nothing to purge.
            let inbox = store.open(&unique("ns"), Duration::from_millis(100)).await;
            let lease = claimed(&*inbox, "evt_1", LONG).await;
            inbox.complete(&lease).await.unwrap();
            assert_eq!(inbox.purge(10).await.unwrap(), 0);
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert!(matches!(
                inbox.claim("evt_1", LONG).await.unwrap(),
                Claim::Claimed(_)
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_event_ids_are_refused_before_the_store() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), LONG).await;
        for id in [
            String::new(),
            "e".repeat(256),
            "evt\n1".into(),
            "evt\u{0}".into(),
        ] {
            assert!(
                matches!(
                    inbox.claim(&id, LONG).await,
                    Err(InboxError::InvalidEventId(_))
                ),
                "{}: {id:?}",
                store.name()
            );
        }
        let longest = "é".repeat(127) + "e"; // 255 bytes
        assert!(matches!(
            inbox.claim(&longest, LONG).await.unwrap(),
            Claim::Claimed(_)
        ));
    }
}

#[tokio::test]
async fn invalid_namespaces_are_refused() {
    let db = TempDb::new();
    for ns in ["", "a:b", "with space", &"n".repeat(65)] {
        assert!(
            matches!(
                SqliteInbox::open(&db.0, ns).await,
                Err(InboxError::InvalidNamespace(_))
            ),
            "{ns:?}"
        );
    }
}

#[tokio::test]
async fn a_closed_sqlite_pool_is_an_unavailable_store() {
    let db = TempDb::new();
    let inbox = SqliteInbox::open(&db.0, "ns").await.unwrap();
    inbox.pool().close().await;
    let error = inbox.claim("evt_1", LONG).await.unwrap_err();
    assert!(
        matches!(
            error,
            InboxError::Unavailable {
                store: "sqlite",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_opportunistic_purge_runs_every_n_claims() {
    let db = TempDb::new();
    let inbox = SqliteInbox::open(&db.0, "ns")
        .await
        .unwrap()
        .retention(Duration::ZERO)
        .purge_every(4);
    for i in 0..3 {
        let lease = claimed(&inbox, &format!("evt_{i}"), LONG).await;
        inbox.complete(&lease).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    claimed(&inbox, "evt_3", LONG).await; // the 4th claim purges the 3 done ids first
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM craftkit_webhook_inbox")
        .fetch_one(inbox.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let _ = Arc::new(inbox) as Arc<dyn Inbox>; // object-safe
}
