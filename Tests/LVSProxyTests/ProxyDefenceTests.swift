import Glibc
import LVSCore
import LVSProxy
import LVSReactor
import Testing

/// The director's defences seen from the proxy engine (docs/design/0030-ipvs-defences.md): a
/// refused connection is closed and counted under its own name.
@Suite("proxy engine under the defences", .serialized)
struct ProxyDefenceTests {
    /// Opens a connection to `service`, sends one byte and returns what came back (the echo, or
    /// nothing when the engine closed it).
    static func exchange(_ service: VirtualServiceID) -> [UInt8] {
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, [7])
        return Net.receive(fd, count: 1)
    }

    @Test("drop_packet 3 with am_droprate 2: every second connection closed, counted dropped_defence")
    func dropPacket() throws {
        var settings = DirectorSettings()
        settings.defences.dropPacket = .always
        settings.defences.dropRate = 2
        let h = try ProxyHarness(settings: settings, clock: ManualReactorClock())
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let answers = (0..<4).map { _ in Self.exchange(service) }
        #expect(answers == [[7], [], [7], []])
        #expect(h.engine.count(.droppedDefence) == 2)
    }

    @Test("a service rate limit with burst 2 on a stopped clock: the third connection closed, counted")
    func serviceRateLimit() throws {
        var settings = DirectorSettings()
        settings.defences.serviceRateLimit = NewConnectionRateLimit(rate: 1, burst: 2)
        let h = try ProxyHarness(settings: settings, clock: ManualReactorClock())
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let answers = (0..<3).map { _ in Self.exchange(service) }
        #expect(answers == [[7], [7], []])
        #expect(h.engine.count(.droppedRateLimited) == 1)
    }
}
