//! `timwire`: decode, encode, inspect and replay RMTP frames and capture files, and run a
//! loopback demo. See the crate's README for the reference.
//!
//! Exit codes: 0 success; 1 bad input (hex, frame, JSON, damaged capture), a failed demo, or a
//! load run that lost or duplicated messages;
//! 2 bad command line; 3 an I/O error (a file that cannot be opened, read or written).

mod capfile;
mod decode;
mod demo;
mod encode;
mod input;
mod inspect;
mod json;
mod load;
mod packet;
mod pcap_convert;
mod pcap_input;
mod render;
mod replay;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// RMTP (RongCloud's MQTT-derived IM signalling) frames and captures, from the command line.
#[derive(Debug, Parser)]
#[command(name = "timwire", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an in-process server and two clients over TCP and WebSocket and print the trace.
    Demo(demo::DemoArgs),
    /// Decode frames (hex or binary) into fields, or JSON with --json.
    Decode(decode::DecodeArgs),
    /// Encode frames from the JSON that `decode --json` prints.
    Encode(encode::EncodeArgs),
    /// Print a capture's timeline and summary (.twcap, .pcap or .pcapng).
    Inspect(inspect::InspectArgs),
    /// Re-decode every frame of a capture and report frames/s and bytes/s.
    Replay(replay::ReplayArgs),
    /// Run a relay server (tim or RongCloud profile) on TCP and WebSocket ports.
    ///
    /// RongCloud's web SDK (imlib-v2 2.9.2 on engine 4.4.2) connects to `--profile rongcloud`:
    /// initialise it with `RongIMClient.init(appkey, null, { navi: "http://HOST:PORT" })`, HOST:PORT
    /// being the `--ws` address. That port also answers the SDK's plain HTTP: `GET /navi.js`
    /// (JSONP naming `--public`, else the Host asked, as the server to connect to) and
    /// `GET /ping`, every answer with `Access-Control-Allow-Origin: *`, `OPTIONS` preflights
    /// with 204, the connection closed after each answer.
    ///
    /// Tokens come from the SDK's WebSocket URL (`/websocket?appId=…&token=…`): a token given
    /// with `--user NAME:TOKEN` logs in as NAME; any other non-empty token is the userId itself,
    /// unless `--tokens listed`. A refused token gets CONNACK status 4 (TOKEN_INCORRECT), which
    /// the SDK reports as onError(30002). A user's second login disconnects the first with
    /// OTHER_DEVICE_LOGIN (1). See interop/rongcloud/README.md.
    Serve(serve::ServeArgs),
    /// Run clients against a relay and report sent, delivered, lost, duplicates and latency.
    Load(load::LoadArgs),
    /// Write a tcpdump/Wireshark capture's (.pcap, .pcapng) RMTP frames as a capture file.
    Convert(pcap_convert::ConvertArgs),
}

const EXIT_INPUT: u8 = 1;
const EXIT_IO: u8 = 3;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        eprintln!("timwire: internal error: {message}");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Encode(args) => encode::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Load(args) => load::run(args),
        Command::Convert(args) => pcap_convert::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>());
            // `timwire decode … | head` closing the pipe early is not a failure.
            if io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            let message = format!("{e:#}").replace('\n', " ");
            eprintln!("timwire: error: {message}");
            ExitCode::from(if io.is_some() { EXIT_IO } else { EXIT_INPUT })
        }
    }
}
