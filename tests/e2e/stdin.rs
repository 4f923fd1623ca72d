//! `-` reads a document from standard input (issue 16): an envelope, a bundle, a
//! Statement, a declaration. Messages and reports name it `<stdin>`; it is capped like a
//! file; it can be read once.

use crate::support::{AGENT_TOML, Run, TARBALL, TARBALL_SHA256, Workspace};

fn with_stdin(ws: &Workspace, args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
    Run::of(ws.candor().args(args).write_stdin(stdin))
}

#[test]
fn a_dash_reads_each_kind_of_document_from_standard_input() {
    let ws = Workspace::new();
    ws.release();
    ws.key("vendor", 1);

    // A declaration, validated and made into a Statement.
    let run = with_stdin(&ws, &["manifest", "validate", "-"], AGENT_TOML);
    run.success();
    assert!(
        run.stdout
            .starts_with("<stdin>: valid behaviour manifest for agent 1.4.0\n"),
        "{run}"
    );
    let run = with_stdin(
        &ws,
        &["manifest", "statement", "-", "--artifact", TARBALL],
        AGENT_TOML,
    );
    run.success();
    let statement = run.stdout.clone();
    assert!(statement.contains(TARBALL_SHA256), "{run}");

    // A Statement, signed: the pipeline of the README in one go.
    let run = with_stdin(
        &ws,
        &["sign", "--key", "vendor.key", "-", "--out", "m.dsse.json"],
        statement.clone(),
    );
    run.success();
    assert!(
        run.stdout
            .starts_with("signed <stdin> (behaviour manifest)"),
        "{run}"
    );
    let run = with_stdin(
        &ws,
        &["sign", "--bundle", "--key", "vendor.key", "-"],
        statement,
    );
    run.success();
    let bundle = run.stdout.clone();

    // An envelope, verified: named `<stdin>` in the report, human and JSON.
    let envelope = ws.read_bytes("m.dsse.json");
    let run = with_stdin(
        &ws,
        &[
            "verify-envelope",
            "--key",
            "vendor.pub",
            "--artifact",
            TARBALL,
            "-",
        ],
        envelope.clone(),
    );
    run.success();
    assert!(
        run.stdout.contains("\n  envelope   <stdin> (sha256 "),
        "{run}"
    );
    let run = with_stdin(
        &ws,
        &[
            "verify-envelope",
            "--key",
            "vendor.pub",
            "-",
            "--format",
            "json",
        ],
        envelope,
    );
    run.code(0);
    assert_eq!(run.json()["envelope"]["file"], "<stdin>");

    // A bundle, verified.
    let run = with_stdin(
        &ws,
        &[
            "sigstore",
            "verify-bundle",
            "--bundle",
            "-",
            "--key",
            "vendor.pub",
            TARBALL,
        ],
        bundle,
    );
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: Sigstore bundle <stdin>\n"),
        "{run}"
    );
}

#[test]
fn standard_input_is_named_capped_and_read_once() {
    let ws = Workspace::new();
    ws.release();
    ws.key("vendor", 1);

    // Errors in what came in name `<stdin>` and where in it.
    let run = with_stdin(
        &ws,
        &["manifest", "validate", "-"],
        "[tool]\nname = agent\n",
    );
    run.code(1);
    assert!(run.stdout.starts_with("<stdin>:2:8: "), "{run}");
    assert_eq!(run.stderr, "<stdin>: invalid (1 error)\n");
    let run = with_stdin(&ws, &["verify-envelope", "--key", "vendor.pub", "-"], "{}");
    run.code(1);
    assert!(
        run.stdout
            .starts_with("verification failed: malformed envelope: <stdin>:"),
        "{run}"
    );

    // Capped like a file: 1 MiB for a declaration, refused once more came.
    let run = with_stdin(
        &ws,
        &["manifest", "validate", "-"],
        vec![b'#'; 1024 * 1024 + 10],
    );
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: <stdin>: more than 1048576 bytes; the limit for a candor.toml is 1048576 bytes\n"
    );

    // Two documents cannot both come from standard input.
    let run = with_stdin(
        &ws,
        &[
            "manifest",
            "statement",
            "-",
            "--supersedes",
            "-",
            "--artifact",
            TARBALL,
        ],
        AGENT_TOML,
    );
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: `-` (standard input) is given for FILE and --supersedes: standard input \
         can be read only once\nhint: save all but one of them to files and name those\n"
    );

    // An artifact is digested from its file, never from standard input.
    ws.sign(&["vendor"], "m.dsse.json");
    let run = with_stdin(
        &ws,
        &[
            "verify-envelope",
            "--key",
            "vendor.pub",
            "--artifact",
            "-",
            "m.dsse.json",
        ],
        "hello\n",
    );
    run.code(2);
    assert!(
        run.stderr
            .starts_with("error: --artifact is `-`: an artifact is read from its file"),
        "{run}"
    );
    let run = with_stdin(
        &ws,
        &[
            "sigstore",
            "verify-bundle",
            "--bundle",
            "m.dsse.json",
            "--key",
            "vendor.pub",
            "-",
        ],
        "hello\n",
    );
    run.code(2);
    assert!(
        run.stderr.starts_with("error: FILE_OR_DIGEST is `-`"),
        "{run}"
    );

    // `./-` is the file called `-`.
    ws.write("-", ws.read_bytes("m.dsse.json"));
    let run = ws.run(&["verify-envelope", "--key", "vendor.pub", "./-"]);
    run.code(0);
    assert!(run.stdout.contains("\n  envelope   ./- (sha256 "), "{run}");
}
