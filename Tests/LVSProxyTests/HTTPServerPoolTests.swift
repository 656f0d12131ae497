import LVSCore
import LVSReactor
import Testing

@testable import LVSProxy

/// The pool's bookkeeping (docs/design/0019 "Pool"): per-server cap, most recent first, removal.
@Suite("HTTP server pool")
struct HTTPServerPoolTests {
    func idle(_ slot: UInt32, server: UInt16, mark: UInt32 = 7, since: UInt64 = 0) -> HTTPServerPool.Idle {
        let key = RealServerKey(address: IPAddress("127.0.0.1")!, port: server)
        return HTTPServerPool.Idle(
            slot: slot, token: ReactorToken(rawValue: UInt64(slot)), key: .init(mark: mark, server: key),
            group: VirtualServiceID(firewallMark: mark, family: .inet),
            ref: ConnectionRef(index: Int32(slot), generation: 0),
            target: SocketAddress(key.address, port: server), traffic: Traffic(inBytes: 10), since: since)
    }

    @Test("at most perServerLimit per real server; the most recently parked is taken first")
    func capAndOrder() {
        var pool = HTTPServerPool(perServerLimit: 2, idleTimeoutNanoseconds: 1_000)
        let parked = [1, 2, 3].map { pool.park(idle($0, server: 80)) } + [pool.park(idle(4, server: 81))]
        #expect(parked == [true, true, false, true])
        #expect(pool.count == 3)
        let taken = pool.take(mark: 7, where: { $0.port == 80 })
        #expect(taken?.slot == 2)
        let none = pool.take(mark: 8, where: { _ in true })
        #expect(none == nil)
        #expect(pool.hasRoom(for: .init(mark: 7, server: RealServerKey(address: IPAddress("127.0.0.1")!, port: 80))))
        let removed = pool.remove(slot: 4, token: ReactorToken(rawValue: 4))
        #expect(removed?.slot == 4)
        let again = pool.remove(slot: 4, token: ReactorToken(rawValue: 4))
        #expect(again == nil)
        let gone = pool.removeAll { _ in true }
        #expect(gone.map(\.slot) == [1])
        #expect(pool.isEmpty)
        #expect(!pool.hasIdle(mark: 7))
    }
}
