// What `lvsd --demo` prints once everything is up: what it set up, and commands to paste into a
// second terminal. The last line is printed only when the demo is ready (tests wait for it).
extension DemoPlan {
    /// The line that ends the instructions.
    public static let readyLine = "Ctrl-C stops the demo and removes the control socket."

    /// The text, ending in a newline.
    public var instructions: String { instructions(dashboardPort: nil) }

    /// The dashboard's preferred port; the demo takes the next free one after it when it is taken.
    public static let preferredDashboardPort = 8090

    /// `http://127.0.0.1:PORT/`: the demo's HTTP endpoint is always on loopback.
    public static func dashboardURL(port: Int) -> String { "http://127.0.0.1:\(port)/" }

    /// The dashboard's line, and why its port is not the preferred one when so (as `portNotes`).
    public static func dashboardLines(port: Int) -> [String] {
        var lines = ["  dashboard \(dashboardURL(port: port))  (live table and events; REST API under api/v1/)"]
        if port != preferredDashboardPort {
            lines.append(
                "  note: port \(preferredDashboardPort) is in use, so the dashboard listens on \(dashboardURL(port: port)) instead"
            )
        }
        return lines
    }

    /// The text with the dashboard's address when the demo serves one on `dashboardPort`.
    public func instructions(dashboardPort: Int?) -> String {
        let lvsadm = "swift run lvsadm --control-socket \(shellQuoted(controlSocketPath))"
        let url = "http://\(virtualService)/"
        let quiesced = realServerPorts.count > 1 ? realServer(1) : realServer(0)
        var lines: [String] = []
        lines.append("SwiftLVS demo: virtual service TCP \(virtualService), scheduler \(Self.scheduler) (round robin)")
        for index in realServerPorts.indices {
            lines.append("  real server \(index + 1)  \(realServer(index))  Proxy  weight 1")
        }
        lines.append("  control socket \(controlSocketPath)")
        lines += portNotes
        if let dashboardPort { lines += Self.dashboardLines(port: dashboardPort) }
        lines.append("configured as if by:")
        for line in ipvsadmLines {
            lines.append("  lvsadm \(line.joined(separator: " "))")
        }
        lines += [
            "",
            "Try, in another terminal in the package directory:",
            "",
            "  # each new connection goes to the next real server in turn (rr):",
            "  curl \(url)",
            "  for i in 1 2 3 4 5 6; do curl -s \(url); done",
            "",
            "  # the table as ipvsadm prints it, then its counters:",
            "  \(lvsadm) -L -n",
            "  \(lvsadm) -L -n --stats",
            "",
            "  # weight 0 quiesces a real server: it gets no new connections, existing ones finish:",
            "  \(lvsadm) -e -t \(virtualService) -r \(quiesced) --proxy -w 0",
            "  for i in 1 2 3 4; do curl -s \(url); done",
            "",
            "  # the connection entries, with their TCP state and expiry:",
            "  \(lvsadm) -L -c -n",
            "",
        ]
        if let dashboardPort {
            lines += [
                "  # watch it live, drain and restore real servers: open in a browser",
                "  \(Self.dashboardURL(port: dashboardPort))",
                "",
            ]
        }
        lines += [Self.readyLine]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `path` as one shell word: unchanged when it holds only safe characters, else in single
    /// quotes, so the printed commands paste correctly.
    func shellQuoted(_ path: String) -> String {
        let safe = path.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "+", ":", ",", "@", "%": return true
            default: return false
            }
        }
        if safe && !path.isEmpty { return path }
        return "'" + path.replacingQuotes() + "'"
    }

    /// Why a port differs from the one the demo prefers (8080 for the service, 8081–8083 for the
    /// real servers): another program held it when the demo started (DemoPorts). Without this
    /// a user following a guide that says 8080 would not know why the address changed.
    public var portNotes: [String] {
        var notes: [String] = []
        if virtualPort != Self.preferredVirtualPort {
            notes.append(
                "  note: port \(Self.preferredVirtualPort) is in use, so the virtual service listens on \(virtualService) instead"
            )
        }
        for (index, port) in realServerPorts.enumerated() where index < Self.preferredRealServerPorts.count {
            let preferred = Self.preferredRealServerPorts[index]
            if port != preferred {
                notes.append(
                    "  note: port \(preferred) is in use, so real server \(index + 1) listens on \(realServer(index)) instead"
                )
            }
        }
        return notes
    }
}

extension String {
    /// Single quotes closed, escaped and reopened (`'\''`), for a single-quoted shell word.
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            if character == "'" { result += "'\\''" } else { result.append(character) }
        }
        return result
    }
}
