import LVSConfig
import LVSControl
import LVSCore
import LVSSharedDirector
import Synchronization

// Connection synchronisation beside the director (reference §7, docs/sync.md): daemons started
// and stopped by `--start-daemon` / `--stop-daemon` (or keepalived's `lvs_sync_daemon`, which
// follows a VRRP instance: master sends, backup receives), all on one `SyncService` thread.
extension DirectorHost {
    /// Starts the daemon of `config`'s role (the service's thread on first use); throws when its
    /// sockets cannot be opened.
    func startSyncDaemon(_ config: SyncDaemonConfig) throws(SyncServiceError) {
        let tuning = syncTuning.withLock { $0 }
        let service = try sync.withLock { (current: inout SyncService?) throws(SyncServiceError) -> SyncService in
            if let current { return current }
            let started = try SyncService.start(shared: shared, tuning: tuning, logger: logger, clock: clock)
            current = started
            return started
        }
        try service.startDaemon(config)
    }

    func stopSyncDaemon(_ role: SyncDaemonRole) {
        sync.withLock { $0 }?.stopDaemon(role)
    }

    /// Ends every sync daemon (at shutdown, after VRRP resigned: a master's last entries go out).
    func stopSync() {
        let service = sync.withLock { service in
            defer { service = nil }
            return service
        }
        service?.stop()
    }

    /// What `lvsadm --sync` shows.
    public func syncReport() -> SyncReport {
        sync.withLock { $0 }?.report ?? SyncReport(daemons: [], authenticated: false, version: 1, entries: [:])
    }

    /// `lvs_sync_daemon IF …` in a configuration without `vrrp_instance` (ours, docs/sync.md):
    /// active-active directors behind ECMP run a backup and a master from the start, before the
    /// VIPs are announced, so the peers' answers to the master's announcement find a listener.
    func startActiveActiveSync(_ configuration: KeepalivedConfiguration) {
        guard configuration.vrrpInstances.isEmpty, let settings = configuration.globalDefinitions.lvsSyncDaemon
        else { return }
        let running = Set(shared.withDirector { $0.syncDaemons }.map(\.role))
        let commands = [SyncDaemonRole.backup, .master].filter { !running.contains($0) }.map {
            AdminCommand.startDaemon(settings.daemon($0))
        }
        guard !commands.isEmpty else { return }
        switch transaction(commands, now: clock()) {
        case .success:
            logger.notice("sync: active-active on \(settings.interface): master and backup")
        case .failure(let refusal):
            logger.error(
                "sync: could not start active-active: \(refusal.error.ipvsadmMessage(for: refusal.command))")
        }
    }

    /// keepalived's `lvs_sync_daemon IF INSTANCE …`: the role follows the instance. Called with
    /// the standby addresses (the addresses of instances that are not master) whenever they
    /// change; the instance is master when none of its addresses is standby. A backup receives.
    /// A master sends, and keeps receiving: when a returning peer takes over, this director,
    /// on leaving MASTER, sends its whole table once before its master daemon stops, and the
    /// peer's still running backup daemon takes it in (IPVS leaves a returning master without
    /// the connections established meanwhile).
    func followVRRPWithSync(standby: Set<IPAddress>, instanceAddresses: Set<IPAddress>) {
        guard let settings = lvsSyncDaemon.withLock({ $0 }), !instanceAddresses.isEmpty else { return }
        let isMaster = instanceAddresses.isDisjoint(with: standby)
        let running = Set(shared.withDirector { $0.syncDaemons }.map(\.role))
        var commands: [AdminCommand] = []
        if !running.contains(.backup) { commands.append(.startDaemon(settings.daemon(.backup))) }
        if isMaster && !running.contains(.master) { commands.append(.startDaemon(settings.daemon(.master))) }
        if !isMaster && running.contains(.master) {
            sync.withLock { $0 }?.sendSnapshot()
            commands.append(.stopDaemon(.master))
        }
        guard !commands.isEmpty else { return }
        let instance = settings.vrrpInstance ?? settings.interface
        switch transaction(commands, now: clock()) {
        case .success:
            logger.notice("sync: following VRRP instance \(instance): \(isMaster ? "master and backup" : "backup")")
        case .failure(let refusal):
            logger.error(
                "sync: could not follow VRRP instance \(instance): \(refusal.error.ipvsadmMessage(for: refusal.command))"
            )
        }
    }
}

/// The sync daemons a transaction starts and stops.
struct SyncDaemonChange {
    /// New, or with new parameters (the running one of that role is replaced).
    var started: [SyncDaemonConfig]
    /// Gone, and not replaced.
    var stopped: [SyncDaemonConfig]
    /// Replaced by one of `started` (restarted as they were if the transaction fails).
    var replaced: [SyncDaemonConfig]

    init(from previous: [SyncDaemonConfig], to desired: [SyncDaemonConfig]) {
        started = desired.filter { !previous.contains($0) }
        let gone = previous.filter { !desired.contains($0) }
        let startedRoles = Set(started.map(\.role))
        stopped = gone.filter { !startedRoles.contains($0.role) }
        replaced = gone.filter { startedRoles.contains($0.role) }
    }
}

extension DirectorHost {
    /// Opens the sockets of every daemon `change` starts; on a failure, undoes the ones started
    /// and returns the refusal, at the `--start-daemon` command concerned.
    func startSyncDaemons(_ change: SyncDaemonChange, commands: [AdminCommand]) -> TransactionRefusal? {
        var done: [SyncDaemonConfig] = []
        // Backups first: a master announces its start, and a backup started with it must already
        // be listening for the snapshots the active-active peers answer with.
        for daemon in change.started.filter({ $0.role == .backup }) + change.started.filter({ $0.role == .master }) {
            do throws(SyncServiceError) {
                try startSyncDaemon(daemon)
                done.append(daemon)
            } catch {
                undoSyncDaemons(SyncDaemonChange(started: done, stopped: [], replaced: change.replaced))
                let index =
                    commands.firstIndex {
                        if case .startDaemon(let config) = $0 { return config == daemon }
                        return false
                    } ?? 0
                return TransactionRefusal(
                    index: index, command: commands[index], error: .notSupported(error.description))
            }
        }
        return nil
    }

    /// Stops what `change` started and restarts what it replaced (a refused transaction).
    func undoSyncDaemons(_ change: SyncDaemonChange) {
        for daemon in change.started { stopSyncDaemon(daemon.role) }
        for daemon in change.replaced { try? startSyncDaemon(daemon) }
    }
}

extension SyncDaemonChange {
    init(started: [SyncDaemonConfig], stopped: [SyncDaemonConfig], replaced: [SyncDaemonConfig]) {
        self.started = started
        self.stopped = stopped
        self.replaced = replaced
    }
}

extension LVSSyncDaemonSettings {
    /// The daemon of `role` these settings describe (0: the kernel's default for each field).
    func daemon(_ role: SyncDaemonRole) -> SyncDaemonConfig {
        var config = SyncDaemonConfig(role: role, multicastInterface: interface)
        config.syncID = syncID ?? 0
        config.maxLength = maxLength ?? 0
        config.multicastGroup = group
        config.multicastPort = port ?? 0
        config.multicastTTL = ttl ?? 0
        return config
    }
}
