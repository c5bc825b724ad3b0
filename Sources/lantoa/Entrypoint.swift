import App
import Logging
import Vapor

/// `lantoa serve | migrate --yes | create-user | import-teams` (see `lantoa --help`).
@main
enum Entrypoint {
    static func main() async throws {
        var env = try Environment.detect()
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            let config = try AppConfig.fromEnvironment(env)
            try await configure(app, config: config)
            registerCommands(app)
            let command = env.arguments.dropFirst().first ?? "serve"
            if command == "serve" || command.hasPrefix("-") {
                try await Bootstrap.prepareForServing(app)
            }
            try await app.execute()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
