//! SPEC §7 feedback: anonymous surveys and confidence polls, as values.
//!
//! The store keeps who has answered a survey apart from what was answered;
//! this module checks answers against the questions, and tallies them only
//! once enough exist that no answer can be read as one person's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::lifecycle::LifecycleError;
use crate::org::Directory;

/// Results are shown only from this many responses on (SPEC §7).
pub const MIN_RESPONSES: usize = 3;

/// What a question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 0–10, "how likely are you to recommend…": tallied as eNPS.
    Enps,
    /// 1–5.
    Scale,
    /// true or false.
    YesNo,
    /// Free text, up to 2,000 characters.
    Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// A short key answers are given under, e.g. `heard`.
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
}

/// The standard survey of SPEC §7, used when a survey names no questions.
pub fn standard_questions() -> Vec<Question> {
    let q = |id: &str, kind, prompt: &str| Question {
        id: id.into(),
        kind,
        prompt: prompt.into(),
    };
    vec![
        q(
            "enps",
            QuestionKind::Enps,
            "How likely are you to recommend how this team decides to a friend (0–10)?",
        ),
        q(
            "heard",
            QuestionKind::YesNo,
            "Did you feel heard in the decisions of this period?",
        ),
        q(
            "misapplied",
            QuestionKind::YesNo,
            "Was deference misapplied — did the wrong person decide something?",
        ),
        q("comments", QuestionKind::Text, "Anything else?"),
    ]
}

const MAX_TEXT: usize = 2000;

fn invalid(detail: String) -> LifecycleError {
    LifecycleError::Invalid(detail)
}

/// Checks a survey's questions: at least one, ids unique and short.
pub fn check_questions(questions: &[Question]) -> Result<(), LifecycleError> {
    if questions.is_empty() {
        return Err(invalid("`questions`: a survey needs at least one".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, q) in questions.iter().enumerate() {
        if q.id.is_empty() || q.id.len() > 40 {
            return Err(invalid(format!(
                "`questions[{i}].id`: give a key of 1 to 40 characters"
            )));
        }
        if q.prompt.trim().is_empty() {
            return Err(invalid(format!("`questions[{i}].prompt` is empty")));
        }
        if !seen.insert(q.id.as_str()) {
            return Err(invalid(format!(
                "`questions[{i}].id`: `{}` is used twice",
                q.id
            )));
        }
    }
    Ok(())
}

/// Checks one response: every answer is to a question of the survey and of
/// its kind. Unanswered questions are allowed (people skip questions).
pub fn check_answers(
    questions: &[Question],
    answers: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), LifecycleError> {
    if answers.is_empty() {
        return Err(invalid("`answers`: answer at least one question".into()));
    }
    for (id, value) in answers {
        let question = questions.iter().find(|q| &q.id == id).ok_or_else(|| {
            invalid(format!(
                "`answers.{id}`: the survey has no question `{id}`; its questions are {}",
                questions
                    .iter()
                    .map(|q| q.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let ok = match question.kind {
            QuestionKind::Enps => value.as_u64().is_some_and(|n| n <= 10),
            QuestionKind::Scale => value.as_u64().is_some_and(|n| (1..=5).contains(&n)),
            QuestionKind::YesNo => value.is_boolean(),
            QuestionKind::Text => value
                .as_str()
                .is_some_and(|s| s.chars().count() <= MAX_TEXT),
        };
        if !ok {
            let expected = match question.kind {
                QuestionKind::Enps => "a whole number from 0 to 10",
                QuestionKind::Scale => "a whole number from 1 to 5",
                QuestionKind::YesNo => "true or false",
                QuestionKind::Text => "text of at most 2,000 characters",
            };
            return Err(invalid(format!(
                "`answers.{id}`: expected {expected}, got {value}"
            )));
        }
    }
    Ok(())
}

/// The tally of one question.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tally {
    /// Fewer than [`MIN_RESPONSES`] people answered this question (others
    /// skipped it): a tally of one or two answers would be theirs.
    Hidden { answers: usize },
    Enps {
        answers: usize,
        /// % promoters (9–10) minus % detractors (0–6), −100 to 100.
        enps: f64,
        promoters: usize,
        passives: usize,
        detractors: usize,
    },
    Scale {
        answers: usize,
        mean: f64,
        /// Count of each score, 1 to 5.
        distribution: [usize; 5],
    },
    YesNo {
        answers: usize,
        yes: usize,
        no: usize,
    },
    Text {
        /// In alphabetical order, so the order answers came in is not shown.
        answers: Vec<String>,
    },
}

/// What a survey's responses add up to: `None` while fewer than
/// [`MIN_RESPONSES`] exist.
pub fn tally(
    questions: &[Question],
    responses: &[serde_json::Map<String, serde_json::Value>],
) -> Option<BTreeMap<String, Tally>> {
    if responses.len() < MIN_RESPONSES {
        return None;
    }
    // A blank text is no answer: counted, it would let two blanks and one
    // comment pass the threshold and show that one person's words.
    let answers = |id: &'_ str| -> Vec<&serde_json::Value> {
        responses
            .iter()
            .filter_map(|r| r.get(id))
            .filter(|v| v.as_str().is_none_or(|s| !s.trim().is_empty()))
            .collect()
    };
    let tallies = questions
        .iter()
        .map(|q| {
            let given = answers(&q.id);
            if given.len() < MIN_RESPONSES {
                let answers = given.len();
                return (q.id.clone(), Tally::Hidden { answers });
            }
            let tally = match q.kind {
                QuestionKind::Enps => {
                    let scores: Vec<u64> = given.into_iter().filter_map(|v| v.as_u64()).collect();
                    enps_tally(&scores)
                }
                QuestionKind::Scale => {
                    let mut distribution = [0usize; 5];
                    let mut sum = 0u64;
                    let mut n = 0usize;
                    for s in given.into_iter().filter_map(|v| v.as_u64()) {
                        if let Some(slot) = distribution.get_mut((s as usize).wrapping_sub(1)) {
                            *slot += 1;
                            sum += s;
                            n += 1;
                        }
                    }
                    Tally::Scale {
                        answers: n,
                        mean: if n == 0 { 0.0 } else { sum as f64 / n as f64 },
                        distribution,
                    }
                }
                QuestionKind::YesNo => {
                    let (mut yes, mut no) = (0, 0);
                    for b in given.into_iter().filter_map(|v| v.as_bool()) {
                        if b {
                            yes += 1;
                        } else {
                            no += 1;
                        }
                    }
                    Tally::YesNo {
                        answers: yes + no,
                        yes,
                        no,
                    }
                }
                QuestionKind::Text => {
                    let mut texts: Vec<String> = given
                        .into_iter()
                        .filter_map(|v| v.as_str())
                        .map(|s| s.trim().to_owned())
                        .collect();
                    texts.sort();
                    Tally::Text { answers: texts }
                }
            };
            (q.id.clone(), tally)
        })
        .collect();
    Some(tallies)
}

/// SPEC §6: % of scores 9–10 minus % of scores 0–6.
pub fn enps_tally(scores: &[u64]) -> Tally {
    let promoters = scores.iter().filter(|s| **s >= 9).count();
    let detractors = scores.iter().filter(|s| **s <= 6).count();
    let n = scores.len();
    let enps = if n == 0 {
        0.0
    } else {
        100.0 * (promoters as f64 - detractors as f64) / n as f64
    };
    Tally::Enps {
        answers: n,
        enps,
        promoters,
        passives: n - promoters - detractors,
        detractors,
    }
}

/// One vote of a confidence poll, with the voter's standing in the poll's
/// domain.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RankedVote {
    pub person: String,
    pub name: String,
    /// 1–5: how confident they feel about the question.
    pub confidence: u8,
    /// Their own claim in the domain.
    pub claimed: Option<u8>,
    /// SPEC §4.3 validated level with one endorsement required: `None` for
    /// an unendorsed claim.
    pub validated: Option<u8>,
    pub endorsements: u32,
}

/// A confidence poll's votes, most confident first; among equals, the
/// higher validated level first, then by id (SPEC §7).
pub fn rank_votes(
    votes: &[(String, u8)],
    directory: &Directory,
    domain: Option<&str>,
) -> Vec<RankedVote> {
    let mut ranked: Vec<RankedVote> = votes
        .iter()
        .map(|(person, confidence)| {
            let pid = directory.find(person);
            let name = pid.map_or_else(|| person.clone(), |p| directory.person(p).name.clone());
            let (claimed, validated, endorsements) = match (pid, domain) {
                (Some(p), Some(d)) => {
                    let claimed = directory.person(p).expertise.get(d).copied();
                    let validated = directory.validated_level(p, d, 1);
                    let endorsements = directory.endorsed_levels(p, d).len() as u32;
                    (claimed, validated.map(|(v, _)| v), endorsements)
                }
                _ => (None, None, 0),
            };
            RankedVote {
                person: person.clone(),
                name,
                confidence: *confidence,
                claimed,
                validated,
                endorsements,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.confidence
            .cmp(&a.confidence)
            .then(b.validated.cmp(&a.validated))
            .then(a.person.cmp(&b.person))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn enps_is_promoters_minus_detractors_in_percent() {
        let Tally::Enps {
            enps,
            promoters,
            passives,
            detractors,
            ..
        } = enps_tally(&[10, 9, 8, 7, 6, 0])
        else {
            panic!("an eNPS tally")
        };
        assert_eq!((promoters, passives, detractors), (2, 2, 2));
        assert!((enps - 0.0).abs() < 1e-9);
        let Tally::Enps { enps, .. } = enps_tally(&[10, 10, 10, 3]) else {
            panic!()
        };
        assert!((enps - 50.0).abs() < 1e-9);
    }

    #[test]
    fn results_stay_hidden_below_three_responses() {
        let questions = standard_questions();
        let two = vec![response(json!({"enps": 9})), response(json!({"enps": 3}))];
        assert_eq!(tally(&questions, &two), None);
        let mut three = two;
        three.push(response(
            json!({"enps": 10, "heard": true, "comments": "b"}),
        ));
        let tallies = tally(&questions, &three).unwrap();
        assert!(matches!(tallies["enps"], Tally::Enps { answers: 3, .. }));
        assert_eq!(
            tallies["heard"],
            Tally::Hidden { answers: 1 },
            "a question only one person answered shows nothing of it"
        );
    }

    #[test]
    fn blank_comments_do_not_count_toward_showing_one_persons_words() {
        let questions = standard_questions();
        let responses: Vec<_> = ["", "   ", "only mine"]
            .iter()
            .map(|c| response(json!({"enps": 8, "comments": c})))
            .collect();
        let tallies = tally(&questions, &responses).unwrap();
        assert_eq!(tallies["comments"], Tally::Hidden { answers: 1 });
    }

    #[test]
    fn free_text_is_shown_in_alphabetical_order_not_arrival_order() {
        let questions = standard_questions();
        let responses: Vec<_> = ["zeta", "alpha", "mu"]
            .iter()
            .map(|t| response(json!({"comments": t})))
            .collect();
        let tallies = tally(&questions, &responses).unwrap();
        assert_eq!(
            tallies["comments"],
            Tally::Text {
                answers: vec!["alpha".into(), "mu".into(), "zeta".into()]
            }
        );
    }

    #[test]
    fn answers_are_checked_against_their_question() {
        let questions = standard_questions();
        assert!(check_answers(&questions, &response(json!({"enps": 10, "heard": false}))).is_ok());
        let err = check_answers(&questions, &response(json!({"enps": 11}))).unwrap_err();
        assert!(err.to_string().contains("`answers.enps`"), "{err}");
        let err = check_answers(&questions, &response(json!({"mood": 3}))).unwrap_err();
        assert!(err.to_string().contains("no question `mood`"), "{err}");
        assert!(check_answers(&questions, &response(json!({}))).is_err());
    }

    #[test]
    fn poll_votes_rank_by_confidence_then_validated_level() {
        let dir = Directory::load("org.yaml", crate::examples::ORG).unwrap();
        let votes = vec![
            ("ana".to_owned(), 4),
            ("kim".to_owned(), 4),
            ("lee".to_owned(), 5),
        ];
        let ranked = rank_votes(&votes, &dir, Some("databases"));
        let order: Vec<&str> = ranked.iter().map(|v| v.person.as_str()).collect();
        assert_eq!(order, ["lee", "kim", "ana"]);
        assert_eq!(ranked[1].validated, Some(5));
        assert_eq!(ranked[2].validated, None);
    }
}
