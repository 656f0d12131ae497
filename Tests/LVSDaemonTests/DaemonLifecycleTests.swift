import Foundation
import LVSCore
import Testing

@testable import LVSControl
@testable import LVSDaemon

@Suite("Daemon lifecycle")
struct DaemonLifecycleTests {
    @Test("the daemon serves on its socket, refuses a twin and removes the socket when stopped")
    func startStop() async throws {
        let daemon = try await TestDaemon.start()
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
        guard case .pong(let info) = try daemon.client().send(.ping) else {
            Issue.record("no pong")
            return
        }
        #expect(info.dryRun)
        await #expect(throws: ControlServerError.alreadyRunning(path: daemon.socketPath)) {
            _ = try await TestDaemon.start(in: daemon.directory)
        }
        await daemon.daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        daemon.directory.remove()
    }

    @Test("malformed control messages get error replies and the daemon keeps serving")
    func malformedMessages() async throws {
        let daemon = try await TestDaemon.start()
        let socket = try UnixSocket.connect(path: daemon.socketPath, timeoutMilliseconds: 10_000).get()
        var carry: [UInt8] = []
        let garbage: [String] = [
            "{]\n", "null\n", "{\"v\":1,\"id\":1,\"type\":\"apply\",\"command\":{\"addService\":{}}}\n",
            "{\"v\":1,\"id\":2,\"type\":\"applyBatch\",\"commands\":[{\"clear\":{}},{\"zero\":7}]}\n",
            "{\"v\":1000000,\"id\":3,\"type\":\"ping\"}\n", "\u{0}\u{1}\u{2}\n",
        ]
        for line in garbage {
            #expect(socket.writeAll(Array(line.utf8)) == nil)
            let reply = try ControlProtocol.decodeReply(try socket.readLine(limit: 1 << 20, carry: &carry).get())
            guard case .failure(let failure) = reply.body else {
                Issue.record("\(line) was accepted: \(reply)")
                continue
            }
            #expect(failure.kind != .admin, "\(line)")
        }
        // Nothing changed, and a well-formed request on the same connection still works.
        #expect(socket.writeAll(ControlProtocol.encode(ControlRequest(id: 9, body: .getTable))) == nil)
        let table = try ControlProtocol.decodeReply(try socket.readLine(limit: 1 << 20, carry: &carry).get())
        #expect(table == ControlReply(id: 9, body: .table(TableSnapshot())))
        #expect(try daemon.client().send(.ping) != .ok)
        await daemon.stop()
    }

    @Test("a missing rules file keeps the daemon from starting and leaves no socket")
    func missingRules() async throws {
        let directory = try TemporaryDirectory()
        await #expect(throws: RulesFileError.self) {
            _ = try await TestDaemon.start(rulesFile: directory.file("nope.rules"), in: directory)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("lvsd.sock")))
        directory.remove()
    }
}
