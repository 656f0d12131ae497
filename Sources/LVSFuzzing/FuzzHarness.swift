/// The fuzz harnesses: one per input that crosses a trust boundary (docs/fuzzing.md,
/// docs/design/0028-fuzzing.md).
///
/// Each harness takes arbitrary bytes and runs them through the same public entry points the
/// daemon, `lvsadm` and the engines use. A harness has one contract: it returns for every input.
/// A trap (failed precondition, out-of-range index, overflow, force-unwrap) or an address
/// sanitizer report inside the code under test is a bug in that code, never in the harness.
/// The same `run` serves libFuzzer (`lvs-fuzz`, built by `scripts/fuzz.sh`) and the unit tests
/// that replay the committed corpus (`LVSFuzzingTests`).
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// ipvsadm(8) arguments (NUL-separated) and the same bytes as `-R` restore lines.
    case ipvsadm
    /// keepalived.conf: tokenizer, parser and includes, then the mapping to admin commands.
    case keepalived
    /// The control protocol: JSON-lines framing, request and reply decoding.
    case control
    /// Ethernet/ARP/IPv4/IPv6/TCP/UDP/ICMP parsing, IP-in-IP decapsulation, virtio-net headers.
    case packet
    /// The packet engine's forwarding path on a sequence of frames (NAT, DR, TUN, ICMP relay,
    /// FTP helper, SIP persistence, offload) against an in-memory director.
    case forwarder
    /// VRRP advertisements: the bare message (IPv4 and IPv6) and the whole IPv4 packet.
    case vrrp
    /// IPVS connection-sync datagrams (v0 and v1) and the authenticated envelope.
    case sync
    /// FTP control segments in both directions (PORT/EPRT, 227/229 replies).
    case ftp
    /// SIP Call-ID extraction for the persistence engine.
    case sip
    /// HTTP/1.x request heads, fed in pieces as a socket delivers them.
    case httpRequest = "http-request"
    /// Chunked request bodies, fed in pieces.
    case httpChunked = "http-chunked"
    /// HTTP/1.x response heads from real servers.
    case httpResponse = "http-response"
    /// TLS ClientHello (SNI, ALPN).
    case tlsClientHello = "tls-client-hello"

    /// Runs one input. Returns for every input; see the type's contract.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .ipvsadm: Self.runIPVSAdmin(bytes)
        case .keepalived: Self.runKeepalived(bytes)
        case .control: Self.runControl(bytes)
        case .packet: Self.runPacket(bytes)
        case .forwarder: ForwarderHarness.run(bytes)
        case .vrrp: Self.runVRRP(bytes)
        case .sync: Self.runSync(bytes)
        case .ftp: Self.runFTP(bytes)
        case .sip: Self.runSIP(bytes)
        case .httpRequest: Self.runHTTPRequest(bytes)
        case .httpChunked: Self.runHTTPChunked(bytes)
        case .httpResponse: Self.runHTTPResponse(bytes)
        case .tlsClientHello: Self.runTLSClientHello(bytes)
        }
    }

    /// `bytes` cut at every `separator` (empty parts kept): how a harness that needs several
    /// inputs (arguments, included files, frames) takes them from one byte string.
    static func parts(_ bytes: [UInt8], separator: UInt8 = 0) -> [[UInt8]] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
    }

    /// Cuts `bytes` into pieces whose lengths cycle through `lengths` (each at least 1): the
    /// read boundaries a stream parser sees, chosen by the input itself.
    static func pieces(_ bytes: ArraySlice<UInt8>, lengths: [Int]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var turn = 0
        while start < bytes.endIndex {
            let length = lengths.isEmpty ? bytes.count : max(1, lengths[turn % lengths.count])
            let end = min(bytes.endIndex, start + length)
            result.append(bytes[start..<end])
            start = end
            turn += 1
        }
        return result
    }
}
