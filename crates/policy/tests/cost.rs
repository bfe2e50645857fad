//! The cost of a decision when the policies in force are crafted to be slow.
//!
//! A RAM user can have 35 custom policies in force (10 attached to it, 5 on
//! each of its 5 groups), each of up to 6,144 characters. Those documents are
//! packed with wildcard patterns built to be slow, and evaluated against a
//! plain user with one ordinary policy on the same request, in alternating
//! batches (the median of the rounds' ratios, so both sides see the same
//! machine load).
//!
//! Reading 35 full documents cannot cost what reading one short one does, so
//! the bound is on the cost per character of policy in force, relative to
//! the plain policy's. Before the compiled matcher, the `LongSegments` documents
//! cost 130 to 200 times more per character than the plain one (25 to 40 ms a
//! decision in a release build); now they cost less per character than it.
//! The harder shapes found since (every character common in the resource, so
//! no pattern can be rejected by a look-up) stay within a small multiple. The
//! figures are printed (`--nocapture`).

use std::hint::black_box;
use std::time::Instant;

use rampart_policy::{
    evaluate, parse, Context, DocumentKind, NamedPolicy, PolicyDocument, PolicyError, Request,
};

const ACCOUNT: &str = "1234567890123456";
/// Custom policies in force for a RAM user: 10 on the user, 5 on each of 5 groups.
const POLICIES: usize = 10 + 5 * 5;
/// The longest RAM policy document, in characters.
const MAX_CHARS: usize = 6144;
/// The longest KMS secret name.
const MAX_SECRET_NAME: usize = 192;

/// The shapes of crafted documents, each with the resource it is worst on.
#[derive(Clone, Copy, Debug)]
enum Attack {
    /// `acs:*a?a?…a?X*` (63-character segments, `X` a character the resource
    /// lacks) against a name of `a`s: the worst case for a matcher that tries
    /// every start position.
    LongSegments,
    /// `acs:*a?a?…a?b*` against `bbbbabab…`: every character is common, so
    /// each segment costs its length × the text's words.
    LongAlternating,
    /// `acs:*a?b*`, as many as fit, against `bbbbabab…`.
    ShortAlternating,
}

impl Attack {
    /// The most a character of these documents may cost, relative to a
    /// character of the plain policy (measured: below 1 for `LongSegments`,
    /// about 5 to 20 for the others, in debug and release builds).
    fn bound(self) -> f64 {
        match self {
            Attack::LongSegments => 3.0,
            Attack::LongAlternating | Attack::ShortAlternating => 40.0,
        }
    }

    fn resource(self) -> String {
        let name = match self {
            Attack::LongSegments => "a".repeat(MAX_SECRET_NAME),
            Attack::LongAlternating | Attack::ShortAlternating => {
                format!("bbbb{}", "ab".repeat((MAX_SECRET_NAME - 4) / 2))
            }
        };
        format!("acs:kms:cn-hangzhou:{ACCOUNT}:secret/{name}")
    }

    fn pattern(self, k: usize) -> String {
        const ABSENT: &[u8] = b"bdfijlpqvwxyBDFGHJKLMNPQRSTVWXYZ";
        match self {
            Attack::LongSegments => {
                let tail = char::from(ABSENT[k % ABSENT.len()]);
                format!("acs:*{}{tail}*", "a?".repeat(31))
            }
            Attack::LongAlternating => format!("acs:*{}b*", "a?".repeat(31)),
            Attack::ShortAlternating => "acs:*a?b*".to_owned(),
        }
    }

    /// Document `i`: one `Deny` statement, as long as allowed, whose resource
    /// patterns all fail.
    fn document(self, i: usize) -> String {
        let head = format!(
            r#"{{"Version":"1","Statement":[{{"Sid":"P{i}","Effect":"Deny","Action":["kms:*e?e?x*","kms:*"],"Resource":["#
        );
        let foot = "]}]}";
        let mut resources: Vec<String> = Vec::new();
        let mut len = head.len() + foot.len();
        for k in 0.. {
            let r = format!("\"{}\"", self.pattern(i + k));
            if len + r.len() + 1 > MAX_CHARS {
                break;
            }
            len += r.len() + 1;
            resources.push(r);
        }
        format!("{head}{}{foot}", resources.join(","))
    }
}

/// An ordinary policy: read the secrets under `app1/`.
fn plain_document() -> String {
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":["kms:GetSecretValue","kms:DescribeSecret"],"Resource":"acs:kms:*:{ACCOUNT}:secret/app1/*"}}]}}"#
    )
}

struct User {
    docs: Vec<PolicyDocument>,
    chars: usize,
}

impl User {
    fn new(texts: &[String]) -> Result<Self, PolicyError> {
        Ok(Self {
            docs: texts
                .iter()
                .map(|t| parse(t, DocumentKind::Identity))
                .collect::<Result<_, _>>()?,
            chars: texts.iter().map(|t| t.chars().count()).sum(),
        })
    }

    fn named(&self) -> Vec<NamedPolicy<'_>> {
        self.docs
            .iter()
            .map(|document| NamedPolicy {
                name: "p",
                policy_type: "Custom",
                version: "v1",
                document,
            })
            .collect()
    }
}

/// Nanoseconds per decision of `a` and of `b` in alternating batches, and
/// the median over the rounds of the ratio `a / b`.
fn alternate(
    rounds: usize,
    (batch_a, mut a): (usize, impl FnMut() -> bool),
    (batch_b, mut b): (usize, impl FnMut() -> bool),
) -> (f64, f64, f64) {
    fn time(n: usize, f: &mut dyn FnMut() -> bool) -> f64 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        t.elapsed().as_nanos() as f64 / n as f64
    }
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let x = time(batch_a, &mut a);
        let y = time(batch_b, &mut b);
        ta.push(x);
        tb.push(y);
        ratios.push(x / y);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut ta), median(&mut tb), median(&mut ratios))
}

#[test]
fn crafted_policies_cost_little_more_per_character_than_an_ordinary_one() {
    let plain = User::new(&[plain_document()]).unwrap();
    let plain_named = plain.named();
    let context = Context::new()
        .with("acs:SourceIp", "10.1.2.3")
        .with("acs:SecureTransport", "true");
    let mut over = Vec::new();
    for attack in [
        Attack::LongSegments,
        Attack::LongAlternating,
        Attack::ShortAlternating,
    ] {
        let resource = attack.resource();
        let texts: Vec<String> = (0..POLICIES).map(|i| attack.document(i)).collect();
        let crafted = User::new(&texts).unwrap();
        assert!(crafted.docs.len() == POLICIES && crafted.chars > POLICIES * (MAX_CHARS - 80));
        let named = crafted.named();
        let request = Request {
            action: "kms:GetSecretValue",
            resource: &resource,
            context: &context,
        };
        assert!(!evaluate(&named, &request).is_allowed());
        assert!(!evaluate(&plain_named, &request).is_allowed());
        // Batches of similar duration; 9 rounds, about a second in all.
        let (t_crafted, t_plain, ratio) = alternate(
            9,
            (4, || evaluate(&named, &request).is_allowed()),
            (2_000, || evaluate(&plain_named, &request).is_allowed()),
        );
        let size = crafted.chars as f64 / plain.chars as f64;
        let per_char = ratio / size;
        println!(
            "{attack:?}: {POLICIES} policies, {} characters: {:.1} µs per decision; \
             1 plain policy of {} characters: {t_plain:.0} ns; ratio {ratio:.0}x for \
             {size:.0}x the characters, so {per_char:.2}x per character",
            crafted.chars,
            t_crafted / 1000.0,
            plain.chars,
        );
        if per_char > attack.bound() {
            over.push(format!("{attack:?}: {per_char:.2}x per character"));
        }
    }
    assert!(over.is_empty(), "too slow: {over:?}");
}
