// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lantoa",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lantoa", targets: ["lantoa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/async-kit.git", from: "1.22.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The system's zlib, for reading uploaded workbooks (ZIPReader).
        .systemLibrary(name: "CLanToaZlib", path: "Sources/CLanToaZlib"),
        // glibc's malloc controls, for the batch commands' peak memory (BatchMemory).
        .systemLibrary(name: "CLanToaMalloc", path: "Sources/CLanToaMalloc"),
        .target(
            name: "LanToaCore",
            dependencies: [
                "CLanToaZlib",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LanToaResources",
            path: "Resources",
            exclude: [],
            sources: ["LanToaResources.swift"],
            resources: [
                .copy("Views"),
                .copy("Public"),
                .copy("Data"),
                .copy("Localization"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "App",
            dependencies: [
                "LanToaCore",
                "LanToaResources",
                "CLanToaMalloc",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "lantoa",
            dependencies: ["App"],
            swiftSettings: swiftSettings
        ),
        // A local stand-in for Zalo's servers (docs/zalo.md): the tests', the benchmark's, and `zalo-fake` for trials.
        .target(
            name: "ZaloFake",
            dependencies: [
                .product(name: "Vapor", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zalo-fake",
            dependencies: ["ZaloFake"],
            swiftSettings: swiftSettings
        ),
        // The benchmark engines: they drive the app's internals, so they import it @testable (release runs pass
        // -Xswiftc -enable-testing, see Benchmarks/README.md).
        .target(
            name: "LanToaBenchmarks",
            dependencies: [
                "App",
                "LanToaCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/Engines",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SyncThroughput",
            dependencies: ["LanToaBenchmarks", "App"],
            path: "Benchmarks/SyncThroughput",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "OutboxDelivery",
            dependencies: ["LanToaBenchmarks", "App", "ZaloFake"],
            path: "Benchmarks/OutboxDelivery",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DashboardLatency",
            dependencies: ["LanToaBenchmarks", "App"],
            path: "Benchmarks/DashboardLatency",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LanToaCoreTests",
            dependencies: ["LanToaCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "LanToaCore",
                "ZaloFake",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        // The pages in a real Chromium (through chromedriver), on the fixtures of AppTests.
        .testTarget(
            name: "BrowserTests",
            dependencies: [
                "AppTests",
                "App",
                "ZaloFake",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

var swiftSettings: [SwiftSetting] {
    [.enableUpcomingFeature("ExistentialAny")]
}
