//! Builds the web client (`web/`, Vite) when its sources changed, so the binary can embed
//! `web/dist`. Without Node/npm the server still builds and serves a page that says how to
//! build the client. `SWITCHBOARD_SKIP_WEB_BUILD=1` skips this step (CI builds the client
//! itself first).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

fn main() {
    git_sha();
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web");
    for path in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(path).display());
    }
    // `sqlx::migrate!` embeds the migrations; a renamed or removed file must rebuild the crate.
    let migrations = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    println!("cargo:rerun-if-changed={}", migrations.display());
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_SKIP_WEB_BUILD");
    if std::env::var_os("SWITCHBOARD_SKIP_WEB_BUILD").is_some_and(|v| v == "1") {
        return;
    }
    if !web.join("package.json").exists() {
        return;
    }
    if let Err(problem) = build_web(&web) {
        println!(
            "cargo:warning=web client not built ({problem}); the server will serve a placeholder page"
        );
    }
}

/// Passes the commit to the crate as `SWITCHBOARD_GIT_SHA` (for Sentry releases and build
/// info): from the environment when the build system sets it, else from git when available.
fn git_sha() {
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_GIT_SHA");
    let sha = std::env::var("SWITCHBOARD_GIT_SHA").ok().or_else(|| {
        let out = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    if let Some(sha) = sha.filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        println!("cargo:rustc-env=SWITCHBOARD_GIT_SHA={sha}");
    }
}

fn build_web(web: &Path) -> Result<(), String> {
    if needs_install(web) {
        run(web, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    run(web, &["run", "build"])
}

/// Whether `node_modules` is missing or older than the lock file (npm writes
/// `node_modules/.package-lock.json` on every install), as `scripts/test` decides too.
fn needs_install(web: &Path) -> bool {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (
        modified(web.join("package-lock.json")),
        modified(web.join("node_modules/.package-lock.json")),
    ) {
        (Some(lock), Some(installed)) => lock > installed,
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

fn run(dir: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm {} failed with {status}", args.join(" ")))
    }
}
