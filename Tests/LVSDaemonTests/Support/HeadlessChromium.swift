import Foundation
import Testing

/// Debian's headless Chromium showing one page, driven through the DevTools protocol by
/// scripts/cdp-evaluate.py (the dashboard's browser test, docs/http-api.md "Dashboard").
/// Its output goes to a file; `stop` kills it by pid and removes its profile directory.
final class HeadlessChromium: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `process` is started in `launch` and then only
    // signalled and waited for; the paths never change.
    /// The browser itself, not Debian's /usr/bin/chromium wrapper script: the pid we kill is
    /// Chromium's own.
    static let executable = "/usr/lib/chromium/chromium"
    static let python = "/usr/bin/python3"

    let process: Process
    let profile: String

    /// `python3 -c` program: default dispositions and an empty mask for every signal, umask
    /// 022, then exec argv[1] with the rest of the arguments.
    static let execWithDefaultSignals = """
        import os, signal, sys
        for number in range(1, signal.NSIG):
            try:
                signal.signal(number, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        os.umask(0o022)
        os.execv(sys.argv[1], sys.argv[1:])
        """

    private init(process: Process, profile: String) {
        self.process = process
        self.profile = profile
    }

    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: executable) && FileManager.default.isExecutableFile(atPath: python)
    }

    /// Starts Chromium on `url` with a fresh profile under `directory`, and waits (bounded) until
    /// its DevTools port file exists. A browser that does not come up (seen once while the whole
    /// suite loaded the machine: its zygote died) is killed and started again, three tries.
    static func launch(_ url: String, in directory: TemporaryDirectory) async throws -> HeadlessChromium {
        var log = ""
        for attempt in 1...3 {
            let profile = directory.file("chromium-profile-\(attempt)")
            try FileManager.default.createDirectory(
                atPath: profile, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let output = directory.file("chromium-\(attempt).log")
            _ = FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600])
            let process = Process()
            // Through python3, which puts every signal back to its default disposition, unblocks
            // them and sets umask 022 before it becomes Chromium (exec keeps the pid): children
            // inherit what other suites of this process changed, and Chromium stopped itself
            // with SIGTRAP at start under umask 0177 (seen in the whole suite's runs).
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments =
                ["-c", Self.execWithDefaultSignals, executable] + [
                    "--headless=new", "--no-sandbox", "--no-zygote", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=\(profile)",
                    "--window-size=1400,900", "--enable-logging=stderr", url,
                ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let browser = HeadlessChromium(process: process, profile: profile)
            let portFile = profile + "/DevToolsActivePort"
            let ready = await eventually(within: 45) {
                FileManager.default.fileExists(atPath: portFile) || !process.isRunning
            }
            if ready && FileManager.default.fileExists(atPath: portFile) { return browser }
            let exit =
                process.isRunning
                ? "still running"
                : "exit \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "status"))"
            browser.stop()
            log +=
                "attempt \(attempt), \(exit): " + ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "") + "\n"
        }
        throw BrowserError.notStarted(log)
    }

    /// The value of `expression` in the page (JSON text), or nil when the evaluation failed
    /// (page not loaded yet, an exception).
    func evaluate(_ expression: String) async throws -> String? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/cdp-evaluate.py")
        let result = try await Subprocess.run(
            "python3", [script.path, profile, expression], executableOverride: Self.python)
        guard result.status == 0 else { return nil }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Kills Chromium (SIGKILL by pid: the test is done with it) and removes its profile.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: profile)
    }

    enum BrowserError: Error { case notStarted(String) }
}
