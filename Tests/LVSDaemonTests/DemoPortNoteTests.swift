import NIOCore
import NIOPosix
import Testing

@testable import LVSDaemon

/// `lvsd --demo` says why its addresses differ from the 8080–8083 a guide shows (issue 13).
@Suite("Demo port notes")
struct DemoPortNoteTests {
    @Test("the preferred ports give no note")
    func preferredPortsNoNote() {
        let plan = DemoPlan(virtualPort: 8080, realServerPorts: [8081, 8082, 8083], controlSocketPath: "/s")
        #expect(plan.portNotes.isEmpty)
        #expect(!plan.instructions.contains("note:"))
    }

    @Test("each port taken by another program is named with the one used instead")
    func takenPortsNamed() {
        let plan = DemoPlan(virtualPort: 40_123, realServerPorts: [8081, 40_124, 8083], controlSocketPath: "/s")
        #expect(
            plan.portNotes == [
                "  note: port 8080 is in use, so the virtual service listens on 127.0.0.1:40123 instead",
                "  note: port 8082 is in use, so real server 2 listens on 127.0.0.1:40124 instead",
            ])
        let lines = plan.instructions.split(separator: "\n").map(String.init)
        let socketLine = lines.firstIndex(of: "  control socket /s")
        #expect(socketLine.map { Array(lines[($0 + 1)...($0 + 2)]) } == plan.portNotes)
    }

    @Test("a busy preferred port makes DemoPorts choose another, and the plan then says so")
    func busyPortChoice() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let holder = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let busy = try #require(holder.localAddress?.port)
        let chosen = try DemoPorts.tcpPort(preferring: busy)
        try? await holder.close()
        try await group.shutdownGracefully()
        #expect(chosen != busy && chosen > 0)
    }

    @Test("the dashboard's address is printed, with a note when its port is not 8090")
    func dashboardLines() {
        let plan = DemoPlan(virtualPort: 8080, realServerPorts: [8081, 8082, 8083], controlSocketPath: "/s")
        #expect(!plan.instructions.contains("dashboard"))
        let preferred = plan.instructions(dashboardPort: 8090)
        #expect(
            preferred.contains(
                "\n  dashboard http://127.0.0.1:8090/  (live table and events; REST API under api/v1/)\n"))
        #expect(!preferred.contains("note:"))
        #expect(preferred.hasSuffix("  http://127.0.0.1:8090/\n\n\(DemoPlan.readyLine)\n"))
        #expect(
            DemoPlan.dashboardLines(port: 8093) == [
                "  dashboard http://127.0.0.1:8093/  (live table and events; REST API under api/v1/)",
                "  note: port 8090 is in use, so the dashboard listens on http://127.0.0.1:8093/ instead",
            ])
    }
}
