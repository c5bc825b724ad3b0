import LanToaCore
import Vapor

/// A digital service as the API answers it.
struct ServiceResponse: Content, Equatable {
    var code: String
    var pillar: Pillar
    var name: String
    var nameEn: String
    var minimumAge: Int
    var unit: ServiceUnit
    var province: String?
}

struct CreateServiceRequest: Content {
    var code: String?
    var name: String?
    var nameEn: String?
    var pillar: String?
    var minimumAge: Int?
    var unit: String?
    /// The province's code.
    var province: String?
}
