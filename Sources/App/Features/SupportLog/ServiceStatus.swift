import Fluent
import Foundation
import LanToaCore

/// The first date a service was done for a resident or household, kept with every activity written.
final class ServiceStatus: Model, @unchecked Sendable {
    static let schema = "service_status"

    @ID(key: .id) var id: UUID?
    @Field(key: "subject_id") var subjectID: UUID
    @Field(key: "service_code") var serviceCode: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "first_done_on") var firstDoneOn: String

    init() {}
}
