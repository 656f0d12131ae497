@testable import LVSCore

/// An available-memory reading the test sets by hand.
final class FakeMemory: AvailableMemoryReading {
    var pages: UInt64?
    private(set) var reads = 0

    init(pages: UInt64?) { self.pages = pages }

    func availablePages() -> UInt64? {
        reads += 1
        return pages
    }
}

extension ConnectionHarness {
    /// Applies director settings with `change` made to the defaults' defences.
    func setDefences(_ change: (inout DefenceSettings) -> Void) throws {
        var settings = DirectorSettings()
        change(&settings.defences)
        try apply(.setDirectorSettings(settings))
    }

    /// A full handshake from client n:port (SYN, server SYN-ACK, ACK): an ESTABLISHED entry.
    @discardableResult
    func establish(client: UInt32, port: UInt16 = 40_000) -> InboundVerdict {
        send(.syn, client: client, port: port)
        reply([.syn, .ack], client: client, port: port)
        return send(.ack, client: client, port: port)
    }

    /// Moves the clock one second at a time, as the daemon's once-a-second tick does.
    func tick(seconds: Int) {
        for _ in 0..<seconds { advance(seconds: 1) }
    }

    var counters: ConnectionCounters { director.connectionCounters }
}

extension InboundVerdict {
    var isForward: Bool {
        if case .forward = self { return true }
        return false
    }
}
