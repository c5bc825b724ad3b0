import LanToaCore
import Vapor

/// A household on a sweep list, with the residents who still need the service.
struct SweepHousehold: Content {
    var id: UUID?
    var address: String
    var headName: String
    var residents: [SweepResident]
}

struct SweepResident: Content {
    var id: UUID
    var fullName: String
    var birthYear: Int
    var gender: Gender
    var hasSmartphone: Bool
}

struct SweepResponse: Content {
    var unit: UnitRef
    var service: ServiceResponse
    var eligible: Int
    var done: Int
    var households: [SweepHousehold]
}
