import Fluent
import Testing
@testable import App

/// Databases record migrations by name: moving a migration to another file must not rename it, or an existing
/// database would run it again. These are the names databases held before the migrations were split one per file.
struct MigrationListTests {
    static let recorded = [
        "App.CreateUnits", "App.AddUnitFormerPath", "App.CreateTeams", "App.CreateAccounts", "App.CreateAuditEntries",
        "Fluent.SessionRecord.Create", "App.LoadReferenceUnits", "App.CreateOutreach", "App.CreateRollups", "App.WidenRollups",
        "App.CreateSignInProtection", "App.AddResidentUniqueness", "App.ChainAuditTrail", "App.AddTokenKinds",
        "App.AddOneActiveTeamPerUnit", "App.AddUserMember", "App.AddMemberErasure", "App.CreateReports", "App.AddReportWarnings",
        "App.CreateRollupSummary", "App.CreateTraining", "App.CreateEarlyWarnings", "App.CreateDifficulties", "App.CreateAnnouncements", "App.CreateGuides", "App.CreateZaloTokens", "App.CreateOutboxDelivery",
        "App.SpreadNationRows", "App.PartitionSupportLog",
    ]

    @Test func namesAndOrderAreThoseDatabasesRecord() {
        #expect(MigrationList.all.map(\.name) == Self.recorded)
    }

    @Test func aDatabaseMigratedByTheListRecordsTheSameNames() async throws {
        try await TestApp.run(.sqlite) { t in
            // Written within the same second, so compared as a set; the order is held by the test above.
            let names = try await MigrationLog.query(on: t.app.db).all().map(\.name)
            #expect(names.count == Self.recorded.count)
            #expect(Set(names) == Set(Self.recorded))
        }
    }
}
