import CLinuxNet
import Glibc
import LVSCore
import Testing

@testable import LVSReactor

/// Tests that run a real reactor on its own thread. Serialized: they open many fds, and the
/// stale-event test relies on fd numbers it controls with dup2.
@Suite(.serialized) struct ReactorTests {
    static func listener() throws -> (fd: Int32, address: SocketAddress) {
        let fd = try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), backlog: 1024))
        return (fd, try Socket.localAddress(fd))
    }

    static func pattern(client: Int, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ client &* 131 &+ ($0 >> 8)) }
    }

    @Test func echoes64KiBTo200ConcurrentClients() throws {
        let (listenFD, address) = try Self.listener()
        let reactor = try Reactor(handler: EchoHandler(listenerFD: listenFD))
        let thread = try reactor.start()
        // 12.8 MB echoed by one test thread: a bound for a loaded 2-core machine running the proxy
        // suites beside it (it took over 20 s there), not an expected duration.
        let watchdog = try Watchdog(seconds: 90) { reactor.stop() }
        let clientCount = 200
        let size = 64 * 1024
        var clients: [Int32] = []
        defer { for fd in clients { close(fd) } }
        for _ in 0..<clientCount { clients.append(try TestClient.connect(to: address)) }
        let payloads = (0..<clientCount).map { Self.pattern(client: $0, count: size) }
        var received = [[UInt8]](repeating: [], count: clientCount)
        // Round-robin 16 KiB at a time, collecting echoes as they come, so every connection is
        // in flight at once and no socket buffer has to hold a whole 64 KiB.
        for offset in stride(from: 0, to: size, by: 16 * 1024) {
            for index in 0..<clientCount {
                try TestClient.sendAll(clients[index], payloads[index][offset..<offset + 16 * 1024])
                try TestClient.receiveAvailable(clients[index], into: &received[index])
            }
        }
        for index in 0..<clientCount {
            try TestClient.receive(clients[index], until: size, into: &received[index])
            #expect(received[index] == payloads[index], "client \(index)")
        }
        // Half-close from every client: the server finishes and closes, which the clients see as EOF.
        for fd in clients { shutdown(fd, Int32(SHUT_WR)) }
        for index in 0..<clientCount {
            var tail: [UInt8] = []
            try TestClient.receive(clients[index], until: 1, into: &tail)
            #expect(tail.isEmpty)
        }
        reactor.stop()
        thread.join()
        #expect(!watchdog.finish())
        #expect(reactor.exitError == nil)
        #expect(reactor.handler.failures == [])
        #expect(reactor.handler.acceptedCount == clientCount)
        #expect(reactor.handler.closedCount == clientCount)
        #expect(reactor.handler.buffers.inUse == 0)
        #expect(reactor.counters.staleEvents == 0)
        #expect(reactor.counters.events > UInt64(clientCount))
        #expect(!reactor.post(1))  // stopped: the mailbox refuses
    }

    @Test func mailboxDeliversInOrderAndStopComesFromAnotherThread() throws {
        let reactor = try Reactor(handler: RecordingHandler())
        #expect(reactor.post(-1))  // before run: delivered when it starts
        let thread = try reactor.start()
        let watchdog = try Watchdog { reactor.stop() }
        let poster = try ReactorThread.spawn(name: "poster") {
            for value in 0..<1000 { reactor.post(value) }
            reactor.stop()
        }
        poster.join()
        thread.join()
        #expect(!watchdog.finish())
        #expect(reactor.handler.messages == [-1] + Array(0..<1000))
        #expect(reactor.handler.started == 1)
        #expect(reactor.handler.stopping == 1)
        #expect(reactor.counters.mailboxMessages == 1001)
        #expect(!reactor.post(5))
        #expect(!reactor.stop())
        // The eventfd is closed: nothing of the reactor's is left open.
        #expect(reactor.registeredCount == 0)
    }

    @Test func timersFireThroughTheLoopAndSetItsTimeout() throws {
        let handler = RecordingHandler()
        handler.stopAfterTimers = 3
        let reactor = try Reactor(handler: handler, configuration: ReactorConfiguration(tickNanoseconds: 1_000_000))
        handler.armOnStart = [(7, 30_000_000), (3, 10_000_000), (5, 20_000_000), (9, 60_000_000_000)]
        let thread = try reactor.start()
        let watchdog = try Watchdog { reactor.stop() }
        thread.join()
        #expect(!watchdog.finish())
        #expect(handler.firedSlots == [3, 5, 7])
        #expect(handler.timerLateness.allSatisfy { $0 >= 0 })
        #expect(reactor.armedTimerCount == 1)  // slot 9, an hour away, never fired
        #expect(reactor.counters.timersFired == 3)
    }

    @Test func staleEventsAfterCloseAndReuseAreDropped() throws {
        let handler = StaleEventHandler()
        let reactor = try Reactor(handler: handler)
        let thread = try reactor.start()
        let watchdog = try Watchdog { reactor.stop() }
        thread.join()
        #expect(!watchdog.finish())
        #expect(handler.failures == [])
        #expect(handler.firstBatchDeliveries == 1)
        #expect(reactor.counters.staleEvents == 1)
        #expect(handler.reusedToken != nil)
        #expect(handler.reusedToken?.slot == handler.closedToken?.slot)
        #expect(handler.reusedToken?.generation != handler.closedToken?.generation)
        #expect(handler.deliveredTokens.contains(handler.closedToken!) == false)
    }

    @Test func reusePortListenersOnTwoReactorsBothAccept() throws {
        let first = try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0)))
        let address = try Socket.localAddress(first)
        let second = try Socket.makeTCPListener(TCPListenerOptions(address: address))
        let listeners = [first, second]
        let group = try ReactorGroup(count: 2, configuration: ReactorConfiguration(name: "test-group")) {
            EchoHandler(listenerFD: listeners[$0])
        }
        try group.start()
        let watchdog = try Watchdog { group.stop() }
        var clients: [Int32] = []
        defer { for fd in clients { close(fd) } }
        // The kernel spreads connections over the two listeners by a hash of the 4-tuple:
        // 64 connections from distinct source ports all landing on one side has odds 2^-63.
        for _ in 0..<64 {
            let fd = try TestClient.connect(to: address)
            clients.append(fd)
            try TestClient.sendAll(fd, [42][...])
            var echo: [UInt8] = []
            try TestClient.receive(fd, until: 1, into: &echo)
            #expect(echo == [42])
        }
        #expect(group.postToAll(1) == 2)
        group.stop()
        #expect(!watchdog.finish())
        let accepted = group.reactors.map(\.handler.acceptedCount)
        #expect(accepted.reduce(0, +) == 64)
        #expect(accepted.allSatisfy { $0 > 0 }, "\(accepted)")
        #expect(group.reactors.allSatisfy { $0.handler.failures.isEmpty })
        #expect(!group.post(1, to: 0))
        #expect(!group.post(1, to: 5))
    }
}
