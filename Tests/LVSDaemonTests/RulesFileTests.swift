import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import Testing

@testable import LVSDaemon

@Suite("Rules files")
struct RulesFileTests {
    @Test("comments and blank lines are skipped; commands keep their line numbers")
    func parse() throws {
        let text = """
            # saved by lvsadm -S -n

            -A -t 10.0.0.1:80 -s rr
              # indented comment
            ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 2
            """
        let rules = try RulesFile.parse(text, path: "r", resolver: NumericResolver())
        #expect(rules.entries.map(\.line) == [3, 5])
        let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)
        #expect(rules.entries.first?.command == .addService(VirtualServiceConfig(id: vip, scheduler: "rr")))
    }

    @Test("a line that is not a command, or has an unknown option, says so with file and line")
    func unknownOptionNamed() {
        let text = "-A -t 10.0.0.1:80 -s rr\n# fine so far\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 --bogus\n"
        #expect(throws: RulesFileError(path: "f.rules", line: 3, message: "unknown option '--bogus'")) {
            try RulesFile.parse(text, path: "f.rules", resolver: NumericResolver())
        }
        let error = RulesFileError(path: "f.rules", line: 3, message: "unknown option '--bogus'")
        #expect(error.description == "f.rules:3: unknown option '--bogus'")
        #expect(
            throws: RulesFileError(
                path: "f.rules", line: 1,
                message:
                    "'Service' is not a command; a line starts with a command such as -A, -E, -D, -a, -e, -d, -C or --set"
            )
        ) {
            try RulesFile.parse("Service -t 10.0.0.1:80\n", path: "f.rules", resolver: NumericResolver())
        }
    }

    @Test("a missing rules file is named with errno's words")
    func missingFile() {
        #expect(
            throws: RulesFileError(
                path: "/nonexistent/r.rules", line: nil, message: "cannot read: No such file or directory")
        ) {
            try RulesFile.load(path: "/nonexistent/r.rules", resolver: NumericResolver())
        }
    }

    @Test("a usage error names file and line")
    func usageError() {
        #expect(throws: RulesFileError(path: "f.rules", line: 2, message: "illegal weight specified")) {
            try RulesFile.parse(
                "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -w -1\n", path: "f.rules", resolver: NumericResolver()
            )
        }
        #expect(
            throws: RulesFileError(
                path: "f.rules", line: 1, message: "only commands that change the configuration belong in a rules file")
        ) {
            try RulesFile.parse("-L -n\n", path: "f.rules", resolver: NumericResolver())
        }
    }

    @Test("a rules file is applied whole at start")
    func loadedAtStart() async throws {
        let directory = try TemporaryDirectory()
        let rules = directory.file("lvs.rules")
        try LVSAdminEndToEndTests.manPageSave.write(toFile: rules, atomically: true, encoding: .utf8)
        let daemon = try await TestDaemon.start(rulesFile: rules, in: directory)
        let listing = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-L", "-n"])
        #expect(listing.standardOutput == LVSAdminEndToEndTests.manPageListing)
        await daemon.stop()
    }

    @Test("a rules file with a line the director refuses keeps the daemon from starting")
    func refusedAtStart() async throws {
        let directory = try TemporaryDirectory()
        let rules = directory.file("bad.rules")
        try "-A -t 10.0.0.1:80\n\n-A -t 10.0.0.1:80\n".write(toFile: rules, atomically: true, encoding: .utf8)
        await #expect(throws: RulesFileError(path: rules, line: 3, message: "Service already exists")) {
            _ = try await TestDaemon.start(rulesFile: rules, in: directory)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("lvsd.sock")))
        let viaExecutable = try await Subprocess.run(
            "lvsd", ["--control-socket", directory.file("x.sock"), "--rules", rules])
        #expect(viaExecutable.status == 1)
        #expect(viaExecutable.standardError.contains("lvsd: \(rules):3: Service already exists\n"))
        directory.remove()
    }
}
