//! The `tagbump` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library so the Action and the tests drive the same code.

fn main() -> std::process::ExitCode {
    tagbump::cli::main()
}
