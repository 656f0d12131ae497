import Testing

@testable import IPVSAdmin

@Suite struct RestoreInputTests {
    @Test(arguments: [
        ("", [String]()),
        ("   \t\r", []),
        ("\n", []),
        ("ipvsadm", []),
        ("-A -t 10.0.0.1:80 -s rr", ["-A", "-t", "10.0.0.1:80", "-s", "rr"]),
        ("ipvsadm -A -t 10.0.0.1:80", ["-A", "-t", "10.0.0.1:80"]),
        ("-a\t-t  10.0.0.1:80\r", ["-a", "-t", "10.0.0.1:80"]),
        ("  -C  ", ["-C"]),
        ("-a -t 10.0.0.1:80 -r ipvsadm", ["-a", "-t", "10.0.0.1:80", "-r"]),
        ("ipvsadm-save -n", ["ipvsadm-save", "-n"]),
        ("IPVSADM -C", ["IPVSADM", "-C"]),
        ("# comment -C", ["#", "comment", "-C"]),
        ("-A -t 10.0.0.1:80\r\n", ["-A", "-t", "10.0.0.1:80"]),
    ])
    func tokenize(line: String, expected: [String]) {
        #expect(RestoreInput.tokenize(line: line) == expected)
    }

    @Test func savedLinesParseBack() {
        let parser = IPVSAdminParser(resolver: NumericResolver())
        let lines = [
            "-A -t 10.0.0.1:80 -s wlc -p 360 -M 255.255.255.0",
            "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1",
            "-a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 2",
            "-A -f 1 -6 -s sh -b sh-port",
            "-a -f 1 -6 -r [2001:db8::2]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum",
            "-a -t 10.0.0.1:80 -r 10.0.0.4:8080 --proxy -w 1",
        ]
        for line in lines {
            let result = parser.parse(RestoreInput.tokenize(line: line), readingRestoreInput: true)
            guard case .success(.command) = result else {
                Issue.record("\(line) -> \(result)")
                continue
            }
        }
    }
}
