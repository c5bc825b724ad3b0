import Fluent
import Foundation
import LanToaCore
import SQLKit

extension DemoData {
    /// Difficulties raised by the demo's leader and member once their accounts exist: one waiting for the commune for
    /// about a day, one forwarded to the province, answered there and promoted to its FAQ, one answered by the commune
    /// and solved.
    static func loadDifficulties(on db: any Database, clock: AppClock) async throws {
        let users = Dictionary(try await User.query(on: db).filter(\.$login ~~ ["totruong.demo", "thanhvien.demo", "xa.demo", "langson"]).all()
            .map { ($0.login, $0) }, uniquingKeysWith: { a, _ in a })
        guard let leader = users["totruong.demo"], let member = users["thanhvien.demo"], let commune = users["xa.demo"],
              let province = users["langson"] else { return }
        func service(_ u: User) -> DifficultyService {
            DifficultyService(scope: Scope(actor: Actor(userID: u.id, login: u.login, role: u.role, scopePath: u.unitPath), db: db), clock: clock)
        }
        let sql = db as! any SQLDatabase
        let now = clock.now()
        /// Moves a difficulty's times back by `hours` (the demo is made in one moment).
        func age(_ id: UUID, raised: Double, answered: Double?, solved: Double?) async throws {
            let at = { (h: Double) in now.addingTimeInterval(-h * 3600) }
            try await sql.update(Difficulty.schema).set("created_at", to: SQLBind(at(raised))).set("raised_on", to: SQLBind(LocalDate(at(raised), timeZone: AppClock.vietnam).iso))
                .where("id", .equal, SQLBind(id)).run()
            if let answered { try await sql.update(Difficulty.schema).set("first_answered_at", to: SQLBind(at(answered))).where("id", .equal, SQLBind(id)).run() }
            if let solved { try await sql.update(Difficulty.schema).set("solved_at", to: SQLBind(at(solved))).where("id", .equal, SQLBind(id)).run() }
        }

        let waiting = try await service(member).raise(RaiseDifficultyRequest(
            id: nil, service: "vneid_level2", description: "Bà Nguyễn Thị Lan (78 tuổi) không nhận được mã OTP khi kích hoạt VNeID mức 2, đã thử ba lần.",
            photo: nil)).0
        try await age(waiting.id!, raised: 30, answered: nil, solved: nil)

        let forwarded = try await service(leader).raise(RaiseDifficultyRequest(
            id: nil, service: "online_dossier", description: "Hộ kinh doanh muốn nộp hồ sơ đăng ký hộ kinh doanh trực tuyến nhưng không biết chọn thủ tục nào trên Cổng Dịch vụ công.",
            photo: nil)).0
        _ = try await service(commune).forward(forwarded.id, DifficultyTextRequest(text: "Đề nghị Sở hướng dẫn thủ tục."))
        let answer = "Trên Cổng Dịch vụ công quốc gia, tìm \"Đăng ký thành lập hộ kinh doanh\", chọn cơ quan thực hiện là UBND xã nơi đặt địa điểm kinh doanh; chuẩn bị ảnh CCCD và giấy đề nghị theo mẫu."
        _ = try await service(province).answer(forwarded.id, DifficultyTextRequest(text: answer))
        _ = try await service(province).promote(forwarded.id, PromoteDifficultyRequest(question: "Hộ kinh doanh nộp hồ sơ đăng ký trực tuyến ở đâu, chọn thủ tục nào?", answer: nil))
        try await age(forwarded.id!, raised: 130, answered: 100, solved: nil)

        let solved = try await service(member).raise(RaiseDifficultyRequest(
            id: nil, service: "safe_internet", description: "Người dân lo bị lừa khi quét mã QR thanh toán ở chợ.", photo: nil)).0
        _ = try await service(commune).answer(solved.id, DifficultyTextRequest(text: "Hướng dẫn kiểm tra tên người nhận hiện ra trước khi xác nhận chuyển tiền; không quét mã do người lạ gửi qua tin nhắn."))
        _ = try await service(member).solve(solved.id)
        try await age(solved.id!, raised: 240, answered: 226, solved: 200)
    }
}
