//! Peer code generators for the payload comparison benches (`benches/benches/payload_peers.rs`):
//! the code a peer protobuf crate generates from our `proto/`, committed under
//! [`BUFFA_DIR`] so that the benches build without the peer's code generator.
//!
//! Only the benches use this code; the library crates keep prost as their owned type.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use buffa::Message as _;
use prost::Message as _;
use prost_types::FileDescriptorSet;

/// Where buffa's code is committed, relative to the workspace root.
pub(crate) const BUFFA_DIR: &str = "benches/src/peers/buffa";

/// The first line of every file written to [`BUFFA_DIR`] (buffa's own header follows).
const HEADER: &str =
    "// Written by `cargo run -p xtask -- codegen` (crates/xtask/src/peers.rs): do not edit.\n";

/// The protobuf packages the comparison benches use.
const PACKAGES: [&str; 2] = ["tim", "rongcloud"];

/// Regenerates [`BUFFA_DIR`] under `workspace_root` from `fds` (see [`buffa_files`]); files it
/// holds that are not generated any more are removed.
pub(crate) fn write_buffa(fds: &FileDescriptorSet, workspace_root: &Path) -> Result<()> {
    let files = buffa_files(fds)?;
    let dir = workspace_root.join(BUFFA_DIR);
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path.extension().is_some_and(|e| e == "rs")
            && !files.iter().any(|(n, _)| Some(n) == name.as_ref())
        {
            std::fs::remove_file(&path).with_context(|| path.display().to_string())?;
        }
    }
    for (name, contents) in &files {
        let path = dir.join(name);
        std::fs::write(&path, contents).with_context(|| path.display().to_string())?;
    }
    Ok(())
}

/// buffa's code for every `.proto` of [`PACKAGES`] in `fds`: one `<package>.rs` per package
/// (file name, contents), holding buffa's owned types, its eager views `FooView<'a>` and its owned
/// views `FooOwnedView` over `bytes::Bytes`.
///
/// buffa is configured for prost's decoding semantics where it has a switch for them: unknown
/// fields are skipped, not kept; every enum is open, so an unknown value of a proto2 enum stays in
/// its field (as a closed enum it would move to the unknown fields, and those are skipped); the
/// `bytes` fields of the owned types are `bytes::Bytes`. Setters and the type-registry function
/// are left out (the benches need neither).
pub(crate) fn buffa_files(fds: &FileDescriptorSet) -> Result<Vec<(String, String)>> {
    // buffa reads descriptors with its own protobuf types: hand it protox's set as bytes.
    let encoded = fds.encode_to_vec();
    let set = buffa_codegen::generated::descriptor::FileDescriptorSet::decode_from_slice(&encoded)
        .map_err(|e| anyhow!("buffa cannot read the descriptor set: {e}"))?;

    for package in PACKAGES {
        if !fds.file.iter().any(|f| f.package() == package) {
            bail!("no .proto file of package `{package}` in the descriptor set");
        }
    }
    let protos: Vec<String> = fds
        .file
        .iter()
        .filter(|f| PACKAGES.contains(&f.package()))
        .map(|f| f.name().to_owned())
        .collect();

    let mut config = buffa_codegen::CodeGenConfig::default();
    config.generate_views = true;
    config.preserve_unknown_fields = false;
    config.feature_overrides.push((
        ".".to_owned(),
        buffa_codegen::FeatureOverride::EnumType(buffa_codegen::EnumTypeOverride::Open),
    ));
    config
        .bytes_fields
        .push((".".to_owned(), buffa_codegen::BytesRepr::Bytes));
    config.file_per_package = true;
    config.generate_with_setters = false;
    config.emit_register_fn = false;

    let generated = buffa_codegen::generate(&set.file, &protos, &config)
        .map_err(|e| anyhow!("buffa-codegen: {e}"))?;
    let mut files: Vec<(String, String)> = generated
        .into_iter()
        .map(|file| (file.name, format!("{HEADER}{}", file.content)))
        .collect();
    files.sort();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let mut expected: Vec<String> = PACKAGES.iter().map(|p| format!("{p}.rs")).collect();
    expected.sort();
    if names != expected {
        bail!("buffa-codegen wrote {names:?}, expected {expected:?}");
    }
    Ok(files)
}

/// What differs between the committed [`BUFFA_DIR`] and what [`buffa_files`] generates now, one
/// line per file; empty when it is up to date.
pub(crate) fn check_buffa(fds: &FileDescriptorSet, workspace_root: &Path) -> Result<Vec<String>> {
    let dir = workspace_root.join(BUFFA_DIR);
    let mut problems = Vec::new();
    for (name, contents) in buffa_files(fds)? {
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(committed) if committed == contents => {}
            Ok(_) => problems.push(format!("{BUFFA_DIR}/{name}: stale")),
            Err(_) => problems.push(format!("{BUFFA_DIR}/{name}: missing")),
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::{PROTO_DIR, compile, workspace_root};

    #[test]
    fn committed_buffa_code_is_fresh() {
        let root = workspace_root();
        let fds = compile(&root.join(PROTO_DIR)).expect("schema compiles");
        let problems = check_buffa(&fds, &root).expect("buffa generates");
        assert!(
            problems.is_empty(),
            "{}\nrun `cargo run -p xtask -- codegen` and commit the result",
            problems.join("\n")
        );
    }
}
