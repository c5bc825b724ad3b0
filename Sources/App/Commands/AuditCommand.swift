import Vapor

/// `lantoa audit verify`: walks the audit trail's hash chain and names the first entry that was changed, removed or
/// reordered; exits non-zero if it finds one.
struct AuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify")
        var action: String
    }

    var help: String { "The audit trail: `verify` checks its hash chain and names the first broken link." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else {
            context.console.error("Unknown action \(signature.action): the only one is `verify`.")
            throw CommandFailed()
        }
        let finding = try await AuditChain.verify(on: context.application.db)
        if case .intact = finding {
            context.console.success(finding.description)
        } else {
            context.console.error(finding.description)
            throw CommandFailed()
        }
    }
}
