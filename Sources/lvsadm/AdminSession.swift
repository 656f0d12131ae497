import IPVSAdmin
import LVSControl
import LVSCore

/// One connected `lvsadm` run: sends the requests an invocation needs and prints the results.
struct AdminSession {
    let client: ControlClient
    let formatter: IPVSAdminFormatter
    let output: OutputStreams

    /// The status ipvsadm exits with when the kernel refuses (reference §1.1).
    static let kernelErrorStatus: Int32 = 255

    /// `-A -E -D -C -a -e -d -Z --set --start-daemon --stop-daemon`.
    func apply(_ command: AdminCommand) -> Int32 {
        guard let reply = send(.apply(command)) else { return 2 }
        switch reply {
        case .ok: return 0
        case .failure(let failure):
            output.error(failure.message + "\n")
            return Self.kernelErrorStatus
        case .table, .connections, .timeouts, .daemons, .pong, .engineStats, .reloaded, .health, .vrrp, .sync,
            .announcements, .events,
            .explanation:
            return unexpected(reply)
        }
    }

    /// `-L`/`-l` in all its forms.
    func list(_ options: ListOptions) -> Int32 {
        if options.connections {
            guard let reply = send(.getConnections) else { return 2 }
            guard case .connections(let entries) = reply else { return unexpected(reply) }
            output.standard(
                options.json ? formatter.jsonConnections(entries) : formatter.listConnections(entries, options: options)
            )
            return 0
        }
        if options.timeout {
            guard let reply = send(.getTimeouts) else { return 2 }
            guard case .timeouts(let timeouts) = reply else { return unexpected(reply) }
            output.standard(options.json ? formatter.jsonTimeouts(timeouts) : formatter.timeouts(timeouts))
            return 0
        }
        if options.daemon {
            guard let reply = send(.getDaemons) else { return 2 }
            guard case .daemons(let daemons) = reply else { return unexpected(reply) }
            output.standard(options.json ? formatter.jsonDaemons(daemons) : formatter.daemons(daemons))
            return 0
        }
        guard let reply = send(.getTable) else { return 2 }
        guard case .table(let table) = reply else { return unexpected(reply) }
        let text =
            options.json ? formatter.jsonServices(table, options: options) : formatter.list(table, options: options)
        guard let text else {
            // ipvsadm's list-service error (reference §1.10, §2.1).
            output.error("No such service\n")
            return 1
        }
        output.standard(text)
        return 0
    }

    /// `-S [-n]`.
    func save(numeric: Bool) -> Int32 {
        guard let reply = send(.getTable) else { return 2 }
        guard case .table(let table) = reply else { return unexpected(reply) }
        output.standard(formatter.save(table, numeric: numeric))
        return 0
    }

    /// `-R`: every line parsed first, then one atomic batch (docs/design/0003-save-and-restore.md).
    func restore(parser: IPVSAdminParser, readLine: () -> String?) -> Int32 {
        var commands: [AdminCommand] = []
        var lineOfCommand: [Int] = []
        var lineNumber = 0
        while let line = readLine() {
            lineNumber += 1
            // ipvsadm-restore drops `#` lines before ipvsadm -R sees them (reference §1.9).
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            let tokens = RestoreInput.tokenize(line: line)
            if tokens.isEmpty { continue }
            switch parser.parse(tokens, readingRestoreInput: true) {
            case .failure(let usage):
                output.error("lvsadm: line \(lineNumber): \(RestoreInput.problem(with: usage, tokens: tokens))\n")
                output.error("lvsadm: nothing was restored\n")
                return 2
            case .success(.command(let command)):
                commands.append(command)
                lineOfCommand.append(lineNumber)
            case .success(.list), .success(.save), .success(.restore), .success(.help), .success(.version):
                output.error(
                    "lvsadm: line \(lineNumber): only commands that change the configuration can be restored\n")
                output.error("lvsadm: nothing was restored\n")
                return 2
            }
        }
        if commands.isEmpty { return 0 }
        guard let reply = send(.applyBatch(commands)) else { return 2 }
        switch reply {
        case .ok: return 0
        case .failure(let failure):
            if let index = failure.batchIndex, index >= 0, index < lineOfCommand.count {
                output.error("lvsadm: line \(lineOfCommand[index]): \(failure.message)\n")
            } else {
                output.error(failure.message + "\n")
            }
            output.error("lvsadm: nothing was restored\n")
            return Self.kernelErrorStatus
        case .table, .connections, .timeouts, .daemons, .pong, .engineStats, .reloaded, .health, .vrrp, .sync,
            .announcements, .events,
            .explanation:
            return unexpected(reply)
        }
    }

    /// `lvsadm --engine-stats`: the engine's counters, one `name value` line each, sorted.
    func engineStatistics() -> Int32 {
        guard let reply = send(.getEngineStats) else { return 2 }
        guard case .engineStats(let statistics) = reply else { return unexpected(reply) }
        var text = "engine \(statistics.engine)\n"
        for (name, value) in statistics.counters.sorted(by: { $0.key < $1.key }) { text += "\(name) \(value)\n" }
        output.standard(text)
        return 0
    }

    /// Sends a request; on a transport failure prints why and returns nil.
    func send(_ request: ControlRequestBody) -> ControlReplyBody? {
        do {
            return try client.send(request)
        } catch {
            output.error("lvsadm: \(error.description)\n")
            return nil
        }
    }

    func unexpected(_ reply: ControlReplyBody) -> Int32 {
        if case .failure(let failure) = reply {
            output.error(failure.message + "\n")
            return Self.kernelErrorStatus
        }
        output.error("lvsadm: unexpected \(reply.typeName) reply from lvsd\n")
        return 2
    }
}
