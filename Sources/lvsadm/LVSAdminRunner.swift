import IPVSAdmin
import LVSControl
import LVSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `lvsadm`: the ipvsadm command line, executed against `lvsd` over the control socket
/// (DESIGN.md §2). It never changes state itself; it parses, asks and prints.
///
/// Exit statuses follow ipvsadm (reference §1.1): 0 success, the parser's status for usage
/// errors (2 or 255), 255 for errors the director reports (ipvsadm's kernel errors), 1 for
/// `-L` of an unknown service, 2 when no daemon answers.
struct LVSAdminRunner {
    var arguments: [String]
    var environment: (String) -> String?
    var readInputLine: () -> String?
    var output: OutputStreams

    /// Runs one invocation and returns the exit status.
    func run() -> Int32 {
        let socketChoice: SocketChoice
        switch SocketChoice.extract(from: arguments) {
        case .success(let choice): socketChoice = choice
        case .failure(let choiceError):
            output.error(choiceError.message + "\n")
            return 2
        }
        let resolver = LibcNameResolver()
        // Our additions, outside ipvsadm's syntax (docs/lvsadm.md): the engine's counters,
        // reload, health, VRRP, connection synchronisation.
        var extensionCommand: ExtensionCommand?
        switch ExtensionCommand.recognise(socketChoice.remainingArguments) {
        case .none: break
        case .success(let command): extensionCommand = command
        case .failure(let usage):
            output.error(usage.message + "\n")
            return 2
        }
        let parser = IPVSAdminParser(resolver: resolver, programName: "lvsadm")
        let invocation: IPVSAdminInvocation
        switch extensionCommand != nil ? .success(.list(ListOptions())) : parser.parse(socketChoice.remainingArguments)
        {
        case .success(let parsed): invocation = parsed
        case .failure(let usage):
            output.error(usage.message + "\n")
            return usage.exitCode
        }
        switch invocation {
        case .help:
            output.standard(IPVSAdminParser.lvsadmUsageText)
            return 0
        case .version:
            output.standard(IPVSAdminParser.versionText + "\n")
            return 0
        case .command, .list, .save, .restore:
            break
        }

        let path: String
        switch socketChoice.path(environment: environment) {
        case .success(let found): path = found
        case .failure(let missing):
            output.error("lvsadm: \(missing.description)\n")
            return 2
        }
        let client: ControlClient
        do {
            client = try ControlClient.connect(path: path)
        } catch {
            output.error("lvsadm: \(error.description)\n")
            if let advice = error.advice { output.error("lvsadm: \(advice)\n") }
            return 2
        }
        let session = AdminSession(
            client: client, formatter: IPVSAdminFormatter(resolver: resolver), output: output)
        switch extensionCommand {
        case .none: break
        case .engineStatistics: return session.engineStatistics()
        case .content(let json): return session.content(json: json)
        case .reload: return session.reload()
        case .health(let numeric, let json): return session.health(numeric: numeric, json: json, resolver: resolver)
        case .vrrp(let json): return session.vrrp(json: json)
        case .sync(let json): return session.sync(json: json)
        case .announcements(let json): return session.announcements(json: json)
        case .events(let since, let limit, let json): return session.events(since: since, limit: limit, json: json)
        case .explain(let query, let json): return session.explain(query, json: json)
        }
        switch invocation {
        case .command(let command): return session.apply(command)
        case .list(let options): return session.list(options)
        case .save(let numeric): return session.save(numeric: numeric)
        case .restore: return session.restore(parser: parser, readLine: readInputLine)
        case .help, .version: return 0
        }
    }
}
