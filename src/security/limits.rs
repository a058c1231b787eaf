//! Per-address limits on actions anyone can repeat cheaply: registering, filing and uploading
//! evidence. Kept in this process's memory (each node counts its own requests); logins are
//! limited in the database instead (`store::login_attempts`), so they hold across nodes.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::SecuritySettings;

/// What is limited per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Registration,
    Filing,
    Upload,
}

/// The per-address limiters of one process.
#[derive(Clone)]
pub struct AddressLimits {
    registrations: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    filings: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    uploads: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    checks: Arc<std::sync::atomic::AtomicU64>,
}

/// Addresses remembered before forgetting those whose allowance is whole again.
const REMEMBERED_ADDRESSES: usize = 10_000;

fn per_hour(count: u32) -> Arc<DefaultKeyedRateLimiter<IpAddr>> {
    let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::keyed(Quota::per_hour(count)))
}

impl std::fmt::Debug for AddressLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressLimits").finish_non_exhaustive()
    }
}

impl AddressLimits {
    /// Limits from the `[security]` settings.
    pub fn new(settings: &SecuritySettings) -> Self {
        Self {
            registrations: per_hour(settings.max_registrations_per_address_hour),
            filings: per_hour(settings.max_filings_per_address_hour),
            uploads: per_hour(settings.max_uploads_per_address_hour),
            checks: Arc::default(),
        }
    }

    /// Counts one `action` from `address`; `Err(seconds)` says how long to wait when the
    /// address has used its allowance.
    pub fn check(&self, action: Action, address: IpAddr) -> Result<(), u64> {
        let limiter = match action {
            Action::Registration => &self.registrations,
            Action::Filing => &self.filings,
            Action::Upload => &self.uploads,
        };
        // Forgetting scans every address: done once in a while, not on every request.
        let checks = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if checks.is_multiple_of(1024) && limiter.len() > REMEMBERED_ADDRESSES {
            limiter.retain_recent();
        }
        limiter.check_key(&address).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}
