//! Unit tests of the shared pieces: the id and namespace rules, the purge schedule.

use super::{InboxError, PurgeSchedule, check_event_id, check_namespace};

#[test]
fn event_ids_are_counted_in_bytes_and_refuse_every_control_character() {
    assert!(check_event_id(&"é".repeat(127)).is_ok()); // 254 bytes
    assert!(check_event_id(&("é".repeat(127) + "ab")).is_err()); // 256 bytes
    for control in ['\0', '\t', '\r', '\u{7f}', '\u{85}'] {
        assert_eq!(
            check_event_id(&format!("evt{control}1")),
            Err(InboxError::InvalidEventId(
                "the event id has a control character"
            ))
        );
    }
    assert!(check_event_id("evt_01JD6ZQ-ünïcode 1").is_ok());
}

#[test]
fn a_refused_namespace_is_named_at_most_64_characters_long() {
    let long = "ü".repeat(100);
    match check_namespace(&long) {
        Err(InboxError::InvalidNamespace(shown)) => assert_eq!(shown.chars().count(), 64),
        other => panic!("{other:?}"),
    }
    assert!(check_namespace(&"n".repeat(64)).is_ok());
}

#[test]
fn the_purge_is_due_every_n_claims_and_never_at_zero() {
    let every_three = PurgeSchedule::new(3);
    let due: Vec<bool> = (0..7).map(|_| every_three.due()).collect();
    assert_eq!(due, [false, false, true, false, false, true, false]);
    let never = PurgeSchedule::new(0);
    assert!((0..10).all(|_| !never.due()));
}
