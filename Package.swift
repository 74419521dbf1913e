// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tripline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tripline", targets: ["tripline"]),
        .library(name: "TriplinePipeline", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        // Zstandard's C API (apt: libzstd-dev), for compact retained events.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // The JSON reader's string scan with SSE2 (header-only, inlined into ECS).
        .target(name: "CByteScan"),
        // Events: compact field storage, the JSON byte scanner, field catalog, normalizers.
        .target(name: "ECS", dependencies: ["CZstd", "CByteScan", .product(name: "DequeModule", package: "swift-collections")]),
        // The EQL language: lexer, parser, verifier, compiled evaluators, sequence matcher.
        .target(name: "EQL", dependencies: [
            "ECS",
            .product(name: "Collections", package: "swift-collections"),
        ]),
        // Elastic detection-rules TOML files, rule metadata, alert documents.
        .target(name: "Detection", dependencies: [
            "ECS", "EQL",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // Stages, the runner, partitioner, shards, sources and sinks that need no broker.
        .target(name: "Pipeline", dependencies: [
            "ECS", "EQL", "Detection",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // librdkafka's C API (apt: librdkafka-dev), and the safe Kafka client and pipeline stages over it.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "Kafka", dependencies: [
            "CRdKafka", "Pipeline", "Detection", "ECS",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Reproducible benchmark workloads: Elastic Defend Linux process events with planted attacks.
        .target(name: "Workload", dependencies: [
            "ECS",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // The user's pipeline declarations, compiled into the CLI's registry.
        .target(name: "Pipelines", dependencies: ["Pipeline", "Kafka", "ECS"], path: "Pipelines"),
        .executableTarget(name: "tripline", dependencies: [
            "Pipeline", "Pipelines", "Kafka", "Detection", "EQL", "ECS",
            "Workload",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], linkerSettings: [
            // mimalloc (apt: libmimalloc-dev) replaces glibc's malloc in the whole process when linked:
            // Linux corpus +4.6 %, 766 instead of 780 bytes per live sequence key (README § Performance).
            .linkedLibrary("mimalloc", .when(platforms: [.linux])),
        ]),
        .target(name: "TestScratch", path: "Tests/TestScratch"),
        // Captures log messages in tests that check what a component logs.
        .target(name: "TestLogCapture", dependencies: [.product(name: "Logging", package: "swift-log")],
                path: "Tests/TestLogCapture"),
        // Counts each thread's heap allocations in the test bundle (hot-path allocation tests).
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter",
                linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]),
        .testTarget(name: "ECSTests", dependencies: ["ECS"]),
        .testTarget(name: "EQLTests", dependencies: ["EQL", "ECS", .product(name: "TOMLKit", package: "TOMLKit")], exclude: ["KnownDeviations.toml"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "EQL", "ECS", "Workload", "TestScratch", "AllocationCounter"]),
        .testTarget(name: "PipelineTests", dependencies: [
            "Pipeline", "Pipelines", "Detection", "ECS", "TestScratch", "TestLogCapture",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "KafkaTests", dependencies: [
            "Kafka", "CRdKafka", "Pipeline", "Detection", "ECS", "tripline", "TestScratch", "TestLogCapture",
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "TriplineCLITests", dependencies: ["tripline", "TestScratch"]),
    ],
    swiftLanguageModes: [.v6]
)
