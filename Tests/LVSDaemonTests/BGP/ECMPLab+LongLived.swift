import Foundation
import Testing

/// What one long-lived connection of `ECMPLab.startLongLivedClient` saw.
struct LongLivedConnection: Equatable {
    var sourcePort: Int
    /// The real server that greeted it.
    var realServer: String
    /// Answers to requests sent before the first mark, after it, and after the second.
    var answersBefore: Int
    var answersAfter: Int
    var answersBack: Int
    /// Answers naming another real server than the greeting.
    var changed: Int
    /// "-" or why the connection ended (reset, closed, timeout).
    var error: String

    /// It carried bytes after the change, every answer from the same real server, no error.
    var continued: Bool { answersAfter >= ECMPLab.answersAfterChange && changed == 0 && error == "-" }
    /// It carried bytes after the second change too.
    var continuedBack: Bool { continued && answersBack >= ECMPLab.answersAfterChange }
}

// Long-lived connections from the client namespace: each sends a line every period and waits
// for the real server's answer (one outstanding request per connection).
extension ECMPLab {
    /// Answers a connection needs after the go mark to count as continued.
    static let answersAfterChange = 3

    /// Starts the client: `count` connections to VIP:80, then a request per connection every
    /// `period` seconds. It writes `client.ready` (the source ports, one a line) once every
    /// connection is greeted and answered three times. `markChange` marks a change (`marks` of
    /// them are expected): answers to requests sent after it count for it. `after` seconds after
    /// the last mark it writes one line per connection to `client.out` and exits. It never runs
    /// longer than `limit` seconds.
    func startLongLivedClient(count: Int, period: Double, after: Double, marks: Int = 1, limit: Double) throws
        -> Process
    {
        try write(
            """
            import os, selectors, socket, sys, time
            vip, count, period, after, limit, base, marks = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \\
                float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], int(sys.argv[7])
            start = time.monotonic()
            sel = selectors.DefaultSelector()
            conns = []
            for i in range(count):
                s = socket.socket(); s.settimeout(3)
                try: s.connect((vip, 80))
                except OSError: continue
                s.setblocking(False)
                c = {"s": s, "port": s.getsockname()[1], "buf": b"", "rs": None, "got": [0, 0, 0],
                     "changed": 0, "error": "-", "out": False, "gen": 0, "next": 0.0}
                conns.append(c); sel.register(s, selectors.EVENT_READ, c)
            seen, last, ready = 0, None, False
            def end(c, why):
                c["error"] = why; sel.unregister(c["s"]); c["s"].close()
            while time.monotonic() - start < limit:
                now = time.monotonic()
                if seen < marks and os.path.exists(base + ".go%d" % (seen + 1)): seen, last = seen + 1, now
                if seen == marks and now - last > after: break
                if not ready and all(c["error"] != "-" or c["got"][0] >= 3 for c in conns):
                    with open(base + ".ready.tmp", "w") as f:
                        f.write("".join("%d\\n" % c["port"] for c in conns if c["error"] == "-"))
                    os.rename(base + ".ready.tmp", base + ".ready"); ready = True
                for c in conns:
                    if c["error"] == "-" and c["rs"] is not None and not c["out"] and now >= c["next"]:
                        try: c["s"].send(b"p\\n")
                        except OSError as e: end(c, "send-" + type(e).__name__); continue
                        c["out"], c["gen"] = True, seen
                for key, _ in sel.select(0.02):
                    c = key.data
                    try: data = c["s"].recv(4096)
                    except BlockingIOError: continue
                    except OSError as e: end(c, type(e).__name__); continue
                    if not data: end(c, "closed"); continue
                    c["buf"] += data
                    while b"\\n" in c["buf"]:
                        line, c["buf"] = c["buf"].split(b"\\n", 1)
                        name = line.decode(errors="replace").strip()
                        if c["rs"] is None: c["rs"] = name; continue
                        if name != c["rs"]: c["changed"] += 1
                        c["got"][c["gen"]] += 1
                        c["out"], c["next"] = False, time.monotonic() + period
            with open(base + ".out.tmp", "w") as f:
                for c in conns:
                    f.write("%d %s %d %d %d %d %s\\n" % (c["port"], c["rs"], c["got"][0], c["got"][1], c["got"][2],
                                                        c["changed"], c["error"]))
            os.rename(base + ".out.tmp", base + ".out")

            """, to: "long_lived_client.py")
        return try start(
            in: client,
            [
                try #require(VRRPLab.tool("python3")), file("long_lived_client.py"), Self.vip, String(count),
                String(period), String(after), String(limit), file("client"), String(marks),
            ], log: "client.log")
    }

    /// The source ports of the client's connections once it is ready; nil after `seconds`.
    func waitForClientReady(within seconds: Double) async -> [Int]? {
        guard await poll(within: seconds, { FileManager.default.fileExists(atPath: self.file("client.ready")) })
        else { return nil }
        return contents(file("client.ready")).split(separator: "\n").compactMap { Int($0) }
    }

    /// Tells the client change `number` (1 or 2) happened: answers to requests sent from now on
    /// count for it.
    func markChange(_ number: Int = 1) throws { try write("", to: "client.go\(number)") }

    /// The client's per-connection results once it has written them; nil after `seconds`.
    func clientResults(within seconds: Double) async -> [LongLivedConnection]? {
        guard await poll(within: seconds, { FileManager.default.fileExists(atPath: self.file("client.out")) })
        else { return nil }
        return contents(file("client.out")).split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 7, let port = Int(words[0]), let before = Int(words[2]),
                let after = Int(words[3]), let back = Int(words[4]), let changed = Int(words[5])
            else { return nil }
            return LongLivedConnection(
                sourcePort: port, realServer: words[1], answersBefore: before, answersAfter: after, answersBack: back,
                changed: changed, error: words[6])
        }
    }
}
