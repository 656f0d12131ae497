import Foundation
import LVSControl
import LVSDaemon
import Testing

@Suite("sd_notify sender (docs/design/0017-service-manager.md)")
struct ServiceManagerNotifierTests {
    @Test("READY=1 with STATUS reaches a socket named by a path")
    func readyToPath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let listener = try NotifyListener(path: directory.file("notify"))
        defer { listener.close() }
        let notifier = try #require(ServiceManagerNotifier(socketName: listener.socketName))
        #expect(notifier.ready(status: "serving\nsecond line"))
        #expect(listener.receive(timeout: 10) == "READY=1\nSTATUS=serving second line")
    }

    @Test("an abstract socket (@name) receives the messages too")
    func abstractSocket() throws {
        let name = "lvsd-notify-test-\(UUID().uuidString.prefix(12))"
        let listener = try NotifyListener(path: "/unused/" + name, abstract: true)
        defer { listener.close() }
        #expect(listener.socketName == "@" + name)
        let notifier = try #require(ServiceManagerNotifier.fromEnvironment(["NOTIFY_SOCKET": "@" + name]))
        #expect(notifier.stopping())
        #expect(listener.receive(timeout: 10) == "STOPPING=1\nSTATUS=shutting down")
    }

    @Test("RELOADING=1 carries MONOTONIC_USEC from CLOCK_MONOTONIC")
    func reloading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let listener = try NotifyListener(path: directory.file("notify"))
        defer { listener.close() }
        let notifier = try #require(ServiceManagerNotifier(socketName: listener.socketName))
        let before = ServiceManagerNotifier.monotonicMicroseconds()
        #expect(notifier.reloading(monotonicMicroseconds: ServiceManagerNotifier.monotonicMicroseconds()))
        let after = ServiceManagerNotifier.monotonicMicroseconds()
        let message = try #require(listener.receive(timeout: 10))
        let fields = NotifyListener.fields(message)
        #expect(message.hasPrefix("RELOADING=1\n"))
        #expect(fields["RELOADING"] == "1")
        let stamp = try #require(fields["MONOTONIC_USEC"].flatMap { UInt64($0) })
        #expect(stamp >= before && stamp <= after)
    }

    @Test("no NOTIFY_SOCKET, or one that is not absolute or abstract, gives no notifier")
    func unusableNames() {
        #expect(ServiceManagerNotifier.fromEnvironment([:]) == nil)
        #expect(ServiceManagerNotifier.fromEnvironment(["NOTIFY_SOCKET": ""]) == nil)
        #expect(ServiceManagerNotifier(socketName: "relative/notify") == nil)
        #expect(ServiceManagerNotifier(socketName: "@") == nil)
        #expect(ServiceManagerNotifier(socketName: "/" + String(repeating: "x", count: 200)) == nil)
        #expect(ServiceManagerNotifier(socketName: "/run/systemd/notify")?.socketName == "/run/systemd/notify")
    }

    @Test("a socket nobody listens on: send reports false and does not throw")
    func nobodyListening() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let notifier = try #require(ServiceManagerNotifier(socketName: directory.file("absent")))
        #expect(!notifier.ready(status: "serving"))
    }

    @Test("the watchdog interval is half of WATCHDOG_USEC, for this process only")
    func watchdogInterval() {
        let interval = ServiceManagerNotifier.watchdogInterval
        #expect(interval(["WATCHDOG_USEC": "30000000"], 42) == .seconds(15))
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], 42) == .seconds(15))
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "43"], 42) == nil)
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "x"], 42) == nil)
        #expect(interval(["WATCHDOG_USEC": "0"], 42) == nil)
        #expect(interval(["WATCHDOG_USEC": "soon"], 42) == nil)
        #expect(interval([:], 42) == nil)
    }

    @Test("the watchdog pings repeatedly at its interval until cancelled")
    func watchdogCadence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let listener = try NotifyListener(path: directory.file("notify"))
        defer { listener.close() }
        let notifier = try #require(ServiceManagerNotifier(socketName: listener.socketName))
        // WATCHDOG_USEC=200000 → a ping every 100 ms.
        let interval = try #require(
            ServiceManagerNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "200000"], processID: 1))
        #expect(interval == .milliseconds(100))
        let watchdog = ServiceManagerWatchdog(notifier: notifier, interval: interval)
        let started = Date()
        var pings: [String] = []
        while pings.count < 4, let message = listener.receive(timeout: 10) { pings.append(message) }
        let elapsed = Date().timeIntervalSince(started)
        watchdog.cancel()
        #expect(pings == Array(repeating: "WATCHDOG=1", count: 4))
        // The first ping goes out at once, three more follow at 100 ms steps: never sooner.
        #expect(elapsed >= 0.25)
        // After cancel (and one ping that may have been in flight) nothing more comes.
        _ = listener.receive(timeout: 0.3)
        #expect(listener.receive(timeout: 0.5) == nil)
    }

    @Test("a session says READY, RELOADING then READY with the outcome, and STOPPING")
    func session() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let listener = try NotifyListener(path: directory.file("notify"))
        defer { listener.close() }
        let session = ServiceManagerSession(
            notifier: ServiceManagerNotifier(socketName: listener.socketName), watchdogInterval: nil)
        session.started(controlSocket: "/run/lvsd.sock")
        #expect(listener.receive(timeout: 10) == "READY=1\nSTATUS=serving; control socket /run/lvsd.sock")
        session.reloading()
        #expect(NotifyListener.fields(listener.receive(timeout: 10) ?? "")["RELOADING"] == "1")
        session.reloaded(.success(ReloadReport(path: "/etc/lvsd/keepalived.conf", changes: 3, warnings: [])))
        #expect(listener.receive(timeout: 10) == "READY=1\nSTATUS=serving; reload applied 3 changes")
        session.reloaded(.failure(.notConfigured))
        let refused = NotifyListener.fields(listener.receive(timeout: 10) ?? "")
        #expect(refused["READY"] == "1")
        #expect(refused["STATUS"]?.hasPrefix("serving; reload refused: lvsd was started without --config") == true)
        session.stopping()
        #expect(listener.receive(timeout: 10) == "STOPPING=1\nSTATUS=shutting down")
        // No watchdog was asked for: nothing else arrives.
        #expect(listener.receive(timeout: 0.3) == nil)
    }

    @Test("without NOTIFY_SOCKET a session sends nothing and starts no watchdog")
    func silentSession() {
        let session = ServiceManagerSession(notifier: nil, watchdogInterval: .milliseconds(10))
        session.started(controlSocket: "/run/lvsd.sock")
        session.stopping()
        #expect(session.notifier == nil)
    }
}
