import LVSConfig
import LVSControl
import LVSCore
import LVSHealth
import LVSHealthChecks
import LVSSharedDirector
import NIOCore

// Loading the `--config` file at start and reloading it on SIGHUP or `lvsadm --reload`
// (docs/configuration.md §10). Both go through `transaction`, so the engine's refusals apply and
// listeners open before the commit and close after it.
extension DirectorHost {
    /// Applies the whole configuration at start as one transaction on the (empty) director.
    /// Throws every diagnostic when the file has errors or the director or engine refuses a
    /// command; warnings are logged.
    func loadConfiguration(_ parsed: KeepalivedParseResult, from file: ConfigurationFile) throws(ConfigurationFileError)
    {
        try accept(parsed, from: file)
        let configuration = parsed.configuration
        try installContentServices(configuration, from: file)
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
    ///
    /// With health checking, the checkers take the new configuration first (real servers kept
    /// keep their state) and their actions join the difference in the same transaction, on the
    /// checkers' event loop so that no checker decision falls in between; a refused transaction
    /// puts the checkers back on the configuration the table still holds.
    public func reloadConfiguration() -> EventLoopFuture<Result<ReloadReport, ReloadFailure>> {
        uncountedReload().map { outcome in
            let now = self.clock()
            self.reloadCounts.withLock { counts in
                switch outcome {
                case .success: counts.succeeded &+= 1
                case .failure: counts.failed &+= 1
                }
                counts.last = (outcome.isSuccess, now)
            }
            return outcome
        }
    }

    /// The reloads so far, for `ping`.
    func reloadStatistics(now: MonotonicInstant) -> ReloadStatistics {
        reloadCounts.withLock { counts in
            let since = counts.last.map { Double(now.nanoseconds &- min(now.nanoseconds, $0.at.nanoseconds)) / 1e9 }
            return ReloadStatistics(
                succeeded: counts.succeeded, failed: counts.failed, lastSucceeded: counts.last?.succeeded,
                secondsSinceLast: since)
        }
    }

    private func uncountedReload() -> EventLoopFuture<Result<ReloadReport, ReloadFailure>> {
        guard let file = configurationFile else {
            logger.error("reload refused: lvsd was started without --config")
            return eventLoop.makeSucceededFuture(.failure(.notConfigured))
        }
        let parsed = file.load()
        do throws(ConfigurationFileError) {
            try accept(parsed, from: file)
        } catch {
            return eventLoop.makeSucceededFuture(refused(error))
        }
        let configuration = parsed.configuration
        let warnings = parsed.warnings.map(\.description)
        guard let health = health.withLock({ $0 }) else {
            return eventLoop.makeSucceededFuture(
                applyReload(configuration, from: file, warnings: warnings, healthActions: []))
        }
        let plan: HealthCheckPlan
        do throws(KeepalivedConfigurationError) {
            plan = try DaemonHealth.plan(for: configuration)
        } catch {
            return eventLoop.makeSucceededFuture(
                refused(ConfigurationFileError(path: file.path, diagnostics: error.diagnostics)))
        }
        let previous = health.current.withLock { $0 }
        return health.runner.configurationChanged(plan).flatMap { actions in
            let outcome = self.applyReload(configuration, from: file, warnings: warnings, healthActions: actions)
            switch outcome {
            case .success:
                health.current.withLock { $0 = (configuration, plan) }
                for skipped in plan.skipped { self.logger.warning("health: \(skipped) is not run by lvsd") }
                health.carryOut(actions)
                self.reloadAnnouncements(configuration)
                return health.runner.eventLoop.makeSucceededFuture(outcome)
            case .failure:
                guard let previous else { return health.runner.eventLoop.makeSucceededFuture(outcome) }
                return health.runner.configurationChanged(previous.plan).map { actions in
                    _ = self.applyReload(
                        previous.configuration, from: file, warnings: [], healthActions: actions, quiet: true)
                    health.carryOut(actions)
                    return outcome
                }
            }
        }.hop(to: eventLoop)
    }

    /// One transaction: the difference from the table to `configuration` with every real server
    /// up, then the checkers' membership actions, applied as their net effect.
    private func applyReload(
        _ configuration: KeepalivedConfiguration, from file: ConfigurationFile, warnings: [String],
        healthActions: [HealthAction], quiet: Bool = false
    ) -> Result<ReloadReport, ReloadFailure> {
        let previousContent = engine?.shared.contentServices.values.map { $0 } ?? []
        do throws(ConfigurationFileError) {
            try installContentServices(configuration, from: file)
        } catch {
            return refused(error)
        }
        let outcome: Result<[AdminCommand], TransactionRefusal>
        do throws(KeepalivedConfigurationError) {
            outcome = try transaction(now: clock()) { (current) throws(KeepalivedConfigurationError) in
                let raw = try configuration.difference(from: current) + healthActions.adminCommands
                return TableDifference.net(of: raw, from: current) ?? raw
            }
        } catch {
            engine?.setContentServices(previousContent)
            return refused(ConfigurationFileError(path: file.path, diagnostics: error.diagnostics))
        }
        switch outcome {
        case .success(let commands):
            if quiet { return .success(ReloadReport(path: file.path, changes: commands.count, warnings: warnings)) }
            for command in commands { logger.info("reload: \(Self.summary(of: command))") }
            reloadVRRP(configuration)
            logger.notice("reloaded \(file.path): \(commands.count) changes")
            events.record(
                .reload, "reloaded \(file.path): \(commands.count) changes",
                fields: ["result": "ok", "path": file.path, "changes": String(commands.count)])
            return .success(ReloadReport(path: file.path, changes: commands.count, warnings: warnings))
        case .failure(let refusal):
            engine?.setContentServices(previousContent)
            return refused(
                ConfigurationFileError(
                    path: file.path,
                    diagnostics: [
                        ConfigurationCheck.diagnostic(
                            for: refusal.command, error: refusal.error, in: configuration, path: file.path)
                    ]))
        }
    }

    /// Compiles the `content_switch` blocks and gives them to the engine before the transaction
    /// that opens their listeners (a client accepted at once must find its rules).
    private func installContentServices(_ configuration: KeepalivedConfiguration, from file: ConfigurationFile)
        throws(ConfigurationFileError)
    {
        let compiled = ContentSwitchConfiguration.services(for: configuration)
        guard compiled.diagnostics.isEmpty else {
            throw ConfigurationFileError(path: file.path, diagnostics: compiled.diagnostics)
        }
        engine?.setContentServices(compiled.services)
    }

    private func refused(_ failure: ConfigurationFileError) -> Result<ReloadReport, ReloadFailure> {
        log(failure)
        logger.error("reload of \(failure.path) refused, nothing changed")
        events.record(
            .reload, "reload of \(failure.path) refused, nothing changed",
            fields: [
                "result": "refused", "path": failure.path,
                "error": failure.diagnostics.map(\.description).joined(separator: "; "),
            ])
        return .failure(.invalid(failure))
    }

    /// Logs the warnings of a parse; throws every diagnostic when it has errors (the caller
    /// reports them: printed at start, logged on a reload).
    private func accept(_ parsed: KeepalivedParseResult, from file: ConfigurationFile) throws(ConfigurationFileError) {
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
            case .note: logger.info("\(diagnostic.description)")
            }
        }
    }

    /// The control-protocol reply to `reload`.
    func reloadReply() -> EventLoopFuture<ControlReplyBody> {
        reloadConfiguration().map { outcome in
            switch outcome {
            case .success(let report): return .reloaded(report)
            case .failure(let failure): return .failure(failure.controlFailure)
            }
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

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
