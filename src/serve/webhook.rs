//! Outbound sync: each `[[serve.webhook]]` gets a thread that reads the change log from its
//! delivery position, POSTs batches of changes (JSON) signed with HMAC-SHA256 of the body
//! (`X-Seg-Signature: sha256=HEX`), and moves the position on only after a 2xx answer,
//! writing it durably (a temporary file, synced, renamed over the old one). A failure is
//! retried with backoff (0.1 s doubling to 10 s), so every change is delivered at least once,
//! across restarts too.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::state::Service;
use crate::config::Webhook;

/// The most changes in one delivery.
pub const BATCH: usize = 500;

/// A webhook's name and delivery position, for `/metrics`.
#[derive(Clone)]
pub struct Status {
    pub name: String,
    position: Arc<AtomicU64>,
}

impl Status {
    /// The change log position delivered up to (exclusive).
    #[must_use]
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }
}

/// The signature header's value for a body.
#[must_use]
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!("sha256={}", super::hex(&digest))
}

fn position_file(dir: &Path, name: &str) -> PathBuf {
    dir.join("webhooks")
        .join(format!("{}.pos", super::hex(name.as_bytes())))
}

fn read_position(path: &Path) -> Result<u64, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{}: not a delivery position", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn write_position(path: &Path, position: u64) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = path.with_extension("pos.tmp");
    let mut file = std::fs::File::create(&temporary)?;
    writeln!(file, "{position}")?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Starts delivering to `hook`.
pub fn start(service: Arc<Service>, hook: Webhook) -> Result<Status, String> {
    let name = hook.name.clone().unwrap_or_else(|| hook.url.clone());
    let path = position_file(&service.dir, &name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let position = Arc::new(AtomicU64::new(read_position(&path)?));
    let status = Status {
        name: name.clone(),
        position: Arc::clone(&position),
    };
    std::thread::Builder::new()
        .name(format!("seg-webhook-{name}"))
        .spawn(move || deliver(&service, &hook, &name, &path, &position))
        .map_err(|e| e.to_string())?;
    Ok(status)
}

fn deliver(service: &Service, hook: &Webhook, name: &str, path: &Path, position: &AtomicU64) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut failures: u32 = 0;
    loop {
        let from = position.load(Ordering::Relaxed);
        let (changes, next) = match service.changes.read(&hook.segments, from, BATCH) {
            Ok(read) => read,
            Err(e) => {
                eprintln!("seg serve: webhook {name}: the change log: {e}");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if changes.is_empty() {
            if next != from {
                if let Err(e) = write_position(path, next) {
                    eprintln!("seg serve: webhook {name}: {}: {e}", path.display());
                }
                position.store(next, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        let list: Vec<serde_json::Value> = changes
            .iter()
            .map(|l| {
                serde_json::json!({
                    "cursor": l.seq.to_string(),
                    "segment": l.change.segment,
                    "id": l.change.id,
                    "change": if l.change.entered { "enter" } else { "leave" },
                    "at": crate::time::format_timestamp(l.change.at),
                })
            })
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({
            "webhook": name,
            "changes": list,
            "next_cursor": next.to_string(),
        }))
        .expect("a delivery serializes");
        let sent = agent
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("x-seg-signature", signature(&hook.secret, &body))
            .send(&body[..]);
        match sent {
            Ok(_) => {
                failures = 0;
                if let Err(e) = write_position(path, next) {
                    eprintln!("seg serve: webhook {name}: {}: {e}", path.display());
                }
                position.store(next, Ordering::Relaxed);
            }
            Err(e) => {
                let wait =
                    Duration::from_millis(100u64 << failures.min(7)).min(Duration::from_secs(10));
                eprintln!(
                    "seg serve: webhook {name}: delivery failed ({e}); retrying in {:.1} s",
                    wait.as_secs_f64()
                );
                failures += 1;
                std::thread::sleep(wait);
            }
        }
    }
}
