import LanToaCore
import Vapor

/// The sign-in page (`accounts/login.leaf`).
struct LoginPage: Encodable {
    var layout: Layout
    var login: String
    var next: String
    var failed: Bool
    /// Why the last attempt was refused (wrong login or password, or paused), in the page's language.
    var message: String
}
