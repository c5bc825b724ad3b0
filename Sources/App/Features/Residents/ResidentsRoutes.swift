import Vapor

/// The routes of residents and households, their rights, and the resident import.
enum ResidentsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.on(.POST, "units", ":code", "resident-imports", body: .collect(maxSize: "20mb"), use: ResidentImportAPIController.importResidents)
        r.authed.get("resident-imports", "template.xlsx", use: ResidentImportAPIController.residentTemplate)
        r.authed.get("residents", ":id", "export", use: ResidentsAPIController.exportResident)
        r.authed.patch("residents", ":id", use: ResidentsAPIController.correctResident)
        r.authed.post("residents", ":id", "erase", use: ResidentsAPIController.eraseResident)
        r.authed.post("residents", ":id", "merge", use: ResidentsAPIController.mergeResident)
        r.authed.post("households", use: ResidentsAPIController.createHousehold)
        r.authed.get("residents", use: ResidentsAPIController.residents)
        r.authed.post("residents", use: ResidentsAPIController.createResident)
        r.authed.post("residents", "lookup", use: ResidentsAPIController.lookup)
        r.authed.get("residents", ":id", use: ResidentsAPIController.showResident)
        r.pages.get("resident-template.xlsx", use: ResidentImportAPIController.residentTemplate)
        r.pages.get("units", ":code", "import-residents", use: ResidentImportController.showResidents)
        r.pages.on(.POST, "units", ":code", "import-residents", body: .collect(maxSize: "20mb"), use: ResidentImportController.submitResidents)
    }
}
