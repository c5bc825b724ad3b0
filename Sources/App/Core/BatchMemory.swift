#if canImport(Glibc)
import CLanToaMalloc
#endif

/// The peak memory of the batch commands (`lantoa synth`, `lantoa rollups rebuild`), which move millions of rows
/// through many threads in one process.
///
/// glibc gives each thread that allocates under contention its own malloc arena, up to eight per core, and memory freed
/// into one arena is not reused by the threads of another: a province's `synth` peaked at 649 MiB with glibc's
/// defaults and at 467 MiB with two arenas and these trims (Benchmarks/README.md, "Rollup rebuild in bounded memory").
/// A batch command therefore keeps to two arenas, set before any thread starts, and hands freed memory back to the
/// system between its stages. The server keeps glibc's defaults: its requests are small and run on every core at once.
public enum BatchMemory {
    /// The commands that run as a batch.
    public static let commands: Set<String> = ["synth", "rollups"]

    /// The arenas a batch command allocates from.
    static let arenas: Int32 = 2

    /// Limits the process to `arenas` malloc arenas when `command` is a batch command. Call it first thing in `main`,
    /// before any thread allocates (an arena already made is kept).
    public static func prepare(forCommand command: String) {
        guard commands.contains(command) else { return }
        #if canImport(Glibc)
        _ = mallopt(M_ARENA_MAX, arenas)
        #endif
    }

    /// Returns the free memory of every arena to the system: between the stages of a batch command, so that the next
    /// stage's peak is not added to what the last one left behind.
    static func release() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
