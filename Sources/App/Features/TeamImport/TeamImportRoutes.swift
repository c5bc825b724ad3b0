import Vapor

/// The routes of founding a commune's teams from one spreadsheet.
enum TeamImportRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.on(.POST, "units", ":code", "team-imports", body: .collect(maxSize: "20mb"), use: TeamImportAPIController.importTeams)
        r.authed.get("team-imports", "template.xlsx", use: TeamImportAPIController.template)
        r.pages.get("units", ":code", "import", use: ImportController.show)
        r.pages.on(.POST, "units", ":code", "import", body: .collect(maxSize: "20mb"), use: ImportController.submit)
        r.pages.get("import-template.xlsx", use: TeamImportAPIController.template)
    }
}
