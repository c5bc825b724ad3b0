import Fluent

/// Every migration, in the order it runs. A migration is known to a database by its type's name (`App.CreateUnits`):
/// files are numbered in order, but a type is never renamed, or an existing database would run it again
/// (`MigrationListTests` holds the names to the ones databases already record).
enum MigrationList {
    static var all: [any Migration] {
        [
            CreateUnits(),
            AddUnitFormerPath(),
            CreateTeams(),
            CreateAccounts(),
            CreateAuditEntries(),
            SessionRecord.migration,
            LoadReferenceUnits(),
            CreateOutreach(),
            CreateRollups(),
            WidenRollups(),
            CreateSignInProtection(),
            AddResidentUniqueness(),
            ChainAuditTrail(),
            AddTokenKinds(),
            AddOneActiveTeamPerUnit(),
            AddUserMember(),
            AddMemberErasure(),
            CreateReports(),
            AddReportWarnings(),
            CreateRollupSummary(),
            CreateTraining(),
            CreateEarlyWarnings(),
            CreateDifficulties(),
            CreateAnnouncements(),
            CreateGuides(),
            CreateZaloTokens(),
            CreateOutboxDelivery(),
            SpreadNationRows(),
            PartitionSupportLog(),
        ]
    }
}
