import LVSControl
import LVSCore
import LVSSharedDirector

extension SyncLoop {
    /// Publishes what `lvsadm --sync` shows (every 100 ms at most, and after each command).
    mutating func publish(now: MonotonicInstant) {
        lastPublished = now
        let counters = shared.withDirector { $0.syncCounters }
        var daemons: [SyncDaemonReport] = []
        func seconds(since start: MonotonicInstant) -> Double {
            Double(now.nanoseconds &- start.nanoseconds) / 1e9
        }
        if let master {
            daemons.append(
                SyncDaemonReport(
                    config: master.config, maxLength: master.sockets.maxLength,
                    ports: master.sockets.senders.map { Int($0.configuration.port) },
                    runningFor: seconds(since: master.started), counters: master.counters, drops: [:], peers: []))
        }
        if let backup {
            let peers = backup.peers.sorted { $0.key < $1.key }.map { address, peer in
                SyncPeerReport(
                    address: "\(address)", messages: peer.messages, entries: peer.entries,
                    lastMessageAgo: seconds(since: peer.last))
            }
            daemons.append(
                SyncDaemonReport(
                    config: backup.config, maxLength: backup.sockets.maxLength,
                    ports: backup.sockets.receivers.map { Int($0.configuration.port) },
                    runningFor: seconds(since: backup.started), counters: backup.counters, drops: backup.drops,
                    peers: peers))
        }
        service.publish(
            SyncReport(
                daemons: daemons, authenticated: service.tuning.key != nil,
                version: Int(service.tuning.version.rawValue), entries: Self.named(counters)))
    }

    /// LVSCore's counters by the names `lvsadm --sync` prints.
    static func named(_ counters: SyncCounters) -> [String: UInt64] {
        [
            "queued": counters.queued, "dropped_outbox_full": counters.droppedOutboxFull,
            "created": counters.created, "created_unbound": counters.createdUnbound, "updated": counters.updated,
            "replaced": counters.replaced, "ignored_stale": counters.ignoredStale, "bound_later": counters.boundLater,
            "rejected_template_without_client_port": counters.rejectedTemplateWithoutClientPort,
            "rejected_one_packet": counters.rejectedOnePacket,
            "rejected_invalid_forwarding_method": counters.rejectedInvalidForwardingMethod,
            "rejected_invalid_state": counters.rejectedInvalidState,
            "rejected_unsupported_protocol": counters.rejectedUnsupportedProtocol,
            "rejected_address_family_mismatch": counters.rejectedAddressFamilyMismatch,
            "rejected_table_full": counters.rejectedTableFull,
            "rejected_unknown_persistence_engine": counters.rejectedUnknownPersistenceEngine,
            "rejected_invalid_persistence_data": counters.rejectedInvalidPersistenceData,
        ]
    }
}
