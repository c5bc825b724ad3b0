import Foundation

/// The bundle holding Lan Tỏa's templates, public files, reference data and string catalogues,
/// so that the app finds them whatever its working directory.
public enum LanToaResources {
    public static var bundle: Bundle { Bundle.module }

    /// The folder of a bundled resource directory (`Views`, `Public`, `Data`, `Localization`), ending in `/`.
    public static func directory(_ name: String) -> String {
        let base = Bundle.module.resourceURL ?? Bundle.module.bundleURL
        return base.appendingPathComponent(name, isDirectory: true).path + "/"
    }
}
