//! Member counts for hover, computed in the background: where the project's `seg.toml` names
//! data files, a worker thread loads them once (per schema) and evaluates the latest checked
//! plan as of now (or the client's `asOf`), while the server goes on answering. Hover reads
//! the last finished counts and never waits for them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use crate::engine::Engine;
use crate::plan::Plan;
use crate::schema::Schema;
use crate::store::load::{Kind, OnBadRow};
use crate::store::Store;

/// The data files of a project, by kind (as `seg.toml` names them).
pub type Inputs = [(Kind, Vec<PathBuf>); 3];

/// What the worker is asked to count: a plan over the data files.
struct Job {
    plan: Plan,
    schema: Schema,
    inputs: Inputs,
    now: i64,
}

/// The counts of the last plan evaluated, by segment name.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub by_segment: HashMap<String, usize>,
    /// Users or accounts in the data, by segment name (the share's denominator).
    pub of: HashMap<String, usize>,
    pub now: i64,
    /// Why there are none (the data did not load).
    pub error: Option<String>,
}

#[derive(Default)]
struct Shared {
    /// The newest job, taken by the worker when it is free.
    job: Option<Job>,
    counts: Option<Counts>,
}

/// The handle the server keeps.
#[derive(Clone, Default)]
pub struct Counter {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    started: Arc<Mutex<bool>>,
}

impl Counter {
    /// Asks for `plan` to be counted (replacing a job not yet started); starts the worker the
    /// first time.
    pub fn request(&self, plan: Plan, schema: Schema, inputs: Inputs, now: i64) {
        let (lock, wake) = &*self.shared;
        lock.lock().expect("the counts' lock").job = Some(Job {
            plan,
            schema,
            inputs,
            now,
        });
        wake.notify_one();
        let mut started = self.started.lock().expect("the worker's flag");
        if !*started {
            *started = true;
            let shared = Arc::clone(&self.shared);
            std::thread::spawn(move || work(&shared));
        }
    }

    /// The last counts finished, if any.
    #[must_use]
    pub fn latest(&self) -> Option<Counts> {
        self.shared
            .0
            .lock()
            .expect("the counts' lock")
            .counts
            .clone()
    }
}

/// The worker: takes the newest job, loads the data when the schema or files changed, counts.
fn work(shared: &(Mutex<Shared>, Condvar)) {
    let (lock, wake) = shared;
    // The data last loaded, and for which schema and files.
    let mut loaded: Option<(Schema, Inputs, Result<Store, String>)> = None;
    loop {
        let job = {
            let mut state = lock.lock().expect("the counts' lock");
            loop {
                if let Some(job) = state.job.take() {
                    break job;
                }
                state = wake.wait(state).expect("the counts' lock");
            }
        };
        let fresh = loaded
            .as_ref()
            .is_some_and(|(schema, inputs, _)| *schema == job.schema && *inputs == job.inputs);
        if !fresh {
            let store = load(&job.schema, &job.inputs);
            loaded = Some((job.schema.clone(), job.inputs.clone(), store));
        }
        let store = &loaded.as_ref().expect("loaded above").2;
        let counts = match store {
            Ok(store) => count(&job.plan, store, job.now),
            Err(e) => Counts {
                error: Some(e.clone()),
                now: job.now,
                ..Counts::default()
            },
        };
        lock.lock().expect("the counts' lock").counts = Some(counts);
    }
}

fn load(schema: &Schema, inputs: &Inputs) -> Result<Store, String> {
    crate::cli::load_data(schema, inputs, OnBadRow::Fail)
        .map_err(|_| "the data files in seg.toml did not load (see `seg eval`)".to_string())
}

fn count(plan: &Plan, store: &Store, now: i64) -> Counts {
    let memberships = crate::engine::evaluate(plan, store, now, Engine::Interp);
    let mut counts = Counts {
        now,
        ..Counts::default()
    };
    for (segment, members) in plan.segments.iter().zip(&memberships.members) {
        counts
            .by_segment
            .insert(segment.name.clone(), members.iter().filter(|&&m| m).count());
        counts.of.insert(segment.name.clone(), members.len());
    }
    counts
}
