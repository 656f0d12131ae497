import LVSCore

// The director's defences in `getEngineStats` (`lvsadm --engine-stats`, the metrics): the
// mode each strategy is in now and what they dropped, prefixed `director_`
// (docs/design/0030-ipvs-defences.md).
extension DirectorHost {
    static func defenceCounters(of director: Director) -> [String: UInt64] {
        let status = director.defenceStatus
        let counters = director.connectionCounters
        var result: [String: UInt64] = [
            "director_drop_entry_mode": UInt64(status.dropEntry.rawValue),
            "director_drop_packet_mode": UInt64(status.dropPacket.rawValue),
            "director_secure_tcp_mode": UInt64(status.secureTCP.rawValue),
            "director_drop_rate": UInt64(status.dropRate),
            "director_connection_entries": UInt64(director.connectionCount),
            "director_dropped_drop_packet": counters.droppedByDropPacket,
            "director_dropped_drop_entry": counters.deletedByDropEntry,
            "director_evicted_entry_limit": counters.evictedAtEntryLimit,
            "director_refused_entry_limit": counters.refusedAtEntryLimit,
            "director_dropped_service_rate_limit": counters.droppedServiceRateLimit,
            "director_dropped_source_rate_limit": counters.droppedSourceRateLimit,
            "director_dropped_table_full": counters.droppedTableFull,
        ]
        if let pages = status.availablePages { result["director_available_memory_pages"] = pages }
        return result
    }
}
