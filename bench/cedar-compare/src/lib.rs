//! Builds a Cedar policy set and entity store equivalent to baton's
//! generated medium guide (`Shape::MEDIUM`: 20 rules, 1,000 people).

use std::fmt::Write as _;
use std::str::FromStr;

use baton_core::org::OrgFile;
use baton_fixtures::synthetic::{self, Shape};
use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request};

pub struct CedarCase {
    pub authorizer: Authorizer,
    pub policies: PolicySet,
    pub entities: Entities,
    pub requests: Vec<Request>,
}

fn uid(kind: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("{kind}::\"{id}\"")).expect("valid uid")
}

/// One policy per baton rule, with the same shape: rotation membership,
/// situational context conditions, rank, and expertise thresholds.
pub fn policies(shape: Shape) -> String {
    let mut out = String::new();
    let types = shape.types();
    for i in 0..shape.rules.saturating_sub(1) {
        let t = format!("t{:03}", i % types);
        let d = format!("d{:02}", (i / 2) % shape.domains);
        let r = format!("r{:02}", i % shape.rotations.max(1));
        let body = match i % 10 {
            0 => format!("context.urgency == \"critical\" && principal in Rotation::\"{r}\""),
            1 | 2 => format!("principal in Rotation::\"{r}\""),
            3 => "context.rows > 1000000 || principal.rank >= 4".to_owned(),
            4 => format!("principal.expertise has {d} && principal.expertise.{d} >= 4"),
            _ => format!("principal.expertise has {d} && principal.expertise.{d} >= 3 && principal.endorsed has {d}"),
        };
        let _ = writeln!(
            out,
            "@id(\"rule{i:03}\")\npermit(principal, action == Action::\"decide\", resource == DecisionType::\"{t}\") when {{ {body} }};"
        );
    }
    out.push_str("@id(\"fallback\")\npermit(principal, action == Action::\"decide\", resource) when { principal.rank >= 4 };\n");
    out
}

/// Users with rank, expertise and endorsed domains as attributes, members of
/// their rotations; decision types as resources.
pub fn entities(shape: Shape) -> serde_json::Value {
    let org: OrgFile = serde_json::from_str(&synthetic::org_json(shape)).expect("synthetic org");
    let guide = synthetic::guide_yaml(shape);
    let mut rotations: Vec<(String, Vec<String>)> = Vec::new();
    for line in guide.lines() {
        let line = line.trim();
        if let (Some(name), Some(start)) = (line.split(':').next(), line.find("members: [")) {
            if name.starts_with('r') && name.len() == 3 {
                let rest = &line[start + 10..];
                let members = rest[..rest.find(']').unwrap_or(0)].split(", ").map(str::to_owned).collect();
                rotations.push((name.to_owned(), members));
            }
        }
    }
    let mut endorsed: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for e in &org.endorsements {
        endorsed.entry(e.of.as_str()).or_default().push(e.domain.as_str());
    }
    let mut list = Vec::new();
    for p in &org.people {
        let parents: Vec<serde_json::Value> = rotations
            .iter()
            .filter(|(_, m)| m.contains(&p.id))
            .map(|(r, _)| serde_json::json!({"type": "Rotation", "id": r}))
            .collect();
        let expertise: serde_json::Map<String, serde_json::Value> =
            p.expertise.iter().map(|(d, l)| (d.clone(), serde_json::json!(l))).collect();
        let endorsed: serde_json::Map<String, serde_json::Value> = endorsed
            .get(p.id.as_str())
            .map(|ds| ds.iter().map(|d| ((*d).to_owned(), serde_json::json!(true))).collect())
            .unwrap_or_default();
        list.push(serde_json::json!({
            "uid": {"type": "User", "id": p.id},
            "attrs": {"rank": p.rank, "expertise": expertise, "endorsed": endorsed},
            "parents": parents,
        }));
    }
    for (r, _) in &rotations {
        list.push(serde_json::json!({"uid": {"type": "Rotation", "id": r}, "attrs": {}, "parents": []}));
    }
    for t in 0..shape.types() {
        list.push(serde_json::json!({"uid": {"type": "DecisionType", "id": format!("t{t:03}")}, "attrs": {}, "parents": []}));
    }
    serde_json::Value::Array(list)
}

pub fn case(shape: Shape, n: usize) -> CedarCase {
    let policies = PolicySet::from_str(&policies(shape)).expect("policies parse");
    let entities = Entities::from_json_value(entities(shape), None).expect("entities load");
    let requests = synthetic::requests(shape, n)
        .into_iter()
        .map(|r| {
            let context = Context::from_json_value(r.context.clone(), None).expect("context");
            Request::new(
                uid("User", r.requester.as_deref().unwrap_or("p000000")),
                uid("Action", "decide"),
                uid("DecisionType", &r.decision_type),
                context,
                None,
            )
            .expect("request")
        })
        .collect();
    CedarCase {
        authorizer: Authorizer::new(),
        policies,
        entities,
        requests,
    }
}
