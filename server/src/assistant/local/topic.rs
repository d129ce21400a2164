//! What a ticket is about, and which department handles that.

use super::categories::{SCORED, Topic};
use super::lexicon::lexicons;
use super::text::Sentence;
use super::thread::Thread;

/// Fewest weighted keyword points for a topic other than `general`.
const MIN_TOPIC_POINTS: f32 = 1.0;
/// Customer-side points at which security or outage keywords raise an alert.
const ALERT_POINTS: f32 = 2.0;
/// Weight of the subject line: customers put the gist there.
const SUBJECT_WEIGHT: f32 = 2.0;
/// Weight of staff wording: it can confirm a topic but should not set it.
const STAFF_WEIGHT: f32 = 0.25;

/// The classification of a ticket.
#[derive(Debug)]
pub(super) struct TopicReport {
    /// The winning topic.
    pub topic: Topic,
    /// Points per scored topic from the customer's side only.
    customer_points: [f32; SCORED.len()],
    /// Security keywords the customer used, first seen first.
    pub security_terms: Vec<&'static str>,
    /// Outage keywords the customer used, first seen first.
    pub outage_terms: Vec<&'static str>,
}

impl TopicReport {
    /// Whether the customer reports a security incident.
    pub fn security_alert(&self) -> bool {
        self.customer(Topic::Security) >= ALERT_POINTS
    }

    /// Whether the customer reports an outage.
    pub fn outage_alert(&self) -> bool {
        self.customer(Topic::Outage) >= ALERT_POINTS
    }

    fn customer(&self, topic: Topic) -> f32 {
        topic
            .slot()
            .and_then(|slot| self.customer_points.get(slot))
            .copied()
            .unwrap_or_default()
    }
}

/// Classifies a ticket by keyword points: the subject counts double, staff wording a
/// quarter; ties go to the more serious topic.
pub(super) fn classify(thread: &Thread<'_>) -> TopicReport {
    let mut tally = Tally::default();
    tally.add(&thread.subject, SUBJECT_WEIGHT, true);
    for parsed in &thread.messages {
        let customer = parsed.is_customer();
        let weight = if customer { 1.0 } else { STAFF_WEIGHT };
        tally.add(&parsed.sentences, weight, customer);
    }
    let (best, points) = SCORED.iter().zip(tally.points).fold(
        (Topic::General, 0.0f32),
        |(best, max), (topic, points)| {
            if points > max {
                (*topic, points)
            } else {
                (best, max)
            }
        },
    );
    TopicReport {
        topic: if points >= MIN_TOPIC_POINTS {
            best
        } else {
            Topic::General
        },
        customer_points: tally.customer_points,
        security_terms: tally.security_terms,
        outage_terms: tally.outage_terms,
    }
}

/// Running keyword points.
#[derive(Debug, Default)]
struct Tally {
    points: [f32; SCORED.len()],
    customer_points: [f32; SCORED.len()],
    security_terms: Vec<&'static str>,
    outage_terms: Vec<&'static str>,
}

impl Tally {
    /// Adds the keywords of some sentences, weighted.
    fn add(&mut self, sentences: &[Sentence], weight: f32, customer: bool) {
        for sentence in sentences {
            for hit in lexicons().topic.scan(&sentence.words) {
                let topic = hit.entry.tag;
                let Some(slot) = topic.slot() else { continue };
                if let Some(points) = self.points.get_mut(slot) {
                    *points += weight * hit.value();
                }
                if !customer {
                    continue;
                }
                if let Some(points) = self.customer_points.get_mut(slot) {
                    *points += hit.value();
                }
                let terms = match topic {
                    Topic::Security => &mut self.security_terms,
                    Topic::Outage => &mut self.outage_terms,
                    _ => continue,
                };
                if !terms.contains(&hit.entry.phrase) {
                    terms.push(hit.entry.phrase);
                }
            }
        }
    }
}
