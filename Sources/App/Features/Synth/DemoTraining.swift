import Fluent
import Foundation
import LanToaCore

extension DemoData {
    /// The province's training: a course of its own and one of a partner enterprise; a province-wide session three
    /// weeks ago that about two thirds of the members attended, a commune's session last week, and one coming next week.
    static func loadTraining(province: Unit, communes: [Unit], random: Seeded, clock: AppClock, on db: any Database) async throws {
        let today = clock.today()
        let service = TrainingService(scope: Scope(actor: .system, db: db), clock: clock)
        let basics = try await service.createCourse(CreateTrainingCourseRequest(
            title: "Kỹ năng số cơ bản cho thành viên Tổ CNSCĐ", topic: "Hướng dẫn người dân cài đặt VNeID, kích hoạt mức 2 và nộp hồ sơ trực tuyến",
            services: ["vneid_level2", "public_service_account"], mode: TrainingMode.inPerson.rawValue, link: nil, organiser: nil, organiserName: nil,
            unit: province.code))
        let shop = try await service.createCourse(CreateTrainingCourseRequest(
            title: "Hướng dẫn hộ kinh doanh mở gian hàng trên sàn thương mại điện tử", topic: "Đưa sản phẩm OCOP lên sàn, thanh toán không dùng tiền mặt",
            services: nil, mode: TrainingMode.inPerson.rawValue, link: nil, organiser: TrainingOrganiser.partner.rawValue,
            organiserName: "Bưu điện tỉnh Lạng Sơn", unit: province.code))
        let members = try await Member.query(on: db).filter(\.$demo == true).sort(\.$phone).all()
        let provinceWide = try await service.createSession(CreateTrainingSessionRequest(
            course: basics.id, date: today.adding(days: -20).iso, place: "Hội trường Sở Khoa học và Công nghệ", link: nil,
            trainer: "Phòng Chuyển đổi số, Sở KH&CN", unit: province.code, capacity: 0))
        try await service.record(provinceWide, members.filter { _ in random.int(0...2) > 0 }.map {
            TrainingService.Entry(field: "demo", memberID: $0.id, present: true, passed: random.int(0...9) > 0, certificate: "")
        })
        guard let commune = communes.first(where: { $0.code != outreachCommune }) else { return }
        let local = try await service.createSession(CreateTrainingSessionRequest(
            course: shop.id, date: today.adding(days: -6).iso, place: "Nhà văn hóa \(commune.name)", link: nil, trainer: "Bưu điện tỉnh Lạng Sơn",
            unit: commune.code, capacity: 60))
        try await service.record(local, members.filter { $0.unitPath.hasPrefix(commune.path) && random.int(0...4) > 0 }.prefix(60).map {
            TrainingService.Entry(field: "demo", memberID: $0.id, present: true, passed: nil, certificate: "")
        })
        _ = try await service.createSession(CreateTrainingSessionRequest(
            course: basics.id, date: today.adding(days: 7).iso, place: "Trung tâm Phục vụ hành chính công \(commune.name)", link: nil,
            trainer: "Phòng Chuyển đổi số, Sở KH&CN", unit: commune.code, capacity: 80))
    }
}
