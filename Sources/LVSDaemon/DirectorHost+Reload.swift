import LVSConfig
import LVSControl
import LVSCore

// Loading the `--config` file at start and reloading it on SIGHUP or `lvsadm --reload`
// (docs/configuration.md §10). Both go through `transaction`, so the engine's refusals apply and
// listeners open before the commit and close after it.
extension DirectorHost {
    /// Applies the whole configuration at start as one transaction on the (empty) director.
    /// Throws every diagnostic when the file has errors or the director or engine refuses a
    /// command; warnings are logged.
    func loadConfiguration(_ parsed: KeepalivedParseResult, from file: ConfigurationFile) throws(ConfigurationFileError) {
        try accept(parsed, from: file)
        let configuration = parsed.configuration
        let commands: [AdminCommand]
        do {
            commands = try configuration.adminCommands()
        } catch {
            throw ConfigurationFileError(path: file.path, diagnostics: error.diagnostics)
        }
        if case .failure(let refusal) = transaction(commands, now: clock()) {
            throw ConfigurationFileError(
                path: file.path,
                diagnostics: [
                    ConfigurationCheck.diagnostic(
                        for: refusal.command, error: refusal.error, in: configuration, path: file.path)
                ])
        }
        logger.info("loaded \(file.path): \(commands.count) commands")
    }

    /// Reads the `--config` file again and applies the difference between it and the director's
    /// table as one transaction. A file with errors, or a difference the director or engine
    /// refuses, changes nothing. Services and real servers that did not change are not touched:
    /// their listeners stay open and their connections go on.
    public func reloadConfiguration() -> Result<ReloadReport, ReloadFailure> {
        guard let file = configurationFile else {
            logger.error("reload refused: lvsd was started without --config")
            return .failure(.notConfigured)
        }
        let parsed = file.load()
        do throws(ConfigurationFileError) {
            try accept(parsed, from: file)
        } catch {
            log(error)
            logger.error("reload of \(file.path) refused, nothing changed")
            return .failure(.invalid(error))
        }
        let configuration = parsed.configuration
        let outcome: Result<[AdminCommand], TransactionRefusal>
        do throws(KeepalivedConfigurationError) {
            outcome = try transaction(now: clock()) { (current) throws(KeepalivedConfigurationError) in
                let raw = try configuration.difference(from: current)
                return TableDifference.net(of: raw, from: current) ?? raw
            }
        } catch {
            let failure = ConfigurationFileError(path: file.path, diagnostics: error.diagnostics)
            log(failure)
            return .failure(.invalid(failure))
        }
        switch outcome {
        case .success(let commands):
            for command in commands { logger.info("reload: \(Self.summary(of: command))") }
            logger.notice("reloaded \(file.path): \(commands.count) changes")
            return .success(
                ReloadReport(
                    path: file.path, changes: commands.count, warnings: parsed.warnings.map(\.description)))
        case .failure(let refusal):
            let failure = ConfigurationFileError(
                path: file.path,
                diagnostics: [
                    ConfigurationCheck.diagnostic(
                        for: refusal.command, error: refusal.error, in: configuration, path: file.path)
                ])
            log(failure)
            logger.error("reload of \(file.path) refused, nothing changed")
            return .failure(.invalid(failure))
        }
    }

    /// Logs the warnings of a parse; throws every diagnostic when it has errors (the caller
    /// reports them: printed at start, logged on a reload).
    private func accept(_ parsed: KeepalivedParseResult, from file: ConfigurationFile) throws(ConfigurationFileError)
    {
        if parsed.hasErrors {
            throw ConfigurationFileError(path: file.path, diagnostics: parsed.diagnostics)
        }
        for warning in parsed.warnings { logger.warning("\(warning.description)") }
    }

    private func log(_ failure: ConfigurationFileError) {
        for diagnostic in failure.diagnostics {
            switch diagnostic.severity {
            case .error: logger.error("\(diagnostic.description)")
            case .warning: logger.warning("\(diagnostic.description)")
            }
        }
    }

    /// The control-protocol reply to `reload`.
    func reloadReply() -> ControlReplyBody {
        switch reloadConfiguration() {
        case .success(let report): return .reloaded(report)
        case .failure(let failure): return .failure(failure.controlFailure)
        }
    }
}

/// Why a reload changed nothing.
public enum ReloadFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The daemon was started without `--config`.
    case notConfigured
    /// The file has errors, or the director or engine refused the difference.
    case invalid(ConfigurationFileError)

    public var description: String {
        switch self {
        case .notConfigured:
            return "lvsd was started without --config, so there is no configuration file to reload; "
                + "start lvsd with --config FILE"
        case .invalid(let error):
            return error.description
        }
    }

    var controlFailure: ControlFailure {
        ControlFailure(kind: .configuration, message: description)
    }
}
