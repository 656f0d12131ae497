import LVSCore

@testable import LVSFTP

/// The bytes of an ASCII fixture.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Addresses of the test topology: client, VIP, real server (all documentation ranges).
enum Topology {
    static let client = IPAddress(ipv4: 0xC633_6402)  // 198.51.100.2
    static let vip = IPAddress(ipv4: 0xCB00_7101)  // 203.0.113.1
    static let realServer = IPAddress(ipv4: 0xC0A8_6414)  // 192.168.100.20
    static let client6 = IPAddress("2001:db8:1::2")!
    static let realServer6 = IPAddress("2001:db8:2::20")!
    static let vip6 = IPAddress("2001:db8:3::1")!
}

/// The outcome of a parse, comparable in `#expect`.
enum ParseOutcome: Equatable {
    case none
    case found(FTPAddressPort)
    case refused(FTPParseRefusal)
}

func clientOutcome(
    _ text: String, family: AddressFamily = .inet, client: IPAddress = Topology.client,
    policy: FTPAddressPolicy = .mustMatch
) -> ParseOutcome {
    outcome(bytes(text)) { payload throws(FTPParseRefusal) in
        try FTPControlParser.parseClientCommand(payload, family: family, clientAddress: client, policy: policy)
    }
}

func serverOutcome(
    _ text: String, expecting request: FTPPassiveRequest, family: AddressFamily = .inet,
    server: IPAddress = Topology.realServer, policy: FTPAddressPolicy = .mustMatch
) -> ParseOutcome {
    outcome(bytes(text)) { payload throws(FTPParseRefusal) in
        try FTPControlParser.parseServerReply(
            payload, expecting: request, family: family, serverAddress: server, policy: policy)
    }
}

func outcome(_ payload: [UInt8], _ parse: ([UInt8]) throws(FTPParseRefusal) -> FTPAddressPort?) -> ParseOutcome {
    do throws(FTPParseRefusal) {
        guard let match = try parse(payload) else { return .none }
        return .found(match)
    } catch {
        return .refused(error)
    }
}

/// SplitMix64: a seeded generator so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
