//! SPEC S8: the repository holds no key, database or session of any
//! installation. A start from `server/` once made `server/data/master.key`,
//! which was committed: every clone then sealed its secrets with a public
//! key. The tracked files are checked by name and by content.
use std::path::Path;
use std::process::Command;

/// Names a start of the product leaves in its data folder.
fn is_installation_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_data_folder = path.starts_with("data/") || path.contains("/data/");
    name == "master.key"
        || [
            ".db",
            ".db-wal",
            ".db-shm",
            ".db-journal",
            ".sqlite",
            ".sqlite3",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
        || in_data_folder
}

#[test]
fn s8_the_table_of_installation_files() {
    for (path, is) in [
        ("server/data/master.key", true),
        ("master.key", true),
        ("data/stagecraft.db", true),
        ("x/stagecraft.db-wal", true),
        ("a/b.sqlite", true),
        ("server/src/data_source_form.rs", false),
        ("app/src/domain/data_source.rs", false),
        ("migrations/sqlite/20261130000001_foundation.sql", false),
        ("README.md", false),
    ] {
        assert_eq!(is_installation_file(path), is, "{path}");
    }
}

#[test]
fn s8_no_tracked_file_is_a_key_a_database_or_a_session() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if !root.join(".git").exists() {
        eprintln!("skipped: {} is not a git checkout", root.display());
        return;
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    let files: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert!(
        files.len() > 50,
        "git ls-files listed too little: {}",
        files.len()
    );
    let bad: Vec<&String> = files.iter().filter(|f| is_installation_file(f)).collect();
    assert!(bad.is_empty(), "tracked files of an installation: {bad:?}");
    // A SQLite database or a session store by content, whatever its name.
    for f in &files {
        let Ok(bytes) = std::fs::read(root.join(f)) else {
            continue;
        };
        assert!(
            !bytes.starts_with(b"SQLite format 3\0"),
            "{f} is a SQLite database"
        );
    }
    // And the ignore rules cover where a start from the root or from
    // server/ puts its data.
    for path in [
        "data/master.key",
        "server/data/master.key",
        "server/data/stagecraft.db",
        "data/datasources/x.db",
    ] {
        let ignored = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["check-ignore", "-q", "--no-index", path])
            .status()
            .expect("git runs");
        assert!(ignored.success(), "{path} is not ignored by .gitignore");
    }
}
