import Benchmark

let benchmarks: @Sendable () -> Void = {
    schedulerBenchmarks()
    connectionBenchmarks()
}
