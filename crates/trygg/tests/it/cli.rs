//! The command contract of issue 2: init, demo, user, audit, backup, config, openapi.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use trygg_store::testing::TestDb;

/// One place to run the binary: a database URL, a key file, optional stdin.
pub struct Trygg {
    pub url: String,
    pub key_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Trygg {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("trygg.db").display());
        let key_file = dir.path().join("trygg-audit.key");
        Self { url, key_file, dir }
    }

    pub fn on(url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("trygg-audit.key");
        Self {
            url: url.to_owned(),
            key_file,
            dir,
        }
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trygg"));
        cmd.args(args)
            .env("TRYGG_DATABASE_URL", &self.url)
            .env("TRYGG_AUDIT_KEY_FILE", &self.key_file)
            .env_remove("TRYGG_CONFIG")
            .env_remove("TRYGG_AUDIT_KEY")
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "trygg {args:?} failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn init(t: &Trygg) {
    t.ok(
        &[
            "init",
            "--org-name",
            "Linköpings kommun",
            "--admin-email",
            "it@linkoping.se",
            "--password-stdin",
        ],
        Some("ett långt och bra lösenord\n"),
    );
}

/// Runs a test body on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
async fn on_both(body: impl Fn(&Trygg, Option<&TestDb>)) {
    body(&Trygg::sqlite(), None);
    match TestDb::postgres().await {
        Some(pg) => body(&Trygg::on(&pg.url), Some(&pg)),
        None => eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run did not happen"),
    }
}

#[tokio::test]
async fn init_creates_the_home_organisation_once() {
    on_both(|t, _| {
        init(t);
        let again = t.run(
            &[
                "init",
                "--org-name",
                "X",
                "--admin-email",
                "x@x.se",
                "--password-stdin",
            ],
            Some("ett långt och bra lösenord\n"),
        );
        assert_eq!(again.status.code(), Some(1));
        assert!(
            text(&again.stderr).contains("already initialised"),
            "{}",
            text(&again.stderr)
        );
        let weak = Trygg::sqlite();
        let out = weak.run(
            &[
                "init",
                "--org-name",
                "K",
                "--admin-email",
                "a@b.se",
                "--password-stdin",
            ],
            Some("kort\n"),
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("password_too_short"));
    })
    .await;
}

#[tokio::test]
async fn demo_prints_one_login_per_role_once() {
    on_both(|t, _| {
        let out = t.ok(&["demo"], None);
        let logins: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|p| p.len() == 3 && p[1].contains('@'))
            .collect();
        let roles: Vec<&str> = logins.iter().map(|p| p[0]).collect();
        assert_eq!(
            roles,
            [
                "admin",
                "samordnare",
                "analytiker",
                "rapportör",
                "handläggare",
                "läsare"
            ]
        );
        assert!(logins.iter().all(|p| p[2].chars().count() >= 12));
        let again = t.ok(&["demo"], None);
        assert!(
            !again.contains("@linkoping.example\t"),
            "no second set of passwords"
        );
        assert!(
            t.ok(&["audit", "verify"], None)
                .contains("entries verified")
        );
    })
    .await;
}

#[tokio::test]
async fn users_are_added_and_disabled_from_the_command_line() {
    on_both(|t, _| {
        init(t);
        t.ok(
            &[
                "user",
                "add",
                "--email",
                "Sara@Linkoping.se",
                "--name",
                "Sara",
                "--org",
                "Linköpings kommun",
                "--role",
                "samordnare",
                "--password-stdin",
            ],
            Some("ett annat långt lösenord\n"),
        );
        let dup = t.run(
            &[
                "user",
                "add",
                "--email",
                "sara@linkoping.se",
                "--name",
                "Sara",
                "--org",
                "Linköpings kommun",
                "--role",
                "läsare",
                "--password-stdin",
            ],
            Some("ett annat långt lösenord\n"),
        );
        assert_eq!(dup.status.code(), Some(1));
        assert!(text(&dup.stderr).contains("email_taken"));
        let bad = t.run(
            &[
                "user",
                "add",
                "--email",
                "b@linkoping.se",
                "--name",
                "B",
                "--org",
                "Linköpings kommun",
                "--role",
                "kung",
                "--password-stdin",
            ],
            Some("ett annat långt lösenord\n"),
        );
        assert!(text(&bad.stderr).contains("unknown role"));
        t.ok(&["user", "disable", "--email", "sara@linkoping.se"], None);
        let missing = t.run(&["user", "disable", "--email", "ingen@linkoping.se"], None);
        assert_eq!(missing.status.code(), Some(1));
    })
    .await;
}

#[tokio::test]
async fn audit_verify_names_the_first_bad_entry_and_checkpoints_catch_truncation() {
    async fn tamper(t: &Trygg, sql: &str) {
        let db = TestDb::existing(&t.url);
        db.disable_audit_protection().await;
        db.execute_raw(sql).await.unwrap();
    }
    for t_pg in [None, TestDb::postgres().await] {
        let t = match &t_pg {
            Some(pg) => Trygg::on(&pg.url),
            None => Trygg::sqlite(),
        };
        t.ok(&["demo"], None);
        let ok = t.ok(&["audit", "verify"], None);
        let n: i64 = ok.split_whitespace().next().unwrap().parse().unwrap();
        assert!(n > 10, "{ok}");
        let cp = t.dir.path().join("checkpoint.json");
        t.ok(
            &["audit", "checkpoint", "--out", cp.to_str().unwrap()],
            None,
        );
        assert!(
            t.ok(
                &["audit", "verify", "--checkpoint", cp.to_str().unwrap()],
                None
            )
            .contains(&format!("{n} entries verified"))
        );

        tamper(&t, &format!("DELETE FROM audit_log WHERE seq = {n}")).await;
        let cut = t.run(
            &["audit", "verify", "--checkpoint", cp.to_str().unwrap()],
            None,
        );
        assert_eq!(
            cut.status.code(),
            Some(1),
            "a cut tail is caught with the checkpoint"
        );
        assert!(
            text(&cut.stdout).contains(&format!("entry {n}")),
            "{}",
            text(&cut.stdout)
        );
        assert_eq!(
            t.run(&["audit", "verify"], None).status.code(),
            Some(0),
            "and only with it"
        );

        tamper(
            &t,
            "UPDATE audit_log SET action = 'user_deleted' WHERE seq = 3",
        )
        .await;
        let bad = t.run(&["audit", "verify"], None);
        assert_eq!(bad.status.code(), Some(1));
        assert!(
            text(&bad.stdout).contains("entry 3"),
            "{}",
            text(&bad.stdout)
        );
    }
}

#[tokio::test]
async fn an_sqlite_backup_opens_and_verifies() {
    let t = Trygg::sqlite();
    t.ok(&["demo"], None);
    let out = t.dir.path().join("backup.db");
    t.ok(&["backup", "--out", out.to_str().unwrap()], None);
    let copy = Trygg {
        url: format!("sqlite://{}", out.display()),
        key_file: t.key_file.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let verified = copy.ok(&["audit", "verify"], None);
    assert_eq!(
        verified,
        t.ok(&["audit", "verify"], None),
        "the copy holds the same chain"
    );
    let again = t.run(&["backup", "--out", out.to_str().unwrap()], None);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing file is never overwritten"
    );
}

#[tokio::test]
async fn a_postgres_dump_restored_elsewhere_verifies() {
    let (Some(source), Some(target)) = (TestDb::postgres().await, TestDb::postgres().await) else {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run did not happen");
        return;
    };
    let t = Trygg::on(&source.url);
    t.ok(&["demo"], None);
    let dump = t.dir.path().join("trygg.dump");
    let status = Command::new("pg_dump")
        .args(["-Fc", "-d", &source.url, "-f"])
        .arg(&dump)
        .status()
        .expect("pg_dump");
    assert!(status.success());
    let status = Command::new("pg_restore")
        .args(["--no-owner", "-d", &target.url])
        .arg(&dump)
        .status()
        .expect("pg_restore");
    assert!(status.success());
    let restored = Trygg {
        url: target.url.clone(),
        key_file: t.key_file.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    assert_eq!(
        restored.ok(&["audit", "verify"], None),
        t.ok(&["audit", "verify"], None)
    );
    let backup = t.run(
        &[
            "backup",
            "--out",
            t.dir.path().join("x.db").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(backup.status.code(), Some(1));
    assert!(text(&backup.stderr).contains("pg_dump"));
}

#[test]
fn an_unknown_database_scheme_is_refused_clearly() {
    let t = Trygg::on("mysql://root@localhost/trygg");
    let out = t.run(&["migrate"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("mysql") && err.contains("sqlite://") && err.contains("postgres://"),
        "{err}"
    );
}

#[test]
fn a_missing_key_file_is_refused_once_the_log_has_entries() {
    let t = Trygg::sqlite();
    t.ok(&["demo"], None);
    std::fs::remove_file(&t.key_file).unwrap();
    let out = t.run(&["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("key file"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !Path::new(&t.key_file).exists(),
        "no new key was made over an existing log"
    );
}

#[test]
fn config_example_and_openapi() {
    let t = Trygg::sqlite();
    let ex = t.ok(&["config", "example"], None);
    for env in [
        "TRYGG_DATABASE_URL",
        "TRYGG_LISTEN",
        "TRYGG_PUBLIC_URL",
        "TRYGG_COOKIE_SECURE",
        "TRYGG_AUDIT_KEY_FILE",
        "TRYGG_MAP_TILE_URL",
    ] {
        assert!(ex.contains(env), "{env}");
    }
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json"))
            .unwrap();
    assert_eq!(t.ok(&["openapi"], None), committed);
}

#[tokio::test]
async fn incidents_import_whole_or_not_at_all_and_export_masked() {
    on_both(|t, _| {
        t.ok(&["demo"], None);
        let dir = t.dir.path();
        let good = dir.join("good.csv");
        std::fs::write(
            &good,
            "occurred_at,category,lat,lon,description,external_id\n\
             2026-09-01 22:00,klotter,58.41611,15.62583,Klotter vid stationen,e1\n\
             2026-09-02 23:00,Skadegörelse,58.42611,15.58000,Vittne 19121212-1212 såg allt,e2\n\
             2026-09-03 01:00,nedskräpning,58.42,15.59,=HYPERLINK(\"http://evil\"),e3\n",
        )
        .unwrap();
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            "occurred_at,category,lat,lon,description\n2026-09-01 22:00,klotter,58.41611,15.62583,ok\n2026-09-02 23:00,ufo,58.42611,15.58000,fel kategori\n",
        )
        .unwrap();
        let refused = t.run(&["import", "incidents", bad.to_str().unwrap()], None);
        assert_eq!(refused.status.code(), Some(1));
        let out = text(&refused.stdout);
        assert!(out.contains("line 3: category: unknown_category"), "{out}");
        assert_eq!(out.lines().last(), Some("imported: 0, skipped: 0, errors: 1"));

        let first = t.ok(&["import", "incidents", good.to_str().unwrap()], None);
        assert_eq!(first.lines().last(), Some("imported: 3, skipped: 0, errors: 0"));
        let again = t.ok(&["import", "incidents", good.to_str().unwrap()], None);
        assert_eq!(again.lines().last(), Some("imported: 0, skipped: 3, errors: 0"), "external ids make it idempotent");

        let csv = dir.join("export.csv");
        t.ok(&["export", "incidents", "--format", "csv", "--from", "2026-09-01", "--to", "2026-09-03", "--out", csv.to_str().unwrap()], None);
        let bytes = std::fs::read(&csv).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.lines().next().unwrap().contains(';'));
        assert!(text.contains("Klotter vid stationen"));
        assert!(!text.contains("19121212"), "personnummer stays masked in exports");
        assert!(text.contains("[personnummer]"));
        assert!(text.contains("'=HYPERLINK"), "formula cells are neutralised");
        let geo = t.ok(&["export", "incidents", "--format", "geojson", "--from", "2026-09-01", "--to", "2026-09-03"], None);
        let v: serde_json::Value = serde_json::from_str(&geo).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        assert!(v["features"].as_array().unwrap().iter().any(|f| f["geometry"]["coordinates"][0].as_f64() == Some(15.62583)));
        let audit = t.ok(&["audit", "verify"], None);
        assert!(audit.contains("entries verified"));

        let feed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/polisen/api_events_response_2026-08-22T1754Z.json");
        // The demo loaded the sample already: importing it again adds nothing.
        let police = t.ok(&["import", "polisen", feed, "--municipality", "Linköping"], None);
        assert_eq!(police.lines().last(), Some("imported: 0, skipped: 3, errors: 0"), "{police}");
    })
    .await;
}
