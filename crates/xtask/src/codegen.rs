//! `codegen`: the `.proto` files in `proto/` become the committed Rust in
//! `crates/timwire-proto/src/generated/`.
//!
//! One pass, all in memory ([`generate`]):
//!
//! 1. protox compiles every `proto/**.proto` (include root `proto/`, files in sorted order, with
//!    source info so that schema comments become doc comments) into a `FileDescriptorSet`.
//! 2. prost-build turns it into one `<package>.rs` per protobuf package, with every `bytes` field
//!    a `bytes::Bytes` (`Config::bytes(["."])`).
//! 3. pbjson-build writes `<package>.serde.rs`: the canonical protobuf JSON mapping for every type
//!    under `.tim`, `.rongcloud` and `.timwire` (timwire-proto includes it behind its `serde`
//!    feature).
//! 4. The view generator ([`crate::views`]) writes `<package>.views.rs`: zero-copy views of every
//!    message of the package (included unconditionally).
//! 5. The descriptor set itself, prost-encoded with its source info, becomes `descriptor.bin`, for
//!    tests that walk the schema with prost-reflect.
//!
//! prost-build's and the views' Rust goes through `syn::parse_file` + `prettyplease::unparse`, so
//! it is readable in review (pbjson-build writes its code already laid out, and is kept as
//! written); every `.rs` file starts with a header naming the command that wrote it.
//! [`write()`] replaces `generated/` with the result (it deletes files the generator no longer
//! writes); [`check`] compares the result with `generated/` and is what the freshness test runs.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use prost::Message as _;
use prost_types::FileDescriptorSet;

/// The command that regenerates the output, as every generated file and error message names it.
pub(crate) const COMMAND: &str = "cargo run -p xtask -- codegen";
/// The `.proto` sources (the include root), relative to the workspace root.
pub(crate) const PROTO_DIR: &str = "proto";
/// Where the output is committed, relative to the workspace root.
pub(crate) const GENERATED_DIR: &str = "crates/timwire-proto/src/generated";
/// The prost-encoded `FileDescriptorSet`, beside the Rust files.
pub(crate) const DESCRIPTOR_FILE: &str = "descriptor.bin";
/// Type-path prefixes pbjson-build writes serde impls for.
const PBJSON_PREFIXES: [&str; 3] = [".tim", ".rongcloud", ".timwire"];

/// One output file: its name inside [`GENERATED_DIR`] and its exact contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GeneratedFile {
    pub(crate) name: String,
    pub(crate) contents: Vec<u8>,
}

/// The workspace root (this crate is `crates/xtask`).
pub(crate) fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Everything `generated/` should hold for the schema under `proto_root`, sorted by file name.
pub(crate) fn generate(proto_root: &Path) -> Result<Vec<GeneratedFile>> {
    let fds = compile(proto_root)?;
    let mut files = vec![GeneratedFile {
        name: DESCRIPTOR_FILE.to_owned(),
        contents: fds.encode_to_vec(),
    }];
    files.extend(prost_files(&fds)?);
    files.extend(pbjson_files(&fds)?);
    files.extend(view_files(&fds)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = files.windows(2).find(|pair| pair[0].name == pair[1].name) {
        bail!("two generators write {}", pair[0].name);
    }
    Ok(files)
}

/// Compiles every `.proto` under `proto_root` with protox, source info and imports included.
pub(crate) fn compile(proto_root: &Path) -> Result<FileDescriptorSet> {
    let files = proto_files(proto_root)?;
    if files.is_empty() {
        bail!("no .proto files under {}", proto_root.display());
    }
    let mut compiler = protox::Compiler::new([proto_root])
        .with_context(|| format!("protox include root {}", proto_root.display()))?;
    compiler.include_source_info(true).include_imports(true);
    for file in &files {
        compiler
            .open_file(file)
            .map_err(|e| anyhow!("{}: {e}", proto_root.join(file).display()))?;
    }
    Ok(compiler.file_descriptor_set())
}

/// Every `.proto` under `root`, relative to it with `/` separators, sorted.
fn proto_files(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "proto") {
                let relative = path.strip_prefix(root).expect("walked from root");
                let parts: Vec<_> = relative
                    .iter()
                    .map(|c| c.to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

/// The protobuf packages of the schema, sorted (`tim`, `timwire.conversation`, ...).
fn packages(fds: &FileDescriptorSet) -> Result<BTreeSet<String>> {
    fds.file
        .iter()
        .map(|file| match file.package() {
            "" => Err(anyhow!(
                "{} declares no package: every schema file needs one",
                file.name()
            )),
            package => Ok(package.to_owned()),
        })
        .collect()
}

/// prost-build's types: `<package>.rs`.
fn prost_files(fds: &FileDescriptorSet) -> Result<Vec<GeneratedFile>> {
    let mut config = prost_build::Config::new();
    // Every bytes field is `bytes::Bytes`: decoding from a `Bytes` frame then slices it.
    config.bytes(["."]);
    // Formatted below with the other outputs (the same prettyplease prost-build would use).
    config.format(false);
    let requests = fds
        .file
        .iter()
        .map(|file| {
            let module = prost_build::Module::from_protobuf_package_name(file.package());
            (module, file.clone())
        })
        .collect();
    let modules = config.generate(requests).context("prost-build")?;
    modules
        .into_iter()
        .map(|(module, source)| {
            let name = module.to_file_name_or("_");
            rust_file(name, "prost-build", &source, Layout::Prettyplease)
        })
        .collect()
}

/// pbjson-build's serde impls: `<package>.serde.rs`.
fn pbjson_files(fds: &FileDescriptorSet) -> Result<Vec<GeneratedFile>> {
    let mut builder = pbjson_build::Builder::new();
    builder
        .register_descriptors(&fds.encode_to_vec())
        .context("pbjson-build: registering the descriptors")?;
    let outputs = builder
        .generate(&PBJSON_PREFIXES, |_| Ok(Vec::new()))
        .context("pbjson-build")?;
    outputs
        .into_iter()
        .map(|(package, source)| {
            let source = String::from_utf8(source).context("pbjson-build wrote non-UTF-8")?;
            let name = format!("{package}.serde.rs");
            rust_file(name, "pbjson-build", &source, Layout::AsWritten)
        })
        .collect()
}

/// The zero-copy views: `<package>.views.rs`, one per package (empty when a package has none).
fn view_files(fds: &FileDescriptorSet) -> Result<Vec<GeneratedFile>> {
    packages(fds)?
        .into_iter()
        .map(|package| {
            let source = crate::views::generate(fds, &package)
                .map_err(|e| anyhow!("views of package {package}: {e}"))?;
            rust_file(
                format!("{package}.views.rs"),
                "views",
                &source,
                Layout::Prettyplease,
            )
        })
        .collect()
}

/// How a generator's Rust is laid out in the committed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `syn::parse_file` + `prettyplease::unparse`: for generators that emit tokens (prost-build
    /// with its own formatting off, the views).
    Prettyplease,
    /// Kept as the generator wrote it: pbjson-build writes its code line by line, already
    /// indented like rustfmt would, and prettyplease would only respace its macro calls.
    AsWritten,
}

/// `source` laid out as `layout` says, under a header saying how it was made.
fn rust_file(name: String, generator: &str, source: &str, layout: Layout) -> Result<GeneratedFile> {
    let body = match layout {
        Layout::Prettyplease => {
            let file = syn::parse_file(source).with_context(|| {
                format!("{generator} wrote {name}, which does not parse as Rust")
            })?;
            prettyplease::unparse(&file)
        }
        Layout::AsWritten => source.to_owned(),
    };
    let mut contents = format!(
        "// @generated by `{COMMAND}` ({generator}) from the .proto files in proto/.\n\
         // Do not edit: change the schema, run the command again and commit the result.\n"
    );
    if !body.is_empty() {
        contents.push('\n');
        contents.push_str(&body);
    }
    Ok(GeneratedFile {
        name,
        contents: contents.into_bytes(),
    })
}

/// What [`write()`] did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub(crate) unchanged: Vec<String>,
    pub(crate) changed: Vec<String>,
    pub(crate) removed: Vec<String>,
}

/// Makes `dir` hold exactly `files`: writes the files whose contents differ and deletes the
/// files the generator no longer writes.
pub(crate) fn write(dir: &Path, files: &[GeneratedFile]) -> Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Written::default();
    for file in files {
        let path = dir.join(&file.name);
        if std::fs::read(&path).is_ok_and(|old| old == file.contents) {
            written.unchanged.push(file.name.clone());
        } else {
            std::fs::write(&path, &file.contents)
                .with_context(|| format!("writing {}", path.display()))?;
            written.changed.push(file.name.clone());
        }
    }
    for name in extra_entries(dir, files)? {
        let path = dir.join(&name);
        if path.is_dir() {
            bail!(
                "{} is a directory; {GENERATED_DIR} holds generated files only",
                path.display()
            );
        }
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        written.removed.push(name);
    }
    Ok(written)
}

/// How `dir` differs from `files`, one line per file (empty when it is up to date).
pub(crate) fn check(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for file in files {
        let path = dir.join(&file.name);
        match std::fs::read(&path) {
            Ok(old) if old == file.contents => {}
            Ok(old) => problems.push(format!(
                "{GENERATED_DIR}/{}: stale, {}",
                file.name,
                first_difference(&old, &file.contents)
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => problems.push(format!(
                "{GENERATED_DIR}/{}: missing (the generator writes it)",
                file.name
            )),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    for name in extra_entries(dir, files)? {
        problems.push(format!(
            "{GENERATED_DIR}/{name}: the generator no longer writes it (delete it)"
        ));
    }
    Ok(problems)
}

/// Names in `dir` that are not among `files`, sorted (nothing when `dir` does not exist).
fn extra_entries(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<String>> {
    let expected: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut extra = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !expected.contains(name.as_str()) {
            extra.push(name);
        }
    }
    extra.sort();
    Ok(extra)
}

/// Where `old` (committed) first differs from `new` (generated), for a failure message.
fn first_difference(old: &[u8], new: &[u8]) -> String {
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return format!(
            "{} bytes committed, {} bytes generated",
            old.len(),
            new.len()
        );
    };
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    let mut message = String::new();
    for line in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                let _ = write!(
                    message,
                    "first difference at line {line}:\n    committed: {}\n    generated: {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                );
                break;
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The freshness test: `crates/timwire-proto/src/generated/` is exactly what the generator
    /// writes for the `.proto` files in `proto/` today.
    #[test]
    fn committed_generated_code_is_fresh() {
        let root = workspace_root();
        let files = generate(&root.join(PROTO_DIR)).expect("code generation");
        let problems = check(&root.join(GENERATED_DIR), &files).expect("reading generated/");
        assert!(
            problems.is_empty(),
            "the committed generated code does not match proto/:\n{}\n\
             run `{COMMAND}` and commit {GENERATED_DIR}/",
            problems.join("\n")
        );
    }

    #[test]
    fn generates_every_package_and_the_descriptor_set() {
        let files = generate(&workspace_root().join(PROTO_DIR)).expect("code generation");
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        let mut expected = vec![DESCRIPTOR_FILE.to_owned()];
        for package in ["rongcloud", "tim", "timwire.conversation"] {
            for suffix in ["rs", "serde.rs", "views.rs"] {
                expected.push(format!("{package}.{suffix}"));
            }
        }
        expected.sort();
        assert_eq!(names, expected);

        let descriptor = &files[0];
        let fds = FileDescriptorSet::decode(&descriptor.contents[..]).expect("descriptor.bin");
        assert!(
            fds.file.iter().all(|f| f.source_code_info.is_some()),
            "source info is kept (schema comments)"
        );
        let tim = files.iter().find(|f| f.name == "tim.rs").unwrap();
        let tim = std::str::from_utf8(&tim.contents).unwrap();
        assert!(tim.starts_with("// @generated by `cargo run -p xtask -- codegen`"));
        // Comments in the schema become docs; bytes fields are `Bytes`.
        assert!(tim.contains("/// "));
        assert!(tim.contains("::prost::bytes::Bytes"));
    }

    #[test]
    fn check_reports_stale_missing_and_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, contents: &str| GeneratedFile {
            name: name.to_owned(),
            contents: contents.as_bytes().to_vec(),
        };
        let files = vec![file("a.rs", "fn a() {}\n"), file("b.rs", "fn b() {}\n")];
        let written = write(dir.path(), &files).unwrap();
        assert_eq!(written.changed, ["a.rs", "b.rs"]);
        assert!(check(dir.path(), &files).unwrap().is_empty());

        std::fs::write(dir.path().join("a.rs"), "fn a() { 1 }\n").unwrap();
        std::fs::remove_file(dir.path().join("b.rs")).unwrap();
        std::fs::write(dir.path().join("old.serde.rs"), "").unwrap();
        let problems = check(dir.path(), &files).unwrap();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains("a.rs: stale, first difference at line 1"));
        assert!(problems[1].contains("b.rs: missing"));
        assert!(problems[2].contains("old.serde.rs: the generator no longer writes it"));

        let written = write(dir.path(), &files).unwrap();
        assert_eq!(written.changed, ["a.rs", "b.rs"]);
        assert_eq!(written.removed, ["old.serde.rs"]);
        assert!(check(dir.path(), &files).unwrap().is_empty());
    }
}
