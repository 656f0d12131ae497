import Glibc
import LVSFuzzing

/// The harness this process runs, named by `LVS_FUZZ_HARNESS` (docs/fuzzing.md).
let selectedHarness: FuzzHarness? = getenv("LVS_FUZZ_HARNESS").flatMap { FuzzHarness(rawValue: String(cString: $0)) }

/// libFuzzer's driver (compiler-rt's FuzzerDriver.cpp), reached because SwiftPM points the
/// executable's `main` at `lvs_fuzz_main` instead of linking libFuzzer's own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The program's entry point: refuses to start without a known harness, naming the choices,
/// then hands the command line to libFuzzer.
@_cdecl("lvs_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    guard selectedHarness != nil else {
        let names = FuzzHarness.allCases.map(\.rawValue).joined(separator: " ")
        let message = "lvs-fuzz: set LVS_FUZZ_HARNESS to one of: \(names)\n"
        _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        return 2
    }
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzerTestOneInput)
}

/// libFuzzer's entry point: one input through the selected harness.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let selectedHarness else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedHarness.run(bytes)
    return 0
}
