import Foundation
import Glibc

/// A keep-alive HTTP/1.1 real server (python3's http.server) answering "<name> <method> <path>\n",
/// for the content-switching tests that run lvsd as a process. Its output goes to /dev/null.
final class PythonHTTPServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `process` is started in init and then only terminated.
    let name: String
    let port: UInt16
    private let process: Process

    static let script = """
        import sys, http.server, socketserver
        name = sys.argv[1]
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                body = ("%s %s %s\\n" % (name, self.command, self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Peer-Port", str(self.client_address[1]))
                self.send_header("X-Cookie", self.headers.get("Cookie") or "-")
                if self.path.startswith("/login"):
                    self.send_header("Set-Cookie", "JSESSIONID=%s-session; Path=/" % name)
                self.end_headers()
                self.wfile.write(body)
            do_GET = do_POST = do_DELETE = answer
            def log_message(self, *args): pass
        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
        S(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
        """

    /// Starts the server on `port` and waits (bounded) until it accepts connections.
    init(name: String, port: UInt16, directory: TemporaryDirectory) throws {
        self.name = name
        self.port = port
        let scriptPath = directory.file("http_real_server.py")
        if !FileManager.default.fileExists(atPath: scriptPath) {
            try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            chmod(scriptPath, 0o644)
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptPath, name, String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if let fd = try? TestSockets.connect(port: port, timeoutSeconds: 1) {
                close(fd)
                return
            }
            usleep(50_000)
        }
    }

    /// SIGKILL by process id; Foundation reaps it (no wait on the concurrency pool, where
    /// `waitUntilExit` can stall).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
