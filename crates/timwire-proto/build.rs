//! Compiles `proto/**.proto` with protox (pure Rust, no `protoc`) and generates prost types,
//! plus pbjson serde impls when the `serde` feature is on.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../../proto").canonicalize()?;

    let mut files = Vec::new();
    collect(&root, &root, &mut files)?;
    files.sort();
    // Directories too, so adding a new .proto file reruns the build script.
    println!("cargo:rerun-if-changed={}", root.display());
    for dir in ["tim", "rongcloud", "timwire"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    for f in &files {
        println!("cargo:rerun-if-changed={}", root.join(f).display());
    }

    let mut compiler = protox::Compiler::new([&root])?;
    compiler.include_source_info(true).include_imports(true);
    for f in &files {
        compiler.open_file(f)?;
    }
    let fds = compiler.file_descriptor_set();

    let mut config = prost_build::Config::new();
    // Every bytes field is `bytes::Bytes`: decoding from a `Bytes` frame then slices it.
    config.bytes(["."]);
    config.compile_fds(fds.clone())?;

    #[cfg(feature = "serde")]
    {
        use prost::Message as _;
        let encoded = fds.encode_to_vec();
        pbjson_build::Builder::new()
            .register_descriptors(&encoded)?
            .build(&[".tim", ".rongcloud", ".timwire"])?;
    }
    #[cfg(not(feature = "serde"))]
    let _ = &fds;
    Ok(())
}

/// Every `.proto` under `dir`, as a path relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            let rel = path.strip_prefix(root).expect("under root");
            let rel: Vec<_> = rel
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}
