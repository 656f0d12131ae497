import IPVSAdmin
import LVSCore
import Testing

@Suite("lvsadm help and -R line problems")
struct LvsadmUsageTests {
    @Test("lvsadm -h keeps ipvsadm's text first, then lists our options and every scheduler")
    func usageListsExtensionsAndSchedulers() {
        let text = IPVSAdminParser.lvsadmUsageText
        let ipvsadmPart = IPVSAdminParser.usageText(programName: "lvsadm")
        #expect(text.hasPrefix(ipvsadmPart))
        let ours = String(text.dropFirst(ipvsadmPart.count))
        #expect(ours.hasPrefix("\nlvsadm only (not in ipvsadm; see docs/lvsadm.md and lvsadm(8)):\n"))
        for option in [
            "--control-socket PATH", "--reload", "--health", "--engine-stats", "--json", "--vrrp", "--sync",
            "--proxy", "--proxy-protocol", "--transparent", "LVSD_SOCKET", "--events", "--explain",
        ] {
            #expect(ours.contains(option), "missing \(option)")
        }
        let schedulerLine = ours.split(separator: "\n").first { $0.hasPrefix("Schedulers (-s): ") }
        let listed = schedulerLine.map {
            $0.dropFirst("Schedulers (-s): ".count).split(separator: " ").map(String.init)
        }
        #expect(
            listed == ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"])
        #expect(listed?.count == 14)
        #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
    }

    /// The problem text for one `-R` line, as lvsadm and lvsd's rules file print it.
    static func problem(_ line: String) -> String? {
        let tokens = RestoreInput.tokenize(line: line)
        guard
            case .failure(let error) = IPVSAdminParser(resolver: NumericResolver(), programName: "lvsadm")
                .parse(tokens, readingRestoreInput: true)
        else { return nil }
        return RestoreInput.problem(with: error, tokens: tokens)
    }

    @Test(
        "a bad -R line says what is wrong in words",
        arguments: [
            ("-A -t 10.0.0.1:80 --bogus", "unknown option '--bogus'"),
            ("-A -t 10.0.0.1:80 -q", "unknown option '-q'"),
            ("--bogus -A -t 10.0.0.1:80", "unknown option '--bogus'"),
            ("-A -t", "option '-t' needs a value"),
            (
                "-t 10.0.0.1:80 -s rr",
                "'-t' is not a command; a line starts with a command such as -A, -E, -D, -a, -e, -d, -C or --set"
            ),
            (
                "add -t 10.0.0.1:80",
                "'add' is not a command; a line starts with a command such as -A, -E, -D, -a, -e, -d, -C or --set"
            ),
            ("-a -t 10.0.0.1:80 -r 10.0.0.2 -w -1", "illegal weight specified"),
        ])
    func lineProblem(line: String, expected: String) {
        #expect(Self.problem(line) == expected)
    }
}
