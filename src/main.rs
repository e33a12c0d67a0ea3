//! The `tagbump` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library so the Action and the tests drive the same code.

/// mimalloc (its v2 line) instead of the C library's allocator. Parsing YAML allocates a
/// string per scalar, twice per edited file (the edit and the re-parse check), from every
/// core at once: with glibc's allocator a tenth of a large bump's instructions were malloc
/// and free, plus heap growth on each thread. musl's allocator, which the static release
/// build would use, is slower still. Cost: a larger peak RSS (the v2 line keeps less than
/// the default v3).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tagbump::cli::main()
}
