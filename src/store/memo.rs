//! What a node read lately, kept for the next request that asks the same
//! (docs/architecture.md#read-memory): a dispute list's page and a dispute's case file. A kept
//! answer is served while no work that may write ended on the node since it was read, and for
//! at most [`KEPT_FOR`] after; writes elsewhere (another `serve` node, an `odr worker` process)
//! show within that time.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

use super::disputes::{DisputeFilter, DisputeScope};

/// How long an answer is served after it was read, at most.
pub const KEPT_FOR: TimeDelta = TimeDelta::seconds(1);

/// Beyond this weight (rows kept, over every answer), what is out of date is dropped, and when
/// that leaves more than half of it, everything.
const MOST_WEIGHT: usize = 50_000;

/// The heaviest answer kept.
const MOST_WEIGHT_OF_ONE: usize = MOST_WEIGHT / 10;

/// Held by work that may write; when it ends, committed or not, [`Memo::note_write`].
pub(crate) struct NoteWriteAtEnd(pub(crate) Arc<Memo>);

impl Drop for NoteWriteAtEnd {
    fn drop(&mut self) {
        self.0.note_write();
    }
}

/// What an answer answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Question {
    /// A page of disputes of a scope.
    Listing(DisputeScope, DisputeFilter),
    /// A dispute with its parties and its case file.
    Dispute(String),
}

impl Question {
    /// The question a list page of `scope` with `filter` asks; None when its answer is not kept:
    /// it depends on the moment (overdue now) or is longer than `largest_page` and the row that
    /// tells there are more (an export).
    pub fn listing(
        scope: &DisputeScope,
        filter: &DisputeFilter,
        largest_page: i64,
    ) -> Option<Self> {
        let of_the_moment =
            filter.first_contact_overdue_at.is_some() || filter.overdue_at.is_some();
        (!of_the_moment && filter.limit <= largest_page + 1)
            .then(|| Self::Listing(scope.clone(), filter.clone()))
    }
}

struct Kept {
    writes: u64,
    at: DateTime<Utc>,
    weight: usize,
    answer: Arc<dyn Any + Send + Sync>,
}

impl Kept {
    fn current(&self, writes: u64, now: DateTime<Utc>) -> bool {
        self.writes == writes && self.at <= now && now - self.at < KEPT_FOR
    }
}

/// The answers one node keeps (each has its own: two in one process, as in the tests, do not
/// share), with how many pieces of work that may write ended on it.
#[derive(Default)]
pub struct Memo {
    kept: Mutex<(HashMap<Question, Kept>, usize)>,
    writes: AtomicU64,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo").finish_non_exhaustive()
    }
}

impl Memo {
    /// Called when work that may have written ends (after its commit): every answer kept before
    /// is out of date.
    pub fn note_write(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// The count of ended writes, to be taken before reading an answer to [`Memo::keep`].
    pub fn writes_so_far(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, (HashMap<Question, Kept>, usize)> {
        // Every holder leaves the map whole: a poisoned lock still guards good data.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer to `question` read at most [`KEPT_FOR`] before `now`, when no write ended
    /// since.
    pub fn recall<T: Any + Send + Sync>(
        &self,
        question: &Question,
        now: DateTime<Utc>,
    ) -> Option<Arc<T>> {
        let writes = self.writes_so_far();
        let held = self.held();
        let kept = held.0.get(question)?;
        if !kept.current(writes, now) {
            return None;
        }
        kept.answer.clone().downcast().ok()
    }

    /// Keeps `answer`, of `weight` rows, read at `now` after `writes` writes had ended
    /// ([`Memo::writes_so_far`], taken before reading). An answer of no weight (nothing
    /// found) or of more than a tenth of what may be held is not kept.
    pub fn keep<T: Any + Send + Sync>(
        &self,
        question: Question,
        writes: u64,
        now: DateTime<Utc>,
        weight: usize,
        answer: Arc<T>,
    ) {
        if weight == 0 || weight > MOST_WEIGHT_OF_ONE {
            return;
        }
        let mut held = self.held();
        let (kept, total) = &mut *held;
        if *total + weight > MOST_WEIGHT {
            let writes_now = self.writes_so_far();
            kept.retain(|_, k| k.current(writes_now, now));
            *total = kept.values().map(|k| k.weight).sum();
            // Half free at least, so that the next answers do not sweep again.
            if *total > MOST_WEIGHT / 2 {
                kept.clear();
                *total = 0;
            }
        }
        let new = Kept {
            writes,
            at: now,
            weight,
            answer,
        };
        *total += weight;
        if let Some(old) = kept.insert(question, new) {
            *total -= old.weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::disputes::DisputeSort;

    fn question(id: &str) -> Question {
        Question::Dispute(id.into())
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn an_answer_is_current_until_a_write_ends_or_its_time_is_up() {
        let kept = Kept {
            writes: 5,
            at: at(0),
            weight: 1,
            answer: Arc::new(7_u32),
        };
        assert!(kept.current(5, at(0)));
        assert!(kept.current(5, at(0) + TimeDelta::milliseconds(999)));
        assert!(!kept.current(5, at(1)), "1 s later");
        assert!(!kept.current(5, at(-1)), "before it was read");
        assert!(!kept.current(6, at(0)), "after a write ended");
    }

    #[test]
    fn a_kept_answer_is_recalled_for_its_question_until_a_write_ends() {
        let memo = Memo::default();
        memo.keep(
            question("a"),
            memo.writes_so_far(),
            at(0),
            1,
            Arc::new(7_u32),
        );
        let recalled = memo.recall::<u32>(&question("a"), at(0));
        assert_eq!(recalled.map(|v| *v), Some(7));
        assert_eq!(
            memo.recall::<u64>(&question("a"), at(0)),
            None,
            "another type"
        );
        assert_eq!(
            memo.recall::<u32>(&question("b"), at(0)),
            None,
            "another question"
        );
        // Read before a write that ended while it was read: not served.
        let before = memo.writes_so_far();
        drop(NoteWriteAtEnd(Arc::new(Memo::default())));
        assert!(
            memo.recall::<u32>(&question("a"), at(0)).is_some(),
            "another node's write"
        );
        memo.note_write();
        assert_eq!(
            memo.recall::<u32>(&question("a"), at(0)),
            None,
            "after a write"
        );
        memo.keep(question("a"), before, at(0), 1, Arc::new(7_u32));
        assert_eq!(memo.recall::<u32>(&question("a"), at(0)), None);
    }

    #[test]
    fn listings_of_other_scopes_or_filters_are_other_questions() {
        let filter = DisputeFilter {
            statuses: vec![],
            due_before: None,
            first_contact_overdue_at: None,
            overdue_at: None,
            business_ids: Vec::new(),
            region_prefixes: Vec::new(),
            industry_codes: Vec::new(),
            sort: DisputeSort::Due,
            after: None,
            limit: 21,
        };
        let mine = Question::Listing(DisputeScope::Business("b1".into()), filter.clone());
        let theirs = Question::Listing(DisputeScope::Business("b2".into()), filter.clone());
        let newest = Question::Listing(
            DisputeScope::Business("b1".into()),
            DisputeFilter {
                sort: DisputeSort::Filed,
                ..filter.clone()
            },
        );
        assert_ne!(mine, theirs);
        assert_ne!(mine, newest);
        let scope = DisputeScope::Business("b1".into());
        let overdue = DisputeFilter {
            overdue_at: Some(at(0)),
            ..filter.clone()
        };
        assert_eq!(
            Question::listing(&scope, &overdue, 200),
            None,
            "of the moment"
        );
        let export = DisputeFilter {
            limit: 10_001,
            ..filter.clone()
        };
        assert_eq!(Question::listing(&scope, &export, 200), None, "an export");
        assert_eq!(Question::listing(&scope, &filter, 200), Some(mine));
    }

    #[test]
    fn the_weight_kept_is_bounded() {
        let memo = Memo::default();
        let writes = memo.writes_so_far();
        for n in 0..(MOST_WEIGHT / 1_000 + 5) {
            memo.keep(question(&n.to_string()), writes, at(0), 1_000, Arc::new(n));
            let held = memo.held();
            assert!(held.1 <= MOST_WEIGHT);
            assert_eq!(held.1, held.0.values().map(|k| k.weight).sum::<usize>());
        }
        memo.keep(question("heavy"), writes, at(0), MOST_WEIGHT, Arc::new(0));
        memo.keep(question("nothing"), writes, at(0), 0, Arc::new(0));
        assert_eq!(memo.recall::<i32>(&question("heavy"), at(0)), None);
        assert_eq!(memo.recall::<i32>(&question("nothing"), at(0)), None);
        // Answering the same question again replaces the answer and its weight.
        memo.keep(question("x"), writes, at(0), 10, Arc::new(1));
        let before = memo.held().1;
        memo.keep(question("x"), writes, at(0), 20, Arc::new(2));
        assert_eq!(memo.held().1, before + 10);
    }
}
