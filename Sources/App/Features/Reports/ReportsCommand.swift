import Fluent
import LanToaCore
import Vapor

/// `lantoa reports close|remind`: what the server's job does every ten minutes, run by hand (after a restore, say).
struct ReportsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "close (fix the expected reporters of every ended period) or remind (write the reminders due today)")
        var action: String
    }

    var help: String { "Reports: `close` fixes who had to report for every ended period; `remind` writes today's reminders to the outbox." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        switch signature.action {
        case "close":
            let n = try await ReportSlots.closeEnded(today: app.clock.today(), on: app.db)
            context.console.success("Closed \(n) report periods.")
        case "remind":
            let n = try await ReportReminders.run(today: app.clock.today(), on: app.db)
            context.console.success("Wrote \(n) reminders to the outbox.")
        default:
            context.console.error("Unknown action \(signature.action): `close` or `remind`.")
            throw CommandFailed()
        }
    }
}
