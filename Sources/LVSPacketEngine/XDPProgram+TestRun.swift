import CLinuxNet
import Glibc

extension XDPProgram {
    /// Runs the loaded program `fd` once over `frame` with BPF_PROG_TEST_RUN (bpf(2) command
    /// 10) and returns its verdict (XDP_PASS 2, XDP_REDIRECT 4, …): the kernel's own verifier
    /// and helpers, without an interface. For tests and for a start-up self-check.
    public static func testRun(fd: Int32, frame: [UInt8]) throws(PacketEngineError) -> UInt32 {
        var output = [UInt8](repeating: 0, count: max(frame.count, 64) + 256)
        var outputSize = UInt32(output.count)
        var verdict: UInt32 = 0
        let rc = clinuxxdp_prog_test_run(fd, frame, UInt32(frame.count), &output, &outputSize, &verdict)
        guard rc == 0 else { throw .fromErrno("BPF_PROG_TEST_RUN", errno) }
        return verdict
    }
}
