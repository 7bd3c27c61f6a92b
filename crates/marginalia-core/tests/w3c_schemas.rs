//! Checks Marginalia's W3C export against the official W3C Web Annotation MUST schemas, using
//! the project's shared checker `../shared/tools/validate-w3c.py` run by a Python with
//! `jsonschema` and `rfc3987` (without rfc3987 the schemas' "uri" format checks pass anything).
//! `make unit` finds or makes that Python (scripts/w3c-python.sh) and names it in
//! `MARGINALIA_W3C_PYTHON`; without it, `python3`.
//!
//! The check is required in CI (`CI=true`) and whenever `../shared` is beside the repo: then a
//! missing checker or package fails the test, naming it. Otherwise the test skips the check and
//! says so on stderr (one line, shown even under `--quiet`).
//!
//! Set `MARGINALIA_W3C_SAMPLE=/some/file.json` to keep the sample export there.

use marginalia_core::annotation::{Annotation, AnnotationSet, Color};
use marginalia_core::article::Document;
use marginalia_core::selector::{describe, TextQuoteSelector};
use marginalia_core::span::CharSpan;
use marginalia_core::time::Timestamp;
use marginalia_core::w3c;
use std::path::PathBuf;
use std::process::Command;

fn annotation(doc: &Document, id: &str, words: &str, color: Color) -> Annotation {
    let start = doc
        .text()
        .chars()
        .windows(words.chars().count())
        .position(|w| w.iter().copied().eq(words.chars()))
        .expect("the words are in the bundled article");
    let span = CharSpan::new(start, start + words.chars().count());
    let (quote, position) = describe(doc.text(), span);
    Annotation {
        id: id.into(),
        source: doc.source_iri.clone(),
        quote,
        position: Some(position),
        note: String::new(),
        tags: vec![],
        color,
        created: Timestamp(1_795_827_934_120),
        modified: Timestamp(1_795_827_999_000),
        anchor: Some(span),
        identical_passages: 1,
    }
}

fn sample(doc: &Document) -> Vec<Annotation> {
    let mut v = vec![
        annotation(
            doc,
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            "Iran",
            Color::Yellow,
        ),
        annotation(
            doc,
            "urn:uuid:00000000-0000-4000-8000-000000000002",
            "Basij",
            Color::Green,
        ),
        annotation(
            doc,
            "urn:uuid:00000000-0000-4000-8000-000000000003",
            "Bajwa",
            Color::Blue,
        ),
        annotation(
            doc,
            "urn:uuid:00000000-0000-4000-8000-000000000004",
            "three-day visit",
            Color::Pink,
        ),
        annotation(
            doc,
            "urn:uuid:00000000-0000-4000-8000-000000000005",
            "We believe",
            Color::Purple,
        ),
    ];
    v[0].note = "<script>alert('x')</script> <b>bold</b> & \"quoted\"".into();
    v[1].note = "Emoji 😀🇵🇰 and a combining e\u{301}\nsecond line".into();
    v[1].tags = vec!["militia".into(), "🇮🇷".into()];
    v[2].tags = vec!["people".into()];
    v[3].note = "   ".into(); // whitespace only: still a body, motivation highlighting
                              // Quote only, not found in the text.
    let mut lost = annotation(doc, "not a URI id ✓", "Iran", Color::Green);
    lost.quote = TextQuoteSelector {
        exact: "a sentence that is nowhere".into(),
        prefix: String::new(),
        suffix: String::new(),
    };
    lost.position = None;
    lost.anchor = None;
    lost.identical_passages = 0;
    lost.note = "lost".into();
    v.push(lost);
    v
}

/// The shared directory: `MARGINALIA_SHARED`, else `../shared` beside the repo.
fn shared_dir() -> PathBuf {
    match std::env::var_os("MARGINALIA_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn python() -> String {
    std::env::var("MARGINALIA_W3C_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into())
}

/// The checker script, or why it cannot run (naming the missing piece).
fn validator() -> Result<PathBuf, String> {
    let script = shared_dir().join("tools/validate-w3c.py");
    if !script.exists() {
        return Err(format!("{} does not exist", script.display()));
    }
    let py = python();
    let probe = "import importlib.util, sys\n\
        print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))";
    match Command::new(&py)
        .args(["-c", probe, "jsonschema", "referencing", "rfc3987"])
        .output()
    {
        Ok(out) if out.status.success() => {
            let missing = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if missing.is_empty() {
                Ok(script)
            } else {
                Err(format!(
                    "{py} lacks the Python packages {missing} (make unit makes a venv with them; \
                     or pip install jsonschema rfc3987)"
                ))
            }
        }
        Ok(out) => Err(format!(
            "{py} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("{py} is not available ({e})")),
    }
}

/// Whether a missing checker fails the test: in CI, and whenever the shared directory exists.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true") || shared_dir().is_dir()
}

/// The checker's output and success on `json` (written to a temporary file).
fn run_checker(script: &PathBuf, name: &str, json: &str) -> (bool, String) {
    let path =
        std::env::temp_dir().join(format!("marginalia-w3c-{name}-{}.json", std::process::id()));
    std::fs::write(&path, json).expect("write the sample");
    let out = Command::new(python())
        .arg(script)
        .arg(&path)
        .output()
        .expect("run the checker");
    let _ = std::fs::remove_file(&path);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn check(script: &PathBuf, name: &str, json: &str) {
    let path = match std::env::var_os("MARGINALIA_W3C_SAMPLE") {
        Some(p) if name == "collection" => PathBuf::from(p),
        _ => {
            std::env::temp_dir().join(format!("marginalia-w3c-{name}-{}.json", std::process::id()))
        }
    };
    std::fs::write(&path, json).expect("write the sample export");
    let out = Command::new(python())
        .arg(script)
        .arg(&path)
        .output()
        .expect("run the checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{name}: {stdout}{stderr}");
    if std::env::var_os("MARGINALIA_W3C_SAMPLE").is_none() || name != "collection" {
        let _ = std::fs::remove_file(&path);
    }
    assert!(
        out.status.success(),
        "{name} fails the W3C MUST schemas:\n{stdout}{stderr}"
    );
    assert!(stdout.contains("0 MUST failures"), "{stdout}");
}

#[test]
fn exports_pass_the_w3c_must_schemas() {
    let doc = Document::bundled();
    let set = AnnotationSet::from_annotations(sample(&doc));
    let ordered = set.in_text_order();
    let collection = w3c::export_collection(&doc, &ordered, Timestamp(1_795_828_000_000));
    let text = w3c::to_string_pretty(&collection);
    assert!(!text.contains("\"body\": []"));

    // The export always reads back as the same annotations, checker or not.
    let plan = w3c::import(
        &doc,
        &text,
        &AnnotationSet::new(),
        Timestamp(0),
        &mut || "unused".to_string(),
    )
    .unwrap();
    let expected: Vec<Annotation> = ordered.iter().map(|a| (*a).clone()).collect();
    assert_eq!(plan.to_add, expected);

    let script = match validator() {
        Ok(s) => s,
        Err(why) if required() => {
            panic!("W3C schema check required (CI or ../shared present): {why}")
        }
        Err(why) => {
            // Straight to stderr: the test harness captures println!, and --quiet hides a pass.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "w3c_schemas: SKIPPED the W3C MUST schema check: {why} (a failure in CI or with ../shared)"
            );
            return;
        }
    };
    check(&script, "collection", &text);
    let singles: Vec<serde_json::Value> = ordered
        .iter()
        .map(|a| w3c::annotation_with_context(&doc, a))
        .collect();
    check(
        &script,
        "list",
        &serde_json::to_string_pretty(&singles).unwrap(),
    );
    check(
        &script,
        "single",
        &serde_json::to_string_pretty(&singles[0]).unwrap(),
    );

    // A control: the checker can fail. An id and a target source that are not URIs break MUST
    // schemas only when the "uri" format is really checked (rfc3987); without it they pass.
    let mut bad = singles[0].clone();
    bad["id"] = "not a URI ✓".into();
    bad["target"]["source"] = "not a URI ✓".into();
    let (ok, out) = run_checker(&script, "control", &bad.to_string());
    assert!(
        !ok && out.contains("3.1-annotationIdValidated"),
        "the checker passes an annotation whose id is not a URI: its URI checks are off\n{out}"
    );
}
