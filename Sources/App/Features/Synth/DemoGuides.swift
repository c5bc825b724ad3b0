import Fluent
import Foundation
import LanToaCore
import LanToaResources

extension DemoData {
    /// The guides library of the demo, once its accounts exist: three national guides (VNeID level 2 in its second
    /// version, the national public-service portal account, an e-commerce shop) with pictures of the screens, and Lạng
    /// Sơn's own version of the VNeID guide, which the province's accounts read instead.
    static func loadGuides(on db: any Database, clock: AppClock) async throws {
        let users = Dictionary(try await User.query(on: db).filter(\.$login ~~ ["admin", "langson"]).all().map { ($0.login, $0) },
                               uniquingKeysWith: { a, _ in a })
        guard let ministry = users["admin"], let province = users["langson"] else { return }
        func service(_ u: User) -> GuideService {
            GuideService(scope: Scope(actor: Actor(userID: u.id, login: u.login, role: u.role, scopePath: u.unitPath), db: db), clock: clock)
        }
        func picture(_ name: String) -> Data? {
            FileManager.default.contents(atPath: LanToaResources.directory("Data") + "demo-guides/\(name).jpg")
        }
        typealias Step = GuideService.StepInput
        let vneidSteps = [
            Step(text: "Cài ứng dụng VNeID của Bộ Công an từ CH Play (Android) hoặc App Store (iPhone). Kiểm tra tên nhà phát triển là \"Trung tâm dữ liệu quốc gia về dân cư\".",
                 image: picture("vneid-1")),
            Step(text: "Mở VNeID, chọn \"Đăng ký\", nhập số định danh cá nhân (12 số trên CCCD) và số điện thoại chính chủ của người dân.",
                 image: picture("vneid-2")),
            Step(text: "Nhập mã OTP gửi về điện thoại, đặt mật khẩu (ít nhất 8 ký tự, có chữ hoa, chữ thường, số và ký tự đặc biệt) và mã PIN 6 số. Nhắc người dân ghi nhớ, không chia sẻ cho ai.",
                 image: picture("vneid-3")),
            Step(text: "Chọn \"Quét NFC\" và áp CCCD gắn chip vào mặt sau điện thoại đến khi máy báo thành công. Điện thoại không có NFC: hẹn người dân ra Công an xã để kích hoạt mức 2.",
                 image: picture("vneid-4")),
        ]
        var vneid = try await service(ministry).publish(nil, service: "vneid_level2", title: "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
                                                        adapts: nil, steps: vneidSteps)
        // A second version: a step added after teams asked about the face check.
        let first = try await service(ministry).version(of: vneid, nil).steps
        var second = first.map { Step(text: $0.text, keepImage: $0.image) }
        second.insert(Step(text: "Khi ứng dụng yêu cầu, chụp ảnh khuôn mặt người dân ở nơi đủ sáng, không đeo kính, không đội mũ."), at: 3)
        vneid = try await service(ministry).publish(vneid.id, service: "vneid_level2", title: "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
                                                    adapts: nil, steps: second)

        _ = try await service(ministry).publish(nil, service: "public_service_account", title: "Đăng nhập Cổng Dịch vụ công quốc gia bằng VNeID",
                                                adapts: nil, steps: [
            Step(text: "Trên điện thoại hoặc máy tính, vào dichvucong.gov.vn, bấm \"Đăng nhập\" và chọn \"Tài khoản định danh điện tử\".", image: picture("dvc-1")),
            Step(text: "Mở VNeID trên điện thoại của người dân, quét mã QR trên màn hình (hoặc nhập số định danh và mật khẩu VNeID), bấm \"Đồng ý\" để chia sẻ thông tin.",
                 image: picture("dvc-2")),
            Step(text: "Lần đầu đăng nhập, kiểm tra họ tên, ngày sinh, địa chỉ thường trú; bổ sung thư điện tử nếu có. Tài khoản đã sẵn sàng để nộp hồ sơ trực tuyến."),
        ])
        _ = try await service(ministry).publish(nil, service: "ecommerce_shop", title: "Mở gian hàng trên sàn thương mại điện tử cho hộ kinh doanh", adapts: nil, steps: [
            Step(text: "Chuẩn bị: CCCD của chủ hộ, số tài khoản ngân hàng đứng tên chủ hộ, ảnh chụp rõ từng sản phẩm trên nền sáng, giá bán và cân nặng đóng gói."),
            Step(text: "Cài ứng dụng của sàn (Shopee, Lazada, TikTok Shop, Postmart hoặc Voso), đăng ký bằng số điện thoại chính chủ, chọn \"Đăng ký bán hàng\"."),
            Step(text: "Điền tên gian hàng, địa chỉ lấy hàng, xác minh danh tính bằng CCCD và liên kết tài khoản ngân hàng để nhận tiền."),
            Step(text: "Đăng sản phẩm đầu tiên: tên có nguồn gốc (\"Hồng không hạt Bảo Lâm\"), 3–5 ảnh, mô tả, giá, phí vận chuyển. Hướng dẫn chủ hộ trả lời tin nhắn của khách trong ngày."),
        ])
        // Lạng Sơn's version: the national steps and pictures, and where to go in the province when NFC fails.
        var local = second
        local[4] = Step(text: "Chọn \"Quét NFC\" và áp CCCD gắn chip vào mặt sau điện thoại đến khi máy báo thành công. Điện thoại không có NFC: đưa người dân đến điểm hỗ trợ VNeID của Công an xã (sáng thứ Bảy hằng tuần tại Bộ phận một cửa).",
                        keepImage: local[4].keepImage)
        _ = try await service(province).publish(nil, service: nil, title: "Kích hoạt VNeID mức 2 (hướng dẫn của tỉnh Lạng Sơn)", adapts: vneid.id, steps: local)
    }
}
