import Fluent
import LanToaCore
import Vapor

/// `lantoa create-user --login L --password P --role R [--scope CODE]`: creates an account from the server's shell.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "login", help: "The login (letters, digits, . _ - @)")
        var login: String?
        @Option(name: "password", help: "At least 8 characters")
        var password: String?
        @Option(name: "role", help: "admin, province, commune, leader, member or viewer")
        var role: String?
        @Option(name: "scope", help: "The code of the scope unit (not needed for admin)")
        var scope: String?
        @Option(name: "name", help: "The name shown on pages")
        var name: String?
    }

    var help: String { "Creates an account with a role and a scope unit." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let accounts = app.accounts
        do {
            let user = try await accounts.create(CreateUserRequest(login: signature.login, password: signature.password,
                                                                   displayName: signature.name, role: signature.role, scope: signature.scope),
                                                 by: .system)
            context.console.success("Created \(user.login) (\(user.role.rawValue), scope \(signature.scope ?? "whole country"))")
        } catch let error as AppError {
            context.console.error(CommandErrors.describe(error, catalogue: app.catalogue))
            throw CommandFailed()
        }
    }
}

/// `lantoa import-teams FILE --commune CODE`: imports a commune's teams and members from `.xlsx` or `.csv`, with a progress bar.
struct ImportTeamsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The .xlsx or .csv file")
        var file: String
        @Option(name: "commune", help: "The commune's official code")
        var commune: String?
    }

    var help: String { "Imports a commune's teams and members from a spreadsheet (nothing is written unless every row is valid)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let commune = signature.commune, !commune.isEmpty else {
            context.console.error("--commune: the commune's code is required")
            throw CommandFailed()
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: signature.file))
        } catch {
            context.console.error("file: cannot read \(signature.file)")
            throw CommandFailed()
        }
        let bar = context.console.progressBar(title: "Importing teams")
        let box = ProgressBox(bar: bar)
        do {
            let outcome = try await TeamImportService(scope: Scope(actor: .system, db: app.db), clock: app.clock, reader: TableReader(pool: app.threadPool))
                .importFile(data, communeCode: commune) { done, total in box.update(done, total) }
            box.finish(success: true)
            context.console.success("Imported \(outcome.teams) teams and \(outcome.members) members; \(outcome.hamletsCreated) hamlets created.")
        } catch let AppError.importRejected(problems) {
            box.finish(success: false)
            context.console.error("Nothing was written: \(problems.count) problem(s)")
            for p in problems {
                let described = app.catalogue.describe(p, .en)
                context.console.output("  row \(described.row), \(described.column): \(described.message)".consoleText())
            }
            throw CommandFailed()
        } catch let error as AppError {
            box.finish(success: false)
            context.console.error(CommandErrors.describe(error, catalogue: app.catalogue))
            throw CommandFailed()
        }
    }
}

/// The console's progress bar, driven from the import's progress callback.
final class ProgressBox: @unchecked Sendable {
    private var bar: ActivityIndicator<ProgressBar>
    private var started = false
    private let lock = NSLock()

    init(bar: ActivityIndicator<ProgressBar>) {
        self.bar = bar
    }

    func update(_ done: Int, _ total: Int) {
        lock.withLock {
            if !started { bar.start(); started = true }
            bar.activity.currentProgress = total == 0 ? 1 : Double(done) / Double(total)
        }
    }

    func finish(success: Bool) {
        lock.withLock {
            guard started else { return }
            if success { bar.succeed() } else { bar.fail() }
        }
    }
}

enum CommandErrors {
    static func describe(_ error: AppError, catalogue: Catalogue) -> String {
        switch error {
        case let .invalid(fields):
            return fields.map { "\($0.field): \(catalogue.text($0.key, .en, $0.args))" }.joined(separator: "\n")
        case let .conflict(field):
            return "\(field.field): \(catalogue.text(field.key, .en, field.args))"
        default:
            return catalogue.text(error.titleKey, .en)
        }
    }
}

/// Ends a command with a non-zero status after it has said what was wrong.
public struct CommandFailed: Error, CustomStringConvertible {
    public init() {}

    public var description: String { "the command failed (see above)" }
}

/// `lantoa rotate-data-key`: re-seals personal data with the current key. Set the new key as `LANTOA_DATA_KEY` and the
/// old one as `LANTOA_DATA_KEY_PREVIOUS`, run this, then drop the previous key.
struct RotateDataKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Re-seals every CCCD number and the Zalo tokens with LANTOA_DATA_KEY (the old key in LANTOA_DATA_KEY_PREVIOUS)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let bar = context.console.progressBar(title: "Re-sealing personal data")
        let box = ProgressBox(bar: bar)
        do {
            try await DataKeyRecord.check(app)
            let count = try await ResidentRights.rotateKey(on: app.db, protector: app.protector) { box.update($0, $1) }
            let zalo = try await ZaloTokenStore.reseal(on: app.db, protector: app.protector)
            try await DataKeyRecord.rotated(app)
            box.finish(success: true)
            context.console.success("Re-sealed \(count) CCCD numbers and \(zalo) provinces' Zalo tokens with key \(app.protector.keyID).")
        } catch PersonalDataProtector.Failure.unknownKey(let id) {
            box.finish(success: false)
            context.console.error("Values sealed with key \(id) cannot be opened: set that key as LANTOA_DATA_KEY_PREVIOUS.")
            throw CommandFailed()
        }
    }
}
