import LVSCore

/// The ipvsadm 1.31 command line as a pure function: arguments (without the program name) to
/// an `IPVSAdminInvocation`, or the exact error ipvsadm prints with its exit status
/// (reference §1.1–§1.11).
///
/// Order matters as in ipvsadm: the first option must be the command (`-Ln` is fine, `-n -L`
/// is not); every later option is checked the moment it is read, so the first bad one wins;
/// then leftover words, `-b`, the legality matrix and the per-command rules are checked.
///
/// Two options are ours and not ipvsadm's:
/// - `--proxy` (long form only): forwarding method `ForwardingMethod.proxy` for `-a`/`-e`.
///   It counts as the `forwarding-method` option (so `-m --proxy` is a repeated option) and,
///   like `-m`, keeps the real server's own port (port remapping works through a proxy).
/// - `--json` (long form only): legal with `-L`/`-l` only, sets `ListOptions.json`. Its matrix
///   column name is `json` (`Illegal 'json' option with the 'save' command`).
///
/// Known differences from ipvsadm 1.31, all on inputs ipvsadm mishandles: `-b` with only
/// commas is refused (ipvsadm crashes); popt's `!#:+` argument expansion is not performed.
public struct IPVSAdminParser: Sendable {
    public let resolver: any NameResolver
    /// Shown in the usage text and the ``Try `<program> -h'`` hint (ipvsadm uses its argv[0]).
    public let programName: String

    public init(resolver: any NameResolver, programName: String = "ipvsadm") {
        self.resolver = resolver
        self.programName = programName
    }

    /// Parses one invocation given on the command line. No arguments means `-L`.
    public func parse(_ arguments: [String]) -> Result<IPVSAdminInvocation, IPVSAdminUsageError> {
        parse(arguments, readingRestoreInput: false)
    }

    /// Parses one invocation; with `readingRestoreInput` the arguments are one line of `-R`
    /// input, where a nested `-R` is a usage error (reference §1.9) and an empty line is not a
    /// listing (callers skip empty lines, as ipvsadm does).
    public func parse(
        _ arguments: [String], readingRestoreInput: Bool
    ) -> Result<IPVSAdminInvocation, IPVSAdminUsageError> {
        if arguments.isEmpty && !readingRestoreInput { return .success(.list(ListOptions())) }
        do {
            return .success(try parseOptions(arguments, readingRestoreInput: readingRestoreInput))
        } catch {
            return .failure(error)
        }
    }

    /// The hint ipvsadm prints when it finds no command (exit 255).
    var tryHelp: IPVSAdminUsageError {
        IPVSAdminUsageError(
            message: "Try `\(programName) -h' or '\(programName) --help' for more information.",
            exitCode: 255, kind: .usage)
    }

    private func parseOptions(
        _ arguments: [String], readingRestoreInput: Bool
    ) throws(IPVSAdminUsageError) -> IPVSAdminInvocation {
        var scanner = OptionScanner(arguments: arguments)
        guard case .option(let firstTag, let firstArgument) = scanner.nextOption() else { throw tryHelp }
        var state: CommandLineState
        switch try startCommand(firstTag, argument: firstArgument) {
        case .help: return .help
        case .version: return .version
        case .command(let started): state = started
        }

        readLoop: while true {
            switch scanner.nextOption() {
            case .end:
                break readLoop
            case .option(let tag, let argument):
                if try state.apply(tag, argument: argument, resolver: resolver) == .notAnOption {
                    throw .validation("invalid option `\(scanner.lastConsumedWord)'")
                }
            case .unknownOption:
                throw optionError(scanner.lastConsumedWord, "unknown option")
            case .missingArgument:
                throw optionError(scanner.lastConsumedWord, "missing argument")
            }
        }

        var leftovers = scanner.leftovers[...]
        var timeouts = TimeoutSettings()
        if state.command == .setTimeouts {
            guard leftovers.count >= 3 else { throw .validation("--set option requires 3 timeout values") }
            timeouts.tcpEstablished = try CommandLineState.timeout(leftovers.removeFirst(), minimum: 0)
            timeouts.tcpFinWait = try CommandLineState.timeout(leftovers.removeFirst(), minimum: 0)
            timeouts.udp = try CommandLineState.timeout(leftovers.removeFirst(), minimum: 0)
        }
        if let extra = leftovers.first { throw .validation("unexpected argument \(extra)") }

        // ipvsadm reads `-b` only now, against the scheduler given anywhere on the line, and
        // before the legality checks (so `-L -b bogus` complains about the flag).
        var schedulerFlags: SchedulerFlags = []
        if !state.schedulerFlagsArgument.isEmpty {
            schedulerFlags = try ValueParsing.schedulerFlags(
                state.schedulerFlagsArgument, scheduler: state.schedulerName
            ).get()
        }

        return try build(
            state, timeouts: timeouts, schedulerFlags: schedulerFlags, readingRestoreInput: readingRestoreInput)
    }

    private func optionError(_ word: String, _ text: String) -> IPVSAdminUsageError {
        IPVSAdminUsageError(message: "\(word): \(text)", exitCode: 255, kind: .optionError)
    }

    private enum Start {
        case command(CommandLineState)
        case help
        case version
    }

    /// The first option must be a command, `-h` or `-v` (reference §1.1).
    private func startCommand(_ tag: OptionTag, argument: String?) throws(IPVSAdminUsageError) -> Start {
        switch tag {
        case .addService: return .command(CommandLineState(command: .addService))
        case .editService: return .command(CommandLineState(command: .editService))
        case .deleteService: return .command(CommandLineState(command: .deleteService))
        case .addServer: return .command(CommandLineState(command: .addServer))
        case .editServer: return .command(CommandLineState(command: .editServer))
        case .deleteServer: return .command(CommandLineState(command: .deleteServer))
        case .clear: return .command(CommandLineState(command: .flush))
        case .list: return .command(CommandLineState(command: .list))
        case .zero: return .command(CommandLineState(command: .zero))
        case .setTimeouts: return .command(CommandLineState(command: .setTimeouts))
        case .restore: return .command(CommandLineState(command: .restore))
        case .save: return .command(CommandLineState(command: .save))
        case .startDaemon, .stopDaemon:
            var state = CommandLineState(command: tag == .startDaemon ? .startDaemon : .stopDaemon)
            switch argument {
            case "master": state.daemonRole = .master
            case "backup": state.daemonRole = .backup
            default:
                // Two different texts in ipvsadm 1.31 (the second one sic).
                throw .validation(
                    tag == .startDaemon
                        ? "illegal start-daemon parameter specified" : "illegal start_daemon specified")
            }
            return .command(state)
        case .help: return .help
        case .version: return .version
        case .tcpService, .udpService, .sctpService, .fwmarkService, .ipv6, .scheduler, .persistent, .netmask,
            .persistenceEngine, .schedulerFlags, .onePacket, .realServer, .masquerading, .ipip, .gatewaying, .proxy,
            .weight, .upperThreshold, .lowerThreshold, .tunnelType, .tunnelPort, .tunnelNoChecksum, .tunnelChecksum,
            .tunnelRemoteChecksum, .proxyProtocol, .transparent, .numeric, .connection, .timeout, .daemon, .stats,
            .rate, .thresholds,
            .persistentConnections, .noSort, .sort, .exact, .tunnelInfo, .json, .mcastInterface, .syncID,
            .mcastGroup, .mcastPort, .mcastTTL, .syncMaxLength:
            throw tryHelp
        }
    }
}
