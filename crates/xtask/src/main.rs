//! `cargo run -p xtask -- codegen` (stub: being built).

mod views;

fn main() {
    let _ = views::generate;
}
