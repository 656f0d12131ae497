import LVSFuzzing

#if canImport(Glibc)
    import Glibc
#endif

/// The harness this process runs, named by `LVS_FUZZ_HARNESS` (docs/fuzzing.md).
let selectedHarness: FuzzHarness? = getenv("LVS_FUZZ_HARNESS").flatMap { FuzzHarness(rawValue: String(cString: $0)) }

/// libFuzzer's set-up hook: refuses to start without a known harness, naming the choices.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>
) -> CInt {
    guard selectedHarness != nil else {
        let names = FuzzHarness.allCases.map(\.rawValue).joined(separator: " ")
        fputs("lvs-fuzz: set LVS_FUZZ_HARNESS to one of: \(names)\n", stderr)
        exit(2)
    }
    return 0
}

/// libFuzzer's entry point: one input through the selected harness.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let selectedHarness else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedHarness.run(bytes)
    return 0
}
