//! Developer commands for the timwire workspace: `cargo run -p xtask -- <command>`.
//!
//! | command | what |
//! |---|---|
//! | `codegen` | regenerate `crates/timwire-proto/src/generated/` from the `.proto` files in `proto/` |
//! | `codegen --check` | only say whether `generated/` is up to date (exit 1 when it is not) |
//!
//! # Design: generated code is committed
//!
//! The `.proto` files in `proto/` are the source of truth for timwire-proto's types. They used to
//! be compiled by a build script on every build of timwire-proto; now this crate generates the
//! Rust once and the output is committed under `crates/timwire-proto/src/generated/`, which the
//! crate `include!`s. Why:
//!
//! - **Packaging**: a published crate cannot read `../../proto`; the committed output ships in
//!   the `.crate` like any other source file, so `cargo package` verifies and a crates.io user
//!   builds without the schema.
//! - **Build cost**: protox, prost-build, pbjson-build and their dependencies (miette, logos,
//!   petgraph, syn with `full`, ...) leave timwire-proto's dependency graph; only developers who
//!   change a schema build them, here.
//! - **Review**: a schema change shows up as a diff of the generated Rust (formatted with
//!   prettyplease), and the generated docs are readable in the repository.
//! - **More generators**: the same pass writes prost types, pbjson's canonical JSON, the
//!   zero-copy views of [`views`] and the encoded descriptor set (`descriptor.bin`) for tests
//!   that walk the schema with prost-reflect, from one compiled `FileDescriptorSet`.
//!
//! The price is that the committed output can go stale. The freshness test (`codegen`'s unit
//! tests, part of `cargo test --workspace`) regenerates everything in memory and fails, naming the
//! file and this command, when a committed file differs, is missing, or is one the generator no
//! longer writes. The pipeline itself is described in [`mod@codegen`].

mod codegen;
mod peers;
mod views;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo run -p xtask -- codegen [--check]

  codegen          regenerate crates/timwire-proto/src/generated/ from proto/
  codegen --check  exit 1 (listing the files) when generated/ is not up to date";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn codegen(check_only: bool) -> anyhow::Result<ExitCode> {
    let root = codegen::workspace_root();
    let files = codegen::generate(&root.join(codegen::PROTO_DIR))?;
    let dir = root.join(codegen::GENERATED_DIR);
    if check_only {
        let mut problems = codegen::check(&dir, &files)?;
        problems.extend(peers::check_buffa(
            &codegen::compile(&root.join(codegen::PROTO_DIR))?,
            &root,
        )?);
        if problems.is_empty() {
            println!("{}/ is up to date", codegen::GENERATED_DIR);
            return Ok(ExitCode::SUCCESS);
        }
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("run `{}` and commit the result", codegen::COMMAND);
        return Ok(ExitCode::FAILURE);
    }
    let written = codegen::write(&dir, &files)?;
    // The peer crate's code for the comparison benches, from the same schema.
    peers::write_buffa(&codegen::compile(&root.join(codegen::PROTO_DIR))?, &root)?;
    println!("wrote   {}/ (buffa, for the benches)", peers::BUFFA_DIR);
    for name in &written.changed {
        println!("wrote   {}/{name}", codegen::GENERATED_DIR);
    }
    for name in &written.removed {
        println!("removed {}/{name}", codegen::GENERATED_DIR);
    }
    println!(
        "{}/: {} files, {} written, {} removed, {} unchanged",
        codegen::GENERATED_DIR,
        files.len(),
        written.changed.len(),
        written.removed.len(),
        written.unchanged.len()
    );
    Ok(ExitCode::SUCCESS)
}
