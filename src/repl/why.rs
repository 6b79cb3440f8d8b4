//! `:explain ID EXPR`: why a user (or account) is or is not matched, through the member-details
//! library (`crate::explain`, the same as `seg explain`): the verdict, then the tree of every
//! sub-expression's value, with the events each event set found and the windows searched.

use super::input::EXPR_NAME;
use crate::explain::{self, Explainer};
use crate::plan::{Plan, SegmentId};
use crate::source::SourceMap;
use crate::store::Store;

/// The verdict of `segment` for the user or account `id`, with its explanation tree; an error
/// when the data has no such id.
pub fn explain(
    plan: &Plan,
    store: &Store,
    sources: &SourceMap,
    now: i64,
    segment: SegmentId,
    id: &str,
) -> Result<String, String> {
    let explainer = Explainer::new(plan, store, sources, now);
    let definition = plan.segment(segment);
    let target = definition.target;
    let entity = explainer
        .entity(target, id)
        .ok_or_else(|| format!("there is no {} `{id}` in the data", target.noun()))?;
    let explanation = explainer.segment(&explainer.focus(entity), segment);
    let what = if definition.name == EXPR_NAME {
        format!(
            "matched by {}",
            explain::source_text(sources, definition.body.span)
        )
    } else {
        format!("in segment `{}`", definition.name)
    };
    let verdict = if explanation.member { "is" } else { "is not" };
    Ok(format!(
        "{id} {verdict} {what}\n{}",
        explain::text::node(&explanation.tree, 1)
    ))
}
