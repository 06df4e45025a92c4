//! The structural difference of two versions' definition documents (B2):
//! pages by name, components by id wherever they sit, queries by name, each
//! changed field with its old and new value. Not a diff of the text: the
//! same document written in another key order or indentation has no
//! change.
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    Moved,
}

impl ChangeKind {
    /// As the API spells it (the serde names above).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Moved => "moved",
        }
    }
}

/// One difference. `path` names the thing (`pages.home.components.grid`,
/// `queries.orders.sql`); `before` is absent for an addition, `after` for a
/// removal; a move gives the page and position on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// `GET /apps/{app_id}/versions/{a}/diff/{b}` (API.md): from `a` to `b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Diff {
    pub changes: Vec<Change>,
}

/// Two versions of one app and what changed from the first to the second:
/// the diff page, and the promote and release confirmations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compared {
    pub from_id: String,
    pub from_name: String,
    pub to_id: String,
    pub to_name: String,
    pub diff: Diff,
}

impl Change {
    fn new(path: String, kind: ChangeKind, before: Option<Value>, after: Option<Value>) -> Change {
        Change {
            path,
            kind,
            before,
            after,
        }
    }

    /// What the change is about, for grouping on the page: `pages.home`,
    /// `queries.orders`, or a top-level field.
    pub fn group(&self) -> String {
        self.path
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }
}

fn list<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn name_of(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Each field of two objects that differs, except `skip`, under `path`.
fn fields(out: &mut Vec<Change>, path: &str, a: &Value, b: &Value, skip: &[&str]) {
    let empty = Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            let kind = match (x, y) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            };
            out.push(Change::new(
                format!("{path}.{k}"),
                kind,
                x.cloned(),
                y.cloned(),
            ));
        }
    }
}

/// The indices of `a` in a longest common subsequence of `a` and `b`:
/// the items that kept their order; the others moved. Both sides hold ids
/// or names, each at most once, so the common subsequence is the longest
/// increasing run of `b`'s positions taken in `a`'s order: O(n log n) time
/// and O(n) memory (R9), where the textbook table took n·m (two versions
/// of 40,000 components asked 12 GB of one diff). A repeated item, which
/// validation refuses, is matched to its first unused place in `b`.
fn kept_in_order(a: &[&str], b: &[&str]) -> BTreeSet<usize> {
    let mut at_b: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
    for (j, x) in b.iter().enumerate() {
        at_b.entry(x).or_default().push_back(j);
    }
    // (index in a, position in b) of the items of `a` found in `b`.
    let seq: Vec<(usize, usize)> = a
        .iter()
        .enumerate()
        .filter_map(|(i, x)| at_b.get_mut(x).and_then(|q| q.pop_front()).map(|j| (i, j)))
        .collect();
    // Patience sorting: tails[k] is the item ending the best run of k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; seq.len()];
    for (k, &(_, j)) in seq.iter().enumerate() {
        let len = tails.partition_point(|&t| seq[t].1 < j);
        before[k] = len.checked_sub(1).map(|l| tails[l]);
        if len == tails.len() {
            tails.push(k);
        } else {
            tails[len] = k;
        }
    }
    let mut kept = BTreeSet::new();
    let mut at = tails.last().copied();
    while let Some(k) = at {
        kept.insert(seq[k].0);
        at = before[k];
    }
    kept
}

/// Where a component sits: its page and its position there (from 0).
struct Place<'a> {
    page: String,
    at: usize,
    component: &'a Value,
}

fn places(pages: &[Value]) -> HashMap<String, Place<'_>> {
    let mut out = HashMap::new();
    for p in pages {
        for (at, c) in list(p, "components").iter().enumerate() {
            out.entry(name_of(c, "id")).or_insert(Place {
                page: name_of(p, "name"),
                at,
                component: c,
            });
        }
    }
    out
}

/// Pages of `a` renamed in `b`: a page only in `a` and one only in `b` at
/// the same position are one page under a new name.
fn renames(a: &[Value], b: &[Value]) -> HashMap<String, String> {
    let names = |ps: &[Value]| ps.iter().map(|p| name_of(p, "name")).collect::<Vec<_>>();
    let (na, nb) = (names(a), names(b));
    na.iter()
        .enumerate()
        .filter(|(i, n)| !nb.contains(n) && nb.get(*i).is_some_and(|m| !na.contains(m)))
        .map(|(i, n)| (n.clone(), nb[i].clone()))
        .collect()
}

/// The changes from document `a` to document `b`, in a stable order:
/// pages (then their components), queries, other fields.
pub fn diff(a: &Value, b: &Value) -> Diff {
    let mut out = Vec::new();
    let (pa, pb) = (list(a, "pages"), list(b, "pages"));
    let renamed = renames(pa, pb);
    let new_name = |n: &str| renamed.get(n).cloned().unwrap_or_else(|| n.to_string());
    // Pages by name, so nothing below scans the pages per component (R9).
    let index = |ps: &[Value]| -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for (i, p) in ps.iter().enumerate() {
            m.entry(name_of(p, "name")).or_insert(i);
        }
        m
    };
    let (at_a, at_b) = (index(pa), index(pb));
    let page_in_b = |n: &str| at_b.get(&new_name(n)).map(|&i| &pb[i]);

    // Pages: removed, renamed, changed fields, moved among the pages.
    for p in pa {
        let name = name_of(p, "name");
        match page_in_b(&name) {
            None => out.push(Change::new(
                format!("pages.{name}"),
                ChangeKind::Removed,
                Some(p.clone()),
                None,
            )),
            Some(q) => {
                if renamed.contains_key(&name) {
                    out.push(Change::new(
                        format!("pages.{name}.name"),
                        ChangeKind::Changed,
                        Some(json!(name)),
                        Some(json!(new_name(&name))),
                    ));
                }
                fields(
                    &mut out,
                    &format!("pages.{}", new_name(&name)),
                    p,
                    q,
                    &["name", "components"],
                );
            }
        }
    }
    let renamed_to: BTreeSet<&String> = renamed.values().collect();
    for q in pb {
        let name = name_of(q, "name");
        let in_a = pa.iter().any(|p| name_of(p, "name") == name) || renamed_to.contains(&name);
        if !in_a {
            out.push(Change::new(
                format!("pages.{name}"),
                ChangeKind::Added,
                None,
                Some(q.clone()),
            ));
        }
    }
    let order_a: Vec<String> = pa
        .iter()
        .map(|p| new_name(&name_of(p, "name")))
        .filter(|n| pb.iter().any(|q| name_of(q, "name") == *n))
        .collect();
    let order_b: Vec<String> = pb
        .iter()
        .map(|q| name_of(q, "name"))
        .filter(|n| order_a.contains(n))
        .collect();
    let (oa, ob): (Vec<&str>, Vec<&str>) = (
        order_a.iter().map(String::as_str).collect(),
        order_b.iter().map(String::as_str).collect(),
    );
    let kept = kept_in_order(&oa, &ob);
    for (i, n) in oa.iter().enumerate() {
        if !kept.contains(&i) {
            let at_b = ob.iter().position(|m| m == n);
            out.push(Change::new(
                format!("pages.{n}"),
                ChangeKind::Moved,
                Some(json!({"position": i})),
                Some(json!({"position": at_b})),
            ));
        }
    }

    // Components, by id wherever they are.
    let (ca, cb) = (places(pa), places(pb));
    let path = |page: &str, id: &str| format!("pages.{page}.components.{id}");
    // Per page of `b`, the ids present on both sides and on that page in
    // both, in each side's order: those out of order moved.
    let mut moved: BTreeSet<String> = BTreeSet::new();
    for q in pb {
        let page = name_of(q, "name");
        let same_page = |id: &String| ca.get(id).is_some_and(|x| new_name(&x.page) == page);
        let in_b: Vec<String> = list(q, "components")
            .iter()
            .map(|c| name_of(c, "id"))
            .filter(same_page)
            .collect();
        let mut in_a: Vec<(&usize, String)> =
            in_b.iter().map(|id| (&ca[id].at, id.clone())).collect();
        in_a.sort();
        let in_a: Vec<&str> = in_a.iter().map(|(_, id)| id.as_str()).collect();
        let in_b: Vec<&str> = in_b.iter().map(String::as_str).collect();
        let kept = kept_in_order(&in_a, &in_b);
        moved.extend(
            in_a.iter()
                .enumerate()
                .filter(|(i, _)| !kept.contains(i))
                .map(|(_, id)| id.to_string()),
        );
    }
    let mut ids: Vec<&String> = ca
        .keys()
        .chain(cb.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // In the order of `b`'s pages, then what only `a` had.
    ids.sort_by_cached_key(|id| {
        cb.get(*id)
            .map(|p| (0, at_b.get(&p.page).copied(), p.at))
            .or_else(|| ca.get(*id).map(|p| (1, at_a.get(&p.page).copied(), p.at)))
    });
    // A page removed or added whole lists its components in its own change.
    let page_gone = |page: &str| page_in_b(page).is_none();
    let page_new = |page: &str| !at_a.contains_key(page) && !renamed_to.contains(&page.to_string());
    for id in ids {
        match (ca.get(id), cb.get(id)) {
            (Some(x), None) if page_gone(&x.page) => {}
            (None, Some(y)) if page_new(&y.page) => {}
            (Some(x), None) => out.push(Change::new(
                path(&x.page, id),
                ChangeKind::Removed,
                Some(x.component.clone()),
                None,
            )),
            (None, Some(y)) => out.push(Change::new(
                path(&y.page, id),
                ChangeKind::Added,
                None,
                Some(y.component.clone()),
            )),
            (Some(x), Some(y)) => {
                if new_name(&x.page) != y.page || moved.contains(id) {
                    out.push(Change::new(
                        path(&y.page, id),
                        ChangeKind::Moved,
                        Some(json!({"page": x.page, "position": x.at})),
                        Some(json!({"page": y.page, "position": y.at})),
                    ));
                }
                fields(
                    &mut out,
                    &path(&y.page, id),
                    x.component,
                    y.component,
                    &["id"],
                );
            }
            (None, None) => {}
        }
    }

    // Queries, by name; their order means nothing.
    let (qa, qb) = (list(a, "queries"), list(b, "queries"));
    let by_name = |qs: &[Value], n: &str| qs.iter().find(|q| name_of(q, "name") == n).cloned();
    let mut names: Vec<String> = qa.iter().chain(qb).map(|q| name_of(q, "name")).collect();
    names.sort();
    names.dedup();
    for n in names {
        match (by_name(qa, &n), by_name(qb, &n)) {
            (Some(x), None) => out.push(Change::new(
                format!("queries.{n}"),
                ChangeKind::Removed,
                Some(x),
                None,
            )),
            (None, Some(y)) => out.push(Change::new(
                format!("queries.{n}"),
                ChangeKind::Added,
                None,
                Some(y),
            )),
            (Some(x), Some(y)) => fields(&mut out, &format!("queries.{n}"), &x, &y, &["name"]),
            (None, None) => {}
        }
    }

    // Anything else the document holds, field by field.
    let rest = |v: &Value| {
        let mut m = v.as_object().cloned().unwrap_or_default();
        m.remove("pages");
        m.remove("queries");
        Value::Object(m)
    };
    let mut top = Vec::new();
    fields(&mut top, "", &rest(a), &rest(b), &[]);
    out.extend(top.into_iter().map(|mut c| {
        c.path = c.path.trim_start_matches('.').to_string();
        c
    }));
    Diff { changes: out }
}
