// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"])
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Model formats and math: no networking, no HTTP.
        .target(
            name: "VigilModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // MLflow's own pyfunc in supervised Python worker processes.
        .target(
            name: "VigilPython",
            dependencies: [
                "VigilModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The metric catalogue and its exposition.
        .target(
            name: "VigilMonitoring",
            dependencies: [
                "VigilModel",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // MLflow model URIs: registry resolution, artifact download and the local cache (Foundation only).
        .target(
            name: "VigilMLflow",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The scoring (:8000) and operations (:8001) servers and the loaded model.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilModel",
                "VigilMLflow",
                "VigilMonitoring",
                "VigilPython",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        // `vigil doctor`: checks a Prometheus/Alertmanager stack over their HTTP APIs. Foundation only.
        .target(name: "VigilDoctor", swiftSettings: swiftSettings),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilServer",
                "VigilDoctor",
                "VigilMonitoring",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilModelTests",
            dependencies: ["VigilModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilPythonTests",
            dependencies: ["VigilPython"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilMLflowTests",
            dependencies: ["VigilMLflow"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilMonitoringTests",
            dependencies: ["VigilMonitoring"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VigilDoctorTests", dependencies: ["VigilDoctor"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
