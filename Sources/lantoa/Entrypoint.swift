import App
import Foundation
import Logging
import Vapor

/// `lantoa serve | migrate --yes | create-user | import-teams` (see `lantoa --help`).
@main
enum Entrypoint {
    static func main() async throws {
        // `--dev`: a local try-out (the development data key, demo data); Vapor's own commands never see the flag.
        var arguments = CommandLine.arguments
        let development = arguments.contains("--dev")
        arguments.removeAll { $0 == "--dev" }
        var env = try Environment.detect(arguments: arguments)
        let command = env.arguments.dropFirst().first ?? "serve"
        // Before any thread starts: a batch command's malloc arenas.
        BatchMemory.prepare(forCommand: command)
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            var config = try AppConfig.fromEnvironment(env, development: development)
            let serving = command == "serve" || command.hasPrefix("-")
            // The server's periodic work (audit sealing, reminders, warnings) is the server's: a command (a migration, a
            // rebuild, a restore) does its one job without it taking the write lock beside it.
            config.periodicJobs = serving
            try await configure(app, config: config)
            registerCommands(app)
            if serving {
                try await Bootstrap.prepareForServing(app, address: Bootstrap.servingAddress(Array(env.arguments.dropFirst()),
                                                                                              configuration: app.http.server.configuration))
            }
            try await app.execute()
        } catch {
            // A command that failed has said why; anything else is reported once. Exit non-zero without a crash report.
            if !(error is CommandFailed) { app.logger.report(error: error) }
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
