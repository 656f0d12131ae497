// swift-tools-version:6.1
// Benchmarks of the pure core (ordo-one/benchmark). Kept in their own package so the main
// build and `swift test` never compile the benchmark framework.
//
//   cd Benchmarks && swift package benchmark            # all
//   cd Benchmarks && swift package benchmark --filter 'pick.*'
import PackageDescription

let package = Package(
    name: "SwiftLVSBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LVSCore", package: "SwiftLVS"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
